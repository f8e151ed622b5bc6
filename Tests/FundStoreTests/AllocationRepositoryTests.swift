import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("Allocations in PostgreSQL")
struct AllocationRepositoryTests {
    /// A call in review with three fully reviewed submissions asking 40,000, 30,000 and 50,000
    /// EUR (ranked in that order), made straight in SQL.
    static func reviewedCall(_ database: Database, round: Int, budget: Int64 = 10_000_000) async throws -> Int64 {
        let envelope = try await database.count(
            """
            INSERT INTO envelopes (name, amount_cents, valid_from, valid_to)
            VALUES ('Envelope \(round)', 1000000000, '2020-01-01', '2099-12-31') RETURNING id
            """)
        let call = try await database.count(
            """
            INSERT INTO calls (envelope_id, title, budget_cents, opens_at, closes_at, time_zone, allowed_kinds, grid,
                               reviews_per_submission)
            VALUES (\(envelope), 'Call \(round)', \(budget), '2024-01-01', '2024-12-31', 'UTC', ARRAY['capital'],
                    '{"criteria":[{"key":"impact","name":"Impact","weight":1,"min":0,"max":5,"step":0.5}],"overallThreshold":0}',
                    1)
            RETURNING id
            """)
        _ = try await database.count("UPDATE calls SET status = 'open' WHERE id = \(call) RETURNING 1")
        _ = try await database.count(
            "INSERT INTO simulated_clock (at) VALUES ('2024-06-01') ON CONFLICT (singleton) DO UPDATE SET at = excluded.at RETURNING 1"
        )
        for (index, euros) in [40_000, 30_000, 50_000].enumerated() {
            let organisation = try await database.count(
                "INSERT INTO organisations (name, kind, country) VALUES ('Org \(round)-\(index)', 'capital', 'FR') RETURNING id"
            )
            let submission = try await database.count(
                """
                INSERT INTO submissions (call_id, organisation_id, title, summary, requested_cents, total_cost_cents,
                    ambitions, contact_name, contact_email, received_at, first_received_at, request_sha256)
                VALUES (\(call), \(organisation), 'Project \(index)', '', \(euros * 100), \(euros * 100),
                    ARRAY['green_tech'], 'C', 'c@x.org', '2024-06-01', '2024-06-01', 'x')
                RETURNING id
                """)
            let reviewer = try await database.count(
                "INSERT INTO reviewers (name, email) VALUES ('R', 'r\(round)-\(index)@x.org') RETURNING id")
            let assignment = try await database.count(
                "INSERT INTO assignments (call_id, submission_id, reviewer_id) VALUES (\(call), \(submission), \(reviewer)) RETURNING id"
            )
            _ = try await database.count(
                "INSERT INTO reviews (assignment_id, scores, final) VALUES (\(assignment), '{\"impact\": \(5000 - index * 500)}', true) RETURNING 1"
            )
        }
        _ = try await database.count("UPDATE calls SET status = 'closed' WHERE id = \(call) RETURNING 1")
        _ = try await database.count("UPDATE calls SET status = 'reviewing' WHERE id = \(call) RETURNING 1")
        return call
    }

    static func parameters(_ policy: AllocationPolicy = .skip) -> AllocationParameters {
        AllocationParameters(budget: Money(cents: 10_000_000), policy: policy)
    }

