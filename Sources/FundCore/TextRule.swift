import Foundation

/// How the fund reads text that people type: the one definition of clean text, its length and
/// blankness. PostgreSQL holds the same definition (`cfund_clean`, `cfund_text_fits` in
/// Schema/0006) as the CHECKs behind every such column; `TextRuleTests` runs one table of cases
/// through both and fails when they disagree.
///
/// - Clean text is in Unicode NFC (French typed on some systems arrives decomposed, "e" then a
///   combining accent) with the characters of `edgeScalars` removed from both ends; multi-line
///   text has its line ends as LF.
/// - Length counts Unicode scalars of clean text, as PostgreSQL's `char_length` does: a flag
///   emoji is two, an accented letter one.
/// - Blank text has nothing left once cleaned, so spaces, line breaks, zero-width and
///   direction-control characters alone never make a title.
/// - Control characters (C0, DEL, C1) are refused inside text, but for tabs and line breaks in
///   multi-line text; PostgreSQL cannot store NUL at all.
public struct TextRule: Sendable, Equatable {
    /// The field as the user named it (JSON key, form field, CLI option).
    public let field: String
    public let length: ClosedRange<Int>
    public let multiline: Bool

    public init(field: String, length: ClosedRange<Int>, multiline: Bool = false) {
        self.field = field
        self.length = length
        self.multiline = multiline
    }

    /// The clean text, or why it breaks the rule.
    public func check(_ text: String) -> Result<String, FieldIssue> {
        let clean = Self.clean(text, multiline: multiline)
        if let control = clean.unicodeScalars.first(where: { Self.isRefusedControl($0, multiline: multiline) }) {
            let code = String(control.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            let message =
                control.value == 0 ? Message("text.nul") : Message("text.control", ["code": .text("U+\(padded)")])
            return .failure(FieldIssue(field: field, message))
        }
        let count = Self.length(of: clean)
        guard length.contains(count) else {
            let values: [String: Message.Value] = [
                "min": .number(length.lowerBound), "max": .number(length.upperBound), "count": .number(count),
            ]
            let key: String
            if count == 0 {
                key = "text.empty"
            } else if length.lowerBound == length.upperBound {
                key = "text.exact"
            } else if length.lowerBound <= 1 {
                key = "text.max"
            } else {
                key = "text.range"
            }
            return .failure(FieldIssue(field: field, Message(key, values)))
        }
        return .success(clean)
    }

    /// The clean text; refused with `FundError.validation` naming the field.
    public func cleaned(_ text: String) throws(FundError) -> String {
        switch check(text) {
        case .success(let clean): return clean
        case .failure(let issue): throw .validation([issue])
        }
    }

    /// Checks `text` into `issues`, returning the clean text (or the input, when refused).
    public func check(_ text: String, into issues: inout [FieldIssue]) -> String {
        switch check(text) {
        case .success(let clean): return clean
        case .failure(let issue):
            issues.append(issue)
            return text
        }
    }

    /// Unicode's White_Space characters and the invisible format characters (zero-width spaces
    /// and joiners, the word joiner, the byte-order mark, direction marks, embeddings, overrides
    /// and isolates). Keep in step with `cfund_clean` in Schema/0006.
    public static let edgeScalars: Set<Unicode.Scalar> = {
        let values: [ClosedRange<UInt32>] = [
            0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0, 0x1680...0x1680, 0x180E...0x180E,
            0x2000...0x200F, 0x2028...0x202F, 0x205F...0x2064, 0x2066...0x206F, 0x3000...0x3000, 0xFEFF...0xFEFF,
        ]
        return Set(values.flatMap { $0 }.compactMap(Unicode.Scalar.init))
    }()

    /// NFC, line ends as LF for multi-line text, `edgeScalars` trimmed from both ends.
    /// ASCII text is already NFC (as `cfund_text_fits` knows too), so it skips Foundation's
    /// normalisation, which was the larger part of checking a submission's fields.
    public static func clean(_ text: String, multiline: Bool = false) -> String {
        var normalised = text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
        if multiline && normalised.unicodeScalars.contains("\r") {
            normalised = normalised.replacingOccurrences(of: "\r\n", with: "\n")
                .replacingOccurrences(of: "\r", with: "\n")
        }
        let scalars = normalised.unicodeScalars
        guard let first = scalars.firstIndex(where: { !edgeScalars.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !edgeScalars.contains($0) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Length as the rules count it: Unicode scalars of clean text.
    public static func length(of clean: String) -> Int { clean.unicodeScalars.count }

    static func isRefusedControl(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: return !multiline
        case 0x00...0x1F, 0x7F...0x9F: return true
        default: return false
        }
    }
}

extension TextRule {
    public static let organisationName = TextRule(field: "name", length: 1...200)
    public static let city = TextRule(field: "city", length: 0...200)
    public static let country = TextRule(field: "country", length: 1...100)
    public static let envelopeName = TextRule(field: "name", length: 1...200)
    public static let callTitle = TextRule(field: "title", length: 3...200)
    public static let submissionTitle = TextRule(field: "title", length: 3...200)
    public static let summary = TextRule(field: "summary", length: 0...5000, multiline: true)
    public static let contactName = TextRule(field: "contact.name", length: 1...200)
    public static let contactEmail = TextRule(field: "contact.email", length: 3...254)
    public static let idempotencyKey = TextRule(field: "Idempotency-Key", length: 1...255)
    public static let reviewerName = TextRule(field: "name", length: 1...200)
    public static let reviewerEmail = TextRule(field: "email", length: 3...254)
    public static let signatories = TextRule(field: "signatories", length: 1...500)
    public static let paymentReference = TextRule(field: "reference", length: 1...100)
    /// A final report's account of the project, in the grantee's words.
    public static let narrative = TextRule(field: "narrative", length: 1...20000, multiline: true)
    /// Why an admin acted (a decline, a revision, a reopened review, a conflict); where a reason
    /// is required, the workflow says so in its own words.
    public static let reason = TextRule(field: "reason", length: 0...2000, multiline: true)
    /// Why a reviewer steps back from a submission: it must be said.
    public static let recusal = TextRule(field: "reason", length: 1...2000, multiline: true)
    public static func comment(criterion: String) -> TextRule {
        TextRule(field: "comments.\(criterion)", length: 0...5000, multiline: true)
    }
}
