/// Reads the network directory file (`name,kind,city,country,label_awarded,label_expires`, and
/// optionally `siret,rna` after them).
///
/// A name may appear on several lines, one per label period. Every bad line is reported with its
/// line number; when any line is bad the result is an error and nothing should be written.
public enum OrganisationImport {
    public static let header = ["name", "kind", "city", "country", "label_awarded", "label_expires"]
    /// The registers' identifiers, optional columns after the others.
    public static let identifiers = ["siret", "rna"]

    /// An organisation read from the file and the line on which it first appears.
    public struct Entry: Equatable, Sendable {
        public let line: Int
        public var organisation: Organisation
    }

    /// Organisations in first-appearance order, their label periods merged and de-duplicated.
    public static func parse(_ text: String) throws(FundError) -> [Entry] {
        let records = try CSV.parse(text)
        guard let first = records.first else {
            throw .importRejected([RowIssue(line: 1, reason: "the file is empty; the first line must be the header")])
        }
        let header = first.fields.map { $0.trimmingWhitespace().lowercased() }
        guard header == Self.header || header == Self.header + Self.identifiers else {
            throw .importRejected([
                RowIssue(
                    line: first.line,
                    reason: "the header must be \(Self.header.joined(separator: ",")), optionally followed by "
                        + Self.identifiers.joined(separator: ","))
            ])
        }
        let columns = header.count

        var issues: [RowIssue] = []
        var organisations: [Entry] = []
        var indexByName: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == columns else {
                issues.append(
                    RowIssue(line: record.line, reason: "expected \(columns) fields, found \(record.fields.count)"))
                continue
            }
            var fields = record.fields.map { TextRule.clean($0) }
            var reasons: [String] = []
            var textIssues: [FieldIssue] = []
            for (index, rule) in [(0, TextRule.organisationName), (2, .city), (3, .country)] {
                fields[index] = rule.check(fields[index], into: &textIssues)
            }
            reasons += textIssues.map { "\($0.field): \($0.reason)" }
            let name = fields[0]
            var kind: OrganisationKind?
            do { kind = try OrganisationKind(parsing: fields[1]) } catch {
                reasons.append("\"\(fields[1])\" is not a kind (capital, community_fr, community_abroad)")
            }
            var siret: String?
            var rna: String?
            if columns > Self.header.count {
                do { siret = try RegistryIdentifier.siret(fields[6]) } catch { reasons.append(error.shortReason) }
                do { rna = try RegistryIdentifier.rna(fields[7]) } catch { reasons.append(error.shortReason) }
            }
            var label: LabelPeriod?
            do {
                let awarded = try CalendarDay(parsing: fields[4])
                let expires = fields[5].isEmpty ? nil : try CalendarDay(parsing: fields[5])
                label = try LabelPeriod(awarded: awarded, expires: expires)
            } catch {
                reasons.append(error.shortReason)
            }
            if let existing = indexByName[name.lowercased()], let kind {
                let known = organisations[existing].organisation
                if known.kind != kind || known.city != fields[2] || known.country != fields[3]
                    || (siret != nil && known.siret != nil && siret != known.siret)
                    || (rna != nil && known.rna != nil && rna != known.rna)
                {
                    reasons.append("\(name) appears earlier with another kind, city, country, SIRET or RNA number")
                }
            }
            guard reasons.isEmpty, let kind, let label else {
                issues.append(RowIssue(line: record.line, reason: reasons.joined(separator: "; ")))
                continue
            }
            if let existing = indexByName[name.lowercased()] {
                if !organisations[existing].organisation.labels.contains(label) {
                    organisations[existing].organisation.labels.append(label)
                }
                organisations[existing].organisation.siret = organisations[existing].organisation.siret ?? siret
                organisations[existing].organisation.rna = organisations[existing].organisation.rna ?? rna
            } else {
                indexByName[name.lowercased()] = organisations.count
                organisations.append(
                    Entry(
                        line: record.line,
                        organisation: Organisation(
                            name: name, kind: kind, city: fields[2], country: fields[3], labels: [label],
                            siret: siret, rna: rna)))
            }
        }
        if !issues.isEmpty { throw .importRejected(issues) }
        return organisations
    }
}

extension FundError {
    /// The reason alone, without the input echoed back, for messages that already name the line.
    public var shortReason: String {
        switch self {
        case .invalidDate(let input, let reason), .invalidAmount(let input, let reason),
            .invalidInstant(let input, let reason):
            return "\"\(input)\": \(reason)"
        case .validation(let issues):
            return issues.map(\.reason).joined(separator: "; ")
        default:
            return description
        }
    }
}
