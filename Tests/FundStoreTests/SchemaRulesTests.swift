import FundCore
import FundStore
import FundTestSupport
import Testing

/// Rules PostgreSQL holds on its own, tried with plain SQL so that no application check helps.
@Suite("Schema rules without the application")
struct SchemaRulesTests {
    @Test func reviewerEmailsAreUniqueWhateverTheirCase() async throws {
        try await withTestDatabase { database in
            try await ReviewerRepository(database).add(name: "Alice", email: "alice@example.org", affiliationId: nil)
            await #expect(throws: FundError.duplicate(kind: "reviewer", name: "ALICE@example.org")) {
                try await ReviewerRepository(database).add(
                    name: "Alice", email: "ALICE@example.org", affiliationId: nil)
            }
            await #expect(throws: FundError.self) {
                try await database.count(
                    "INSERT INTO reviewers (name, email) VALUES ('A', 'Alice@Example.org') RETURNING 1")
            }
        }
    }

    @Test func aSubmissionNeverAsksMoreThanItsCostAndIsReviewedOnceByEachReviewer() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            await #expect(throws: FundError.self) {
                try await database.count(
                    """
                    SELECT submission_id FROM receive_submission(\(fixture.callId), \(fixture.lyon), NULL, 'x', 'Too dear',
                        '', 200, 100, ARRAY['green_tech'], 'C', 'c@example.org')
                    """)
            }
            let submission = try await database.count(
                """
                SELECT submission_id FROM receive_submission(\(fixture.callId), \(fixture.lyon), NULL, 'x', 'Fine',
                    '', 100, 100, ARRAY['green_tech'], 'C', 'c@example.org')
                """)
            let reviewer = try await ReviewerRepository(database).add(
                name: "B", email: "b@example.org", affiliationId: nil)
            let insert = """
                INSERT INTO assignments (call_id, submission_id, reviewer_id)
                VALUES (\(fixture.callId), \(submission), \(reviewer)) RETURNING 1
                """
            #expect(try await database.count(insert) == 1)
            await #expect(throws: FundError.self) { try await database.count(insert) }
        }
    }

    @Test func aSubmissionHoldsAtMostOneActiveGrant() async throws {
        try await withTestDatabase { database in
            let call = try await AllocationRepositoryTests.reviewedCall(database, round: 0)
            _ = try await AllocationRepository(database).commit(
                callId: call, parameters: AllocationParameters(budget: Money(cents: 10_000_000), policy: .skip),
                reason: "")
            let grant = try await AllocationRepository(database).grants(callId: call)[0]
            await #expect(throws: FundError.self) {
                try await database.count(
                    """
                    INSERT INTO grants (run_id, call_id, submission_id, amount_cents)
                    SELECT run_id, call_id, submission_id, 1 FROM grants WHERE id = \(grant.id) RETURNING 1
                    """)
            }
        }
    }
}
