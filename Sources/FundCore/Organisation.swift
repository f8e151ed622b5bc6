/// The three kinds of network members that may apply.
public enum OrganisationKind: String, CaseIterable, Codable, Sendable {
    case capital
    case communityFrance = "community_fr"
    case communityAbroad = "community_abroad"

    public init(parsing input: String) throws(FundError) {
        guard let kind = OrganisationKind(rawValue: input.trimmingWhitespace().lowercased()) else {
            throw .validation([
                FieldIssue(
                    field: "kind",
                    reason:
                        "\"\(input)\" is not a kind; use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            ])
        }
        self = kind
    }
}

/// The State's accreditation ("label") of an organisation, for a period of days, inclusive.
public struct LabelPeriod: Hashable, Sendable, Codable {
    /// Labels are awarded for three years unless the source says otherwise.
    public static let defaultYears = 3

    public let awarded: CalendarDay
    public let expires: CalendarDay

    public init(awarded: CalendarDay, expires: CalendarDay? = nil) throws(FundError) {
        let expires = expires ?? awarded.adding(years: Self.defaultYears)
        guard awarded < expires else {
            throw .validation([
                FieldIssue(
                    field: "label_expires", reason: "the label expires (\(expires)) before it is awarded (\(awarded))")
            ])
        }
        self.awarded = awarded
        self.expires = expires
    }

    /// A label counts on every day from its award up to, but not including, its expiry day.
    public func isValid(on day: CalendarDay) -> Bool { awarded <= day && day < expires }
}

/// A network member as the rules see it.
public struct Organisation: Hashable, Sendable, Codable {
    public var id: Int64
    public var name: String
    public var kind: OrganisationKind
    public var city: String
    public var country: String
    public var labels: [LabelPeriod]
    /// In the national registers (`RegistryIdentifier`): none for a Community abroad.
    public var siret: String?
    public var rna: String?

    public init(
        id: Int64 = 0, name: String, kind: OrganisationKind, city: String, country: String, labels: [LabelPeriod],
        siret: String? = nil, rna: String? = nil
    ) {
        self.id = id
        self.siret = siret
        self.rna = rna
        self.name = name
        self.kind = kind
        self.city = city
        self.country = country
        self.labels = labels
    }

    /// The organisation with its text cleaned (see `TextRule`), and what is wrong with it.
    public func validated() -> (organisation: Organisation, issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var clean = self
        clean.name = TextRule.organisationName.check(name, into: &issues)
        clean.city = TextRule.city.check(city, into: &issues)
        clean.country = TextRule.country.check(country, into: &issues)
        do { clean.siret = try siret.flatMap(RegistryIdentifier.siret) } catch {
            if case .validation(let found) = error { issues += found }
        }
        do { clean.rna = try rna.flatMap(RegistryIdentifier.rna) } catch {
            if case .validation(let found) = error { issues += found }
        }
        return (clean, issues)
    }
}
