import FundCore
import FundStore
import FundTestSupport
import Testing

/// One table of SIRET and RNA numbers through Swift's `RegistryIdentifier` and the schema's
/// `cfund_siret_valid` and `organisations_rna_check`: both sides accept the same ones.
@Suite("Registry identifiers in Swift and in PostgreSQL")
struct RegistryIdentifierTests {
    static let sirets: [(String, Bool)] = [
        ("13002526500013", true), ("73282932000074", true), ("21750001600019", true), ("11000201100044", true),
        ("13002526500014", false), ("12345678900012", false), ("1300252650001", false), ("130025265000130", false),
        ("1300252650001A", false), ("", false),
        // La Poste's establishments: their digits add up to a multiple of 5, Luhn or not.
        ("35600000049837", true), ("35600000000048", false),
    ]
    static let rnas: [(String, Bool)] = [
        ("W751234567", true), ("W123456789", true), ("w751234567", false), ("W75123456", false), ("X751234567", false),
        ("W7512345678", false),
    ]

    @Test func swiftAndPostgreSQLAgreeOnEveryNumber() async throws {
        for (number, valid) in Self.sirets {
            #expect(RegistryIdentifier.isValidSIRET(number) == valid, "\(number)")
        }
        for (number, valid) in Self.rnas { #expect(RegistryIdentifier.isValidRNA(number) == valid, "\(number)") }
        try await withTestDatabase { database in
            for (number, valid) in Self.sirets {
                let stored = try await database.query("SELECT cfund_siret_valid(\(number))").decode(Bool.self).first
                #expect(stored == valid, "\(number)")
            }
            for (number, valid) in Self.rnas {
                let stored = try await database.query("SELECT \(number) ~ '^W[0-9]{9}$'").decode(Bool.self).first
                #expect(stored == valid, "\(number)")
            }
        }
    }

    @Test func theDirectoryKeepsThemAndRefusesAWrongOneNamingTheField() async throws {
        #expect(try RegistryIdentifier.siret(" 130 025 265 00013 ") == "13002526500013")
        #expect(try RegistryIdentifier.siret("  ") == nil)
        #expect(try RegistryIdentifier.rna("w751234567") == "W751234567")
        #expect(throws: FundError.self) { try RegistryIdentifier.siret("130 025 265 00014") }
        try await withTestDatabase { database in
            let organisations = OrganisationRepository(database)
            let label = try LabelPeriod(awarded: CalendarDay(parsing: "2023-04-01"))
            let lyon = try await organisations.add(
                Organisation(
                    name: "French Tech Lyon", kind: .capital, city: "Lyon", country: "France", labels: [label],
                    siret: "130 025 265 00013"))
            #expect(try await organisations.find("French Tech Lyon").siret == "13002526500013")
            let named = try await organisations.identify(lyon, siret: nil, rna: "W691234567")
            #expect(named.siret == "13002526500013" && named.rna == "W691234567")
            #expect(try await organisations.identify(lyon, siret: "", rna: nil).siret == nil)
            await #expect(throws: FundError.self) {
                _ = try await organisations.identify(lyon, siret: "12345678900012", rna: nil)
            }
            // The database refuses a wrong one whatever the path, naming the field.
            do {
                try await database.query("UPDATE organisations SET siret = '12345678900012' WHERE id = \(lyon)")
                Issue.record("a wrong SIRET was stored")
            } catch let error as FundError {
                guard case .validation(let issues) = error else { Issue.record("\(error)"); return }
                #expect(issues.map(\.field) == ["siret"])
            }
            // Two organisations do not share a SIRET.
            _ = try await organisations.identify(lyon, siret: "13002526500013", rna: nil)
            await #expect(throws: FundError.self) {
                try await organisations.add(
                    Organisation(
                        name: "French Tech Lyon bis", kind: .capital, city: "Lyon", country: "France", labels: [label],
                        siret: "13002526500013"))
            }
        }
    }
}
