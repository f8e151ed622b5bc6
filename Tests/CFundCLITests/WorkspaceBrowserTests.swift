import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("The reviewers' workspace and the admin pages in Chromium")
struct WorkspaceBrowserTests {
    @Test(
        .enabled(if: BrowserTools.missing == nil, Comment(rawValue: BrowserTools.missing ?? "")),
        .timeLimit(.minutes(3)))
    func aReviewerScoresAndRecusesAndTheTeamReadsTheCall() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let server = try await ServerProcess(
            database: configuration, environment: ["CFUND_FUNDER_SIRET": "11000201100044"])
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            let fixture = try await WorkspaceFixture.make(database, base: server.url(""))
            // One agreement signed, for the open-data page to publish.
            let finance = FinanceRepository(database)
            if let lyon = try await finance.accounts(callId: fixture.decidedCallId).first(where: {
                $0.submissionId == fixture.lyonFunded
            }) {
                _ = try await finance.sign(
                    grantId: lyon.id, on: try CalendarDay(parsing: "2024-12-10"), signatories: "Léa")
            }
            return fixture
        }
        var environment = ProcessInfo.processInfo.environment
        environment["BASE_URL"] = server.url("")
        environment["BRUNO_LINK"] = fixture.brunoLink
        environment["SCORED"] = String(fixture.brunoOnLyon)
        environment["RECUSED"] = String(fixture.brunoOnNice)
        environment["PROGRAMME_LINK"] = fixture.programmeLink
        environment["FINANCE_LINK"] = fixture.financeLink
        environment["CALL"] = String(fixture.callId)
        environment["DECIDED"] = String(fixture.decidedCallId)
        environment["APPLICANT_LINK"] = fixture.applicantLink
        environment["FUNDED"] = String(fixture.lyonFunded)
        let settings = environment
        let run = try await offThePool {
            try ProcessRunner.run(
                BrowserTools.python, [BrowserTools.scripts.appendingPathComponent("workspace.py").path],
                environment: settings)
        }
        #expect(run.status == 0, "\(run.text)\n--- server ---\n\(server.log.suffix(3_000))")
        #expect(run.text.contains("passed:"))
        _ = await server.terminate(within: .seconds(10))
        try await TestCluster.shared.drop(configuration)
    }
}
