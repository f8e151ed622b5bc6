import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("Envelopes and call budgets in PostgreSQL")
struct EnvelopeReservationTests {
    static let validity = try! DayRange(parsing: "2023-01-01..2024-12-31")

    static func call(_ envelopeId: Int64, _ title: String, _ budget: Int64) -> Call {
        Call(
            envelopeId: envelopeId, title: title, budget: Money(cents: budget),
            opensAt: Date(timeIntervalSince1970: 1_731_452_400), closesAt: Date(timeIntervalSince1970: 1_734_303_600))
    }

    @Test func callsReserveTheirBudgetAndTheEnvelopeShowsWhatIsLeft() async throws {
        try await withTestDatabase { database in
            let envelopes = EnvelopeRepository(database)
            let id = try await envelopes.create(
                Envelope(name: "Community Fund 2023-2024", amount: Money(cents: 150_000_000), validity: Self.validity))
            try await CallRepository(database).create(Self.call(id, "Capitals 2024", 60_000_000))
            let summary = try await envelopes.find("community fund 2023-2024")
            #expect(summary.balance.reserved == Money(cents: 60_000_000))
            #expect(summary.balance.left == Money(cents: 90_000_000))
            #expect(summary.callCount == 1)
        }
    }

    @Test func overReservingIsRefusedWithTheFigures() async throws {
        try await withTestDatabase { database in
            let id = try await EnvelopeRepository(database).create(
                Envelope(name: "Small", amount: Money(cents: 100_000), validity: Self.validity))
            let calls = CallRepository(database)
            try await calls.create(Self.call(id, "First call", 70_000))
            await #expect(
                throws: FundError.budgetExceeded(
                    envelope: "Small", requested: Money(cents: 40_000), available: Money(cents: 30_000))
            ) {
                try await calls.create(Self.call(id, "Second call", 40_000))
            }
            #expect(try await calls.list().count == 1)
        }
    }

    @Test func theDatabaseRefusesOverReservationWithoutTheApplication() async throws {
        try await withTestDatabase { database in
            let id = try await EnvelopeRepository(database).create(
                Envelope(name: "Raw", amount: Money(cents: 100), validity: Self.validity))
            try await CallRepository(database).create(Self.call(id, "Takes it all", 100))
            await #expect(throws: FundError.self) {
                try await database.query(
                    """
                    INSERT INTO calls (envelope_id, title, budget_cents, opens_at, closes_at, time_zone, allowed_kinds, grid)
                    VALUES (\(id), 'Plain SQL', 1, now(), now() + interval '1 day', 'UTC', ARRAY['capital'], '{}')
                    """)
            }
            await #expect(throws: FundError.self) {
                try await database.query("UPDATE envelopes SET amount_cents = 99 WHERE id = \(id)")
            }
            await #expect(throws: FundError.self) {
                try await database.query("UPDATE envelopes SET amount_cents = -5 WHERE id = \(id)")
            }
        }
    }

    /// Two connections create calls on one envelope at the same moment, many times over: the sum
    /// of budgets must never pass the envelope, and exactly as many calls as fit must exist.
    @Test func concurrentCallCreationNeverOverspends() async throws {
        try await withTestDatabase { database in
            for round in 0..<25 {
                let id = try await EnvelopeRepository(database).create(
                    Envelope(name: "Race \(round)", amount: Money(cents: 1_000), validity: Self.validity))
                let calls = CallRepository(database)
                let results = await withTaskGroup(of: Bool.self) { group in
                    for contender in 0..<2 {
                        group.addTask {
                            (try? await calls.create(Self.call(id, "Race \(round) call \(contender)", 600))) != nil
                        }
                    }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(results.filter { $0 }.count == 1)
                let stored = try await database.query(
                    "SELECT coalesce(sum(budget_cents), 0)::bigint FROM calls WHERE envelope_id = \(id)"
                ).decode(Int64.self).reduce(0, +)
                #expect(stored == 600)
                let summary = try await EnvelopeRepository(database).find(String(id))
                #expect(summary.balance.reserved == Money(cents: 600))
            }
        }
    }

    @Test func lifecycleOnlyMovesForwardAndRulesFreezeOnOpening() async throws {
        try await withTestDatabase { database in
            let id = try await EnvelopeRepository(database).create(
                Envelope(name: "Lifecycle", amount: Money(cents: 10_000), validity: Self.validity))
            var call = Self.call(id, "Lifecycle call", 1_000)
            call.opensAt = Date().addingTimeInterval(-60)
            call.closesAt = Date().addingTimeInterval(3600)
            let calls = CallRepository(database)
            let callId = try await calls.create(call)
            await #expect(throws: FundError.invalidTransition(call: "Lifecycle call", from: .draft, to: .closed)) {
                try await calls.close(String(callId), early: true)
            }
            #expect(try await calls.open(String(callId)).status == .open)
            await #expect(throws: FundError.frozen(call: "Lifecycle call", status: .open)) {
                try await database.query("UPDATE calls SET budget_cents = 2000 WHERE id = \(callId)")
            }
            await #expect(throws: FundError.self) { try await calls.close(String(callId)) }
            #expect(try await calls.close(String(callId), early: true).call.status == .closed)
            await #expect(throws: FundError.invalidTransition(call: "Lifecycle call", from: .closed, to: .open)) {
                try await calls.open(String(callId))
            }
        }
    }
}