    @Test func aCommitIsTheDecisionAndASecondIsRefused() async throws {
        try await withTestDatabase { database in
            let call = try await Self.reviewedCall(database, round: 0)
            let allocations = AllocationRepository(database)
            let (_, plan) = try await allocations.commit(callId: call, parameters: Self.parameters(), reason: "jury")
            #expect(plan.granted == Money(cents: 7_000_000))
            #expect(plan.reserve.count == 1)
            await #expect(throws: FundError.self) {
                try await allocations.commit(callId: call, parameters: Self.parameters(), reason: "again")
            }
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 7_000_000)
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions WHERE status = 'reserve'") == 1)
        }
    }

    @Test func aRevisionSupersedesTheDecisionAndKeepsBoth() async throws {
        try await withTestDatabase { database in
            let call = try await Self.reviewedCall(database, round: 0)
            let allocations = AllocationRepository(database)
            _ = try await allocations.commit(callId: call, parameters: Self.parameters(.strict), reason: "first")
            await #expect(throws: FundError.self) {
                try await database.count("UPDATE calls SET status = 'reviewing' WHERE id = \(call) RETURNING 1")
            }
            let superseded = try await allocations.revise(callId: call, reason: "the jury re-scored one project")
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 0)
            let (_, plan) = try await allocations.commit(
                callId: call, parameters: Self.parameters(.partial), reason: "second")
            #expect(plan.granted == Money(cents: 10_000_000))
            #expect(
                try await database.count("SELECT count(*)::bigint FROM allocation_runs WHERE call_id = \(call)") == 2)
            #expect(
                try await database.count(
                    "SELECT count(*)::bigint FROM allocation_runs WHERE id = \(superseded) AND superseded_reason IS NOT NULL"
                )
                    == 1)
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 10_000_000)
        }
    }

    @Test func aDeclinedGrantFundsTheReserveOnPromotion() async throws {
        try await withTestDatabase { database in
            let call = try await Self.reviewedCall(database, round: 0)
            let allocations = AllocationRepository(database)
            _ = try await allocations.commit(callId: call, parameters: Self.parameters(), reason: "")
            let first = try await allocations.grants(callId: call)[0]
            _ = try await allocations.decline(grantId: first.id, reason: "project cancelled")
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 3_000_000)
            let promoted = try await allocations.promote(callId: call)
            #expect(promoted.map(\.amount) == [Money(cents: 5_000_000)])
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 8_000_000)
            #expect(try await allocations.promote(callId: call).isEmpty)
        }
    }

    /// Two commits race on one call, round after round: exactly one decision, never over budget.
    @Test func racingCommitsMakeOneDecisionAndNeverOverspend() async throws {
        try await withTestDatabase { database in
            for round in 1...10 {
                let call = try await Self.reviewedCall(database, round: round)
                let allocations = AllocationRepository(database)
                let outcomes = await withTaskGroup(of: Bool.self) { group in
                    for policy in [AllocationPolicy.skip, .partial] {
                        group.addTask {
                            (try? await allocations.commit(
                                callId: call, parameters: Self.parameters(policy), reason: "")) != nil
                        }
                    }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round)")
                #expect(
                    try await database.count("SELECT count(*)::bigint FROM allocation_runs WHERE call_id = \(call)")
                        == 1)
                let granted = try await database.count(
                    "SELECT coalesce(sum(amount_cents), 0)::bigint FROM grants WHERE call_id = \(call) AND status = 'active'"
                )
                #expect(granted <= 10_000_000)
                #expect(granted == (try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)")))
            }
        }
    }

    /// Grants written straight in SQL from two connections at once cannot pass the budget either.
    @Test func theDatabaseRefusesGrantsPastTheBudgetUnderConcurrency() async throws {
        try await withTestDatabase { database in
            let call = try await Self.reviewedCall(database, round: 0)
            _ = try await AllocationRepository(database).commit(
                callId: call, parameters: AllocationParameters(budget: Money(cents: 4_000_000), policy: .strict),
                reason: "")
            let run = try await database.count("SELECT id FROM allocation_runs WHERE call_id = \(call)")
            let others = try await database.query(
                "SELECT id FROM submissions WHERE call_id = \(call) AND status = 'reserve' ORDER BY id"
            ).map { try $0.decode(Int64.self) }
            // 6,000,000 cents of room; each racer grants 4,000,000: only one fits.
            let results = await withTaskGroup(of: Bool.self) { group in
                for submission in others {
                    group.addTask {
                        (try? await database.count(
                            """
                            INSERT INTO grants (run_id, call_id, submission_id, amount_cents)
                            VALUES (\(run), \(call), \(submission), 4000000) RETURNING 1
                            """)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            #expect(try await database.count("SELECT granted_cents FROM calls WHERE id = \(call)") == 8_000_000)
        }
    }
}
