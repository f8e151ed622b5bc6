/// A beneficiary's identifiers in the national registers, as the open-data file and the
/// agreements name it: the SIRET of an establishment (14 digits with a Luhn check key) and, for
/// an association, its RNA number (W and 9 digits). The schema holds the same rules
/// (`cfund_siret_valid`, `organisations_rna_check`, 0017); this copy says which field is wrong.
public enum RegistryIdentifier {
    /// La Poste's establishments share this SIREN and follow their own check (sum of digits).
    static let laPoste = "356000000"

    /// The SIRET as stored (digits only; spaces as people write them are dropped), nil for none.
    public static func siret(_ input: String) throws(FundError) -> String? {
        let digits = input.filter { !$0.isWhitespace && $0 != "." && $0 != "-" }
        guard !digits.isEmpty else { return nil }
        guard isValidSIRET(digits) else {
            throw .validation([FieldIssue(field: "siret", Message("registry.siret", ["input": .text(input)]))])
        }
        return digits
    }

    /// The RNA number as stored (upper case), nil for none.
    public static func rna(_ input: String) throws(FundError) -> String? {
        let text = input.trimmingWhitespace().uppercased()
        guard !text.isEmpty else { return nil }
        guard isValidRNA(text) else {
            throw .validation([FieldIssue(field: "rna", Message("registry.rna", ["input": .text(input)]))])
        }
        return text
    }

    public static func isValidSIRET(_ text: String) -> Bool {
        let digits = text.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == 14, text.count == 14 else { return false }
        if text.hasPrefix(laPoste) { return digits.reduce(0, +) % 5 == 0 }
        let sum = digits.reversed().enumerated().reduce(0) { sum, pair in
            let (index, digit) = pair
            guard index % 2 == 1 else { return sum + digit }
            let doubled = digit * 2
            return sum + doubled / 10 + doubled % 10
        }
        return sum % 10 == 0
    }

    public static func isValidRNA(_ text: String) -> Bool {
        text.count == 10 && text.first == "W" && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}
