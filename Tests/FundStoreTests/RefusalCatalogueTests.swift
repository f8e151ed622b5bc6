import FundCore
import FundStore
import FundTestSupport
import PostgresNIO
import Testing

/// Every refusal the migrated schema can raise is in `RefusalCatalogue`, so none reaches a user as
/// an internal error: a migration that adds a constraint or an error code without mapping it
/// fails here.
@Suite("The catalogue of database refusals")
struct RefusalCatalogueTests {
    @Test func everyConstraintAndErrorCodeOfTheSchemaIsMapped() async throws {
        try await withTestDatabase { database in
            let constraints = try await database.query(
                """
                SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' AND c.contype IN ('c', 'u', 'f', 'p', 'x')
                UNION
                SELECT i.indexrelid::regclass::text FROM pg_index i
                JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = 'public' AND i.indisunique
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)
                """
            ).decode(String.self)
            let codes = try await database.query(
                """
                SELECT DISTINCT m[1] FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
                    regexp_matches(p.prosrc, 'ERRCODE\\s*=\\s*''([0-9A-Z]{5})''', 'g') m
                WHERE n.nspname = 'public'
                """
            ).decode(String.self)
            #expect(constraints.count > 90)
            #expect(Set(constraints).subtracting(RefusalCatalogue.mappedConstraints).sorted() == [])
            #expect(Set(codes).subtracting(RefusalCatalogue.mappedCodes).sorted() == [])
            // And nothing mapped that the schema no longer has.
            #expect(RefusalCatalogue.mappedConstraints.subtracting(constraints).sorted() == [])
            #expect(RefusalCatalogue.mappedCodes.subtracting(codes).sorted() == [])
        }
    }

    /// Refusals provoked with plain SQL, past every application check, come out as 409/422-class
    /// errors naming the field, with the figures from the structured DETAIL.
    @Test func refusalsComeOutAsDomainErrorsNamingTheField() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            await #expect(
                throws: FundError.validation([
                    FieldIssue(field: "requestedCents", reason: "the request exceeds the project's total cost")
                ])
            ) {
                try await database.query(
                    """
                    SELECT * FROM receive_submission(\(fixture.callId), \(fixture.lyon), NULL, 'x', 'Too dear',
                        '', 200, 100, ARRAY['green_tech'], 'C', 'c@example.org')
                    """)
            }
            await #expect(
                throws: FundError.conflict([
                    FieldIssue(
                        field: "name",
                        reason: "an organisation with this name already exists "
                            + "(names are unique whatever their case)")
                ])
            ) {
                try await database.query(
                    "INSERT INTO organisations (name, kind, country) VALUES ('FRENCH TECH LYON', 'capital', 'France')")
            }
            await #expect(
                throws: FundError.validation([
                    FieldIssue(field: "call", reason: FundError.missing("call"))
                ])
            ) {
                try await database.query(
                    """
                    SELECT * FROM receive_submission(9999, \(fixture.lyon), NULL, 'x', 'Nowhere', '', 100, 100,
                        ARRAY['green_tech'], 'C', 'c@example.org')
                    """)
            }
            await #expect(
                throws: FundError.budgetExceeded(
                    envelope: "Community Fund 2023-2024", requested: Money(cents: 100_000_000),
                    available: Money(cents: 90_000_000))
            ) {
                try await database.query(
                    """
                    INSERT INTO calls (envelope_id, title, budget_cents, opens_at, closes_at, time_zone,
                        allowed_kinds, grid)
                    SELECT envelope_id, 'Too big | a title with a bar', 100000000, opens_at, closes_at, time_zone,
                        allowed_kinds, grid FROM calls LIMIT 1
                    """)
            }
            await #expect(throws: FundError.validation([FieldIssue(field: "country", reason: "the field is required")]))
            {
                try await database.query(
                    "INSERT INTO organisations (name, kind, country) VALUES ('French Tech Brest', 'capital', NULL)")
            }
        }
    }
}
