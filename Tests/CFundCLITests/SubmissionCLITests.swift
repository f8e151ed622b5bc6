import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("cfund CLI: tokens and submissions")
struct SubmissionCLITests {
    @Test func tokensAreIssuedOnceListedByHintAndRevoked() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            try await IntakeFixture.make(database)
        }
        let cli = CLIRunner(database: configuration)
        let issued = try cli.run("org", "token", "French Tech Lyon")
        #expect(issued.status == 0, "\(issued.errorText)")
        let lines = issued.text.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Token 5 for French Tech Lyon (shown once") == true)
        let token = String(lines.last ?? "")
        #expect(token.hasPrefix("cft_") && token.count == 47)
        let listed = try cli.run("org", "token", "French Tech Lyon", "--list").text
        #expect(listed.contains("cft_") && !listed.contains(token))
        let applicant = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            try await TokenRepository(database).authenticate(token)
        }
        #expect(applicant?.organisation.id == fixture.lyon)
        #expect(try cli.run("org", "token", "French Tech Lyon", "--revoke", "5").text.contains("Revoked token 5"))
        let revoked = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            try await TokenRepository(database).authenticate(token)
        }
        #expect(revoked == nil)
        let foreign = try cli.run("org", "token", "French Tech Lyon", "--revoke", "2")
        #expect(foreign.status == 1)
        #expect(foreign.errorText.contains("No token \"2\" exists"))
        try await TestCluster.shared.drop(configuration)
    }

    @Test func submissionsAreListedAndShownWithTheirHistory() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let id = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            let fixture = try await IntakeFixture.make(database)
            let content = SubmissionContent(
                title: "Tremplin Lyon", summary: "Founders from every neighbourhood.",
                requested: Money(cents: 4_500_000),
                totalCost: Money(cents: 9_000_000), ambitions: [.talentsAndTerritories], contactName: "Camille",
                contactEmail: "camille@example.org")
            let submissions = SubmissionRepository(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            let (submission, _) = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: content, idempotencyKey: nil)
            var revised = content
            revised.title = "Tremplin Lyon, revised"
            _ = try await submissions.amend(submission.id, organisationId: fixture.lyon, content: revised)
            return submission.id
        }
        let cli = CLIRunner(database: configuration)
        let table = try cli.run("submission", "list", "Financing 2024 for French Tech Capitals")
        #expect(table.status == 0, "\(table.errorText)")
        #expect(table.text.contains(" 1  French Tech Lyon  Tremplin Lyon, revised   45000.00        2"))
        #expect(table.text.contains("2024-12-01 12:00:00.000 +01:00  submitted"))
        let json = try cli.run("submission", "list", "1", "--format", "json").text
        #expect(json.contains("\"requestedCents\":4500000"))
        let show = try cli.run("submission", "show", String(id)).text
        #expect(show.contains("Submission \(id): Tremplin Lyon, revised [submitted]"))
        #expect(show.contains("  1  2024-12-01 12:00:00.000 +01:00  45000.00 EUR  Tremplin Lyon\n"))
        #expect(show.contains("  2  2024-12-01 12:00:00.000 +01:00  45000.00 EUR  Tremplin Lyon, revised"))
        #expect(show.contains("Receipt:      "))
        try await TestCluster.shared.drop(configuration)
    }
}
