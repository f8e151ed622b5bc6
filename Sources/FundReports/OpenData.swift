import Foundation
import FundCore
import FundStore

/// The national open-data format for grants ("SCDL Subventions" 2.1.1): the essential data of
/// every grant under a signed agreement, one row per beneficiary, 16 columns in the order the
/// specification gives, UTF-8, comma, decimal point. `Config/opendata/scdl-subventions.schema.json`
/// is the Table Schema written from the specification; CI validates the file against it.
public enum OpenData {
    public static let columns = [
        "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire", "idBeneficiaire",
        "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
        "notificationUE", "pourcentageSubvention", "dispositifAide",
    ]

    /// One grant's row, field by field in `columns` order.
    public static func row(_ account: GrantAccount, payments: [Payment], funder: Funder, siret: String) -> [String]? {
        guard let signedOn = account.agreement?.signedOn else { return nil }
        let days = payments.map(\.paidOn).sorted()
        let period: String
        if let first = days.first, let last = days.last {
            period = first == last ? first.description : "\(first)/\(last)"
        } else {
            // Nothing paid yet: the advance is due from the signature.
            period = signedOn.description
        }
        return [
            funder.name, siret, signedOn.description, account.agreement?.reference ?? "", account.organisation.name,
            account.organisation.siret ?? "", account.organisation.rna ?? "", String(account.title.prefix(255)),
            account.amount.plain, "aide en numéraire",
            [0, 100].contains(account.advancePercent) ? "unique" : "échelonné", period, "", "non", "1",
            account.callTitle,
        ]
    }

    /// The rows of the grants given (those with a signed agreement), with their payments.
    public static func rows(accounts: [GrantAccount], payments: [Payment], funder: Funder) throws -> [[String]] {
        guard let siret = funder.siret else {
            throw FundError.validation([
                FieldIssue(
                    field: "CFUND_FUNDER_SIRET",
                    reason: "the open-data file names the fund by its SIRET (idAttribuant); set CFUND_FUNDER_SIRET")
            ])
        }
        let byGrant = Dictionary(grouping: payments, by: \.grantId)
        return accounts.compactMap { row($0, payments: byGrant[$0.id] ?? [], funder: funder, siret: siret) }
    }

    public static func csv(_ rows: [[String]]) -> String {
        ([columns] + rows).map { CSV.line($0) }.joined()
    }

    /// The same rows as JSON: an array of objects with the columns as keys, amounts as numbers.
    public static func json(_ rows: [[String]]) -> String {
        let numbers: Set<String> = ["montant", "pourcentageSubvention"]
        return JSONValue.array(
            rows.map { row in
                .object(
                    Dictionary(
                        uniqueKeysWithValues: zip(columns, row).map { name, value in
                            if numbers.contains(name) { return (name, .raw(value)) }
                            if name == "notificationUE" { return (name, .bool(value == "oui")) }
                            return (name, value.isEmpty ? .null : .string(value))
                        }))
            }
        ).rendered + "\n"
    }
}
