import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A grantee over the API: its grants with what is paid and due, and its final report.
@Suite("The grants API")
struct GrantsAPITests {
    @Test func aGranteeReadsItsGrantsAndFilesItsFinalReport() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let lyon = try await OrganisationRepository(database).find("French Tech Lyon")
            let (_, token) = try await TokenRepository(database).issue(for: lyon.id)
            let finance = FinanceRepository(database)
            let grant = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.lyonFunded
                })
            let other = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.niceFunded
                })
            _ = try await finance.sign(
                grantId: grant.id, on: try CalendarDay(parsing: "2024-12-10"), signatories: "Léa")
            _ = try await finance.pay(
                grantId: grant.id, amount: Money(cents: 2_000_000), on: try CalendarDay(parsing: "2024-12-12"),
                reference: "VIR-1")
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                let (listed, body) = try await IntakeTests.send(client, .get, "/v1/grants", token: token)
                #expect(listed == .ok)
                let grants = body["grants"] as? [[String: Any]] ?? []
                #expect(grants.map { $0["id"] as? Int } == [Int(grant.id)])
                #expect(grants.first?["paidCents"] as? Int == 2_000_000)
                #expect(grants.first?["agreementSignedOn"] as? String == "2024-12-10")

                let report = """
                    {"actualCostCents": 3000000, "narrative": "Trois événements.",
                     "spending": [{"line": "Salles", "amountCents": 1000000},
                                  {"line": "Communication", "amountCents": 2000000}]}
                    """
                // Another organisation's grant is not found; no token is 401; a mistyped body names its fields.
                let (theirs, _) = try await IntakeTests.send(
                    client, .post, "/v1/grants/\(other.id)/final-report", token: token, body: report)
                #expect(theirs == .notFound)
                let (anonymous, _) = try await client.execute(
                    uri: "/v1/grants/\(grant.id)/final-report", method: .post,
                    headers: [.contentType: "application/json"], body: ByteBuffer(string: report)
                ) { ($0.status, 0) }
                #expect(anonymous == .unauthorized)
                let (mistyped, problem) = try await IntakeTests.send(
                    client, .post, "/v1/grants/\(grant.id)/final-report", token: token,
                    body: #"{"actualCostCents": "30000.00", "narrative": "x", "spending": [{"line": 3}]}"#)
                #expect(mistyped == .unprocessableContent)
                let fields = (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields == ["actualCostCents", "spending[0]"], "\(problem)")

                let (filed, created) = try await IntakeTests.send(
                    client, .post, "/v1/grants/\(grant.id)/final-report", token: token, body: report)
                #expect(filed == .created && created["status"] as? String == "submitted", "\(created)")
                let (again, _) = try await IntakeTests.send(
                    client, .post, "/v1/grants/\(grant.id)/final-report", token: token, body: report)
                #expect(again == .conflict)

                _ = try await FinalReportRepository(database).accept(grantId: grant.id, reason: "Merci.")
                let (read, reports) = try await IntakeTests.send(
                    client, .get, "/v1/grants/\(grant.id)/final-report", token: token)
                #expect(read == .ok)
                let first = (reports["reports"] as? [[String: Any]])?.first
                #expect(first?["status"] as? String == "accepted" && first?["settledCents"] as? Int == 1_500_000)
                let (_, after) = try await IntakeTests.send(client, .get, "/v1/grants", token: token)
                let settled = (after["grants"] as? [[String: Any]])?.first
                #expect(settled?["comesToCents"] as? Int == 1_500_000 && settled?["toRecoverCents"] as? Int == 500_000)
            }
            // The audit trail names the token that filed.
            let actors = try await database.query(
                "SELECT actor FROM audit_events WHERE action = 'final_report.create'"
            ).decode(String.self)
            #expect(actors.count == 1 && actors[0].hasPrefix("organisation-token:"), "\(actors)")
        }
    }
}
