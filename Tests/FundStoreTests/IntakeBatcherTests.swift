import Foundation
import FundCore
import FundTestSupport
import Testing

@testable import FundStore

/// Submissions that arrive together are received in one transaction (Schema/0023), each still
/// refused or accepted on its own and recorded once, with its audit event and its receipt.
@Suite("Intake in batches")
struct IntakeBatcherTests {
    static func content(_ title: String) -> SubmissionContent {
        SubmissionContent(
            title: title, summary: "Founders from every neighbourhood.", requested: Money(cents: 4_000_000),
            totalCost: Money(cents: 8_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
            contactEmail: "camille@example.org")
    }

    @Test func aRushIsReceivedInFewerTransactionsAndEachSubmissionOnce() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let organisations = OrganisationRepository(database)
            var applicants: [Organisation] = []
            for index in 0..<30 {
                let id = try await organisations.add(
                    Organisation(
                        name: "French Tech Ville \(index)", kind: .capital, city: "Ville \(index)", country: "France",
                        labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2024-03-01"))]))
                applicants.append(try await organisations.find(String(id)))
            }
            let batcher = IntakeBatcher(database: database, concurrentBatches: 1)
            let submissions = SubmissionRepository(database)
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for (index, applicant) in applicants.enumerated() {
                    group.addTask {
                        try await submissions.receive(
                            callId: fixture.callId, organisation: applicant, content: Self.content("Projet \(index)"),
                            idempotencyKey: "rush-\(index)", actor: "organisation-token:\(index)",
                            batcher: batcher
                        ).submission.id
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 30)
            #expect(await batcher.received == 30)
            #expect(await batcher.batches < 30, "one transaction at a time: the rush must have waited together")
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 30)
            #expect(
                try await database.count(
                    "SELECT count(*)::bigint FROM mail_outbox WHERE template = 'submission.received'") == 30)
            // Each audit event names the token that sent its submission, not the batch's first.
            #expect(
                try await database.count(
                    """
                    SELECT count(*)::bigint FROM audit_events e JOIN submissions s ON e.target = 'submission:' || s.id
                    WHERE e.action = 'submission.create' AND e.actor = 'organisation-token:' || substr(s.title, 8)
                    """) == 30)
            #expect(try await AuditTrail(database).seal() > 0)
            #expect(try await AuditTrail(database).verify().intact)
        }
    }

    @Test func eachIsRefusedOrAcceptedOnItsOwn() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let organisations = OrganisationRepository(database)
            let lyon = try await organisations.find(String(fixture.lyon))
            let nice = try await organisations.find(String(fixture.nice))
            let batcher = IntakeBatcher(database: database, concurrentBatches: 1)
            let submissions = SubmissionRepository(database)
            // Lyon twice (a cap of one), Nice's same request twice under one key, and one key of
            // Nice's reused for another request; repeated so that most land in shared batches.
            let sends: [(Organisation, String, String)] = [
                (lyon, "lyon-a", "Lyon A"), (lyon, "lyon-b", "Lyon B"), (nice, "nice-1", "Nice"),
                (nice, "nice-1", "Nice"), (nice, "nice-1", "Nice, changed"),
            ]
            let outcomes = await withTaskGroup(of: (Int, Result<(Int64, Bool), any Error>).self) { group in
                for (index, (organisation, key, title)) in sends.enumerated() {
                    group.addTask {
                        do {
                            let received = try await submissions.receive(
                                callId: fixture.callId, organisation: organisation, content: Self.content(title),
                                idempotencyKey: key, actor: "test", batcher: batcher)
                            return (index, .success((received.submission.id, received.replayed)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<(Int64, Bool), any Error>]()) { $0[$1.0] = $1.1 }
            }
            func accepted(_ index: Int) -> (Int64, Bool)? { try? outcomes[index]?.get() }
            func refusal(_ index: Int) -> FundError? {
                guard case .failure(let error) = outcomes[index] else { return nil }
                return error as? FundError
            }
            // Lyon: one accepted, the other refused by the cap, whichever came first.
            #expect([accepted(0), accepted(1)].compactMap { $0 }.count == 1)
            let capped = [refusal(0), refusal(1)].compactMap { $0 }
            #expect(capped.count == 1)
            if case .notEligible = capped.first {} else { Issue.record("expected the cap's refusal: \(capped)") }
            // Nice: the same request twice is one submission; another request under its key is
            // refused, unless it came first, when the same request twice is refused twice.
            let niceIds = Set([accepted(2), accepted(3), accepted(4)].compactMap { $0?.0 })
            #expect(niceIds.count == 1)
            let reused = [refusal(2), refusal(3), refusal(4)].compactMap { $0 }
            #expect(reused.count == 1 || reused.count == 2)
            for error in reused {
                if case .idempotencyConflict(let key) = error {
                    #expect(key == "nice-1")
                } else {
                    Issue.record("expected the reused key's refusal: \(error)")
                }
            }
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 2)
            #expect(await batcher.received == 5)
        }
    }

    @Test func aLateSubmissionIsRefusedAloneAtTheDeadline() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            try await SimulatedClock(database).set(fixture.closesAt)
            let batcher = IntakeBatcher(database: database)
            await #expect {
                try await SubmissionRepository(database).receive(
                    callId: fixture.callId, organisation: lyon, content: Self.content("Late"), idempotencyKey: "late",
                    batcher: batcher)
            } throws: { error in
                if case .callNotOpen = error as? FundError { return true }
                return false
            }
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 0)
        }
    }

    /// The API's token lookups go together under load, each answered for its own token, and a
    /// revoked token stops working at once.
    @Test func tokensLookedUpTogetherAnswerEachForItsOwn() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let repository = TokenRepository(database)
            let lyon = try await repository.issue(for: fixture.lyon)
            let nice = try await repository.issue(for: fixture.nice)
            let revoked = try await repository.issue(for: fixture.nice)
            try await repository.revoke(tokenId: revoked.id, of: fixture.nice)
            let lookups = TokenLookups(database: database, concurrentLookups: 1)
            let asked = (0..<30).map { [lyon.token, nice.token, revoked.token, "cft_unknown", "not a token"][$0 % 5] }
            let answers = try await withThrowingTaskGroup(of: (Int, Applicant?).self) { group in
                for (index, token) in asked.enumerated() {
                    group.addTask { (index, try await lookups.authenticate(token)) }
                }
                return try await group.reduce(into: [Int: Applicant?]()) { $0[$1.0] = $1.1 }
            }
            for index in asked.indices {
                let expected: (Int64, Int64)? =
                    switch index % 5 {
                    case 0: (lyon.id, fixture.lyon)
                    case 1: (nice.id, fixture.nice)
                    default: nil
                    }
                let answer = answers[index] ?? nil
                #expect(answer.map { ($0.tokenId, $0.organisation.id) } ?? (0, 0) == expected ?? (0, 0))
            }
            // What cannot be a token never reaches the database.
            #expect(await lookups.received == 24)
            #expect(await lookups.batches < 24, "lookups in flight together must have shared a query")
            try await repository.revoke(tokenId: lyon.id, of: fixture.lyon)
            #expect(try await lookups.authenticate(lyon.token) == nil)
        }
    }

    /// A batch stuck on the database holds up its lane only for the lane's patience, and is
    /// answered at its deadline, once: a stuck batch must not hold up every request of its lane.
    @Test(.timeLimit(.minutes(1))) func aStuckBatchIsAnsweredAtItsDeadlineAndItsLaneGoesOn() async throws {
        let (never, _) = AsyncStream.makeStream(of: Void.self)
        let batcher = Batcher<Int, Int>(
            lanes: 1, largestBatch: 8, patience: .milliseconds(100), deadline: .seconds(3),
            late: { FundError.databaseUnavailable("late") }
        ) { items in
            // Item 0 waits for what never comes, until its batch is cancelled at the deadline.
            if items.contains(0) { for await _ in never {} }
            return items.map { .success($0 * 10) }
        }
        let stuck = Task { try await batcher.answer(0) }
        while await batcher.batches == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let asked = ContinuousClock.now
        #expect(try await batcher.answer(1) == 10)
        #expect(ContinuousClock.now - asked < .seconds(2), "the lane went on before the stuck batch's deadline")
        await #expect {
            try await stuck.value
        } throws: { error in
            if case .databaseUnavailable("late") = error as? FundError { return true }
            return false
        }
        #expect(await batcher.batches == 2)
    }
}
