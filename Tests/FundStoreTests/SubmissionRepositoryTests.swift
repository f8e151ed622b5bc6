import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("Submissions in PostgreSQL")
struct SubmissionRepositoryTests {
    static let content = SubmissionContent(
        title: "Tremplin", summary: "", requested: Money(cents: 100), totalCost: Money(cents: 100),
        ambitions: [.greenTech], contactName: "C", contactEmail: "c@example.org")

    /// One submission allowed per organisation: racing submissions from one organisation, many
    /// times over, leave exactly one live submission each time.
    @Test func concurrentSubmissionsNeverPassTheCap() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let submissions = SubmissionRepository(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            for round in 0..<15 {
                let outcomes = await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<3 {
                        group.addTask {
                            (try? await submissions.receive(
                                callId: fixture.callId, organisation: lyon, content: Self.content,
                                idempotencyKey: nil)) != nil
                        }
                    }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round)")
                let live = try await database.count(
                    "SELECT count(*)::bigint FROM submissions WHERE status = 'submitted'")
                #expect(live == 1)
                let id = try await database.count("SELECT max(id) FROM submissions WHERE status = 'submitted'")
                _ = try await submissions.withdraw(id, organisationId: fixture.lyon)
            }
        }
    }

    @Test func theDatabaseRefusesALateInsertWithoutTheApplication() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            try await SimulatedClock(database).set(fixture.closesAt)
            await #expect {
                try await database.count(
                    """
                    SELECT submission_id FROM receive_submission(\(fixture.callId), \(fixture.lyon), NULL, 'x', 'Late one',
                        '', 1, 1, ARRAY['green_tech'], 'C', 'c@example.org')
                    """)
            } throws: { error in
                guard
                    case .callNotOpen(_, .open, _, let closesAt, "Europe/Paris") = Database.domainError(error)
                        as? FundError
                else { return false }
                return closesAt == fixture.closesAt
            }
        }
    }
}
