import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("The network directory in PostgreSQL")
struct OrganisationRepositoryTests {
    static let file = """
        name,kind,city,country,label_awarded,label_expires
        French Tech Lyon,capital,Lyon,France,2014-11-12,
        French Tech Lyon,capital,Lyon,France,2024-03-01,
        French Tech Tokyo,community_abroad,Tokyo,Japan,2023-05-10,2026-05-10

        """

    @Test func importingTwiceChangesNothing() async throws {
        try await withTestDatabase { database in
            let repository = OrganisationRepository(database)
            let first = try await repository.importEntries(try OrganisationImport.parse(Self.file))
            #expect(first.organisationsCreated == 2 && first.labelsAdded == 3 && first.unchanged == 0)
            let second = try await repository.importEntries(try OrganisationImport.parse(Self.file))
            #expect(second.organisationsCreated == 0 && second.labelsAdded == 0 && second.unchanged == 2)
            let lyon = try await repository.find("french tech lyon")
            #expect(lyon.labels.map(\.awarded.description) == ["2014-11-12", "2024-03-01"])
        }
    }

    @Test func aConflictWithStoredDataWritesNothing() async throws {
        try await withTestDatabase { database in
            let repository = OrganisationRepository(database)
            try await repository.add(
                Organisation(
                    name: "French Tech Lyon", kind: .communityFrance, city: "Lyon", country: "France",
                    labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2020-01-01"))]))
            await #expect {
                try await repository.importEntries(try OrganisationImport.parse(Self.file))
            } throws: { error in
                guard case .importRejected(let issues) = error as? FundError else { return false }
                return issues.map(\.line) == [2] && issues[0].reason.contains("already stored as community_fr")
            }
            #expect(try await repository.list().map(\.name) == ["French Tech Lyon"])
        }
    }

    @Test func namesAreUniqueWhateverTheirCase() async throws {
        try await withTestDatabase { database in
            let repository = OrganisationRepository(database)
            let label = try LabelPeriod(awarded: CalendarDay(parsing: "2024-01-01"))
            try await repository.add(
                Organisation(name: "French Tech Nice", kind: .capital, city: "Nice", country: "France", labels: [label])
            )
            await #expect(throws: FundError.duplicate(kind: "organisation", name: "FRENCH TECH NICE")) {
                try await repository.add(
                    Organisation(
                        name: "FRENCH TECH NICE", kind: .capital, city: "Nice", country: "France", labels: [label]))
            }
        }
    }

    @Test func theDatabaseRefusesBadRowsOnItsOwn() async throws {
        try await withTestDatabase { database in
            await #expect(throws: FundError.self) {
                try await database.query("INSERT INTO organisations (name, kind, country) VALUES ('X', 'planet', 'FR')")
            }
            await #expect(throws: FundError.self) {
                try await database.query(
                    "INSERT INTO envelopes (name, amount_cents, valid_from, valid_to) VALUES ('E', -1, '2024-01-01', '2024-12-31')"
                )
            }
        }
    }
}
