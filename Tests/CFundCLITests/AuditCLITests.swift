import Foundation
import FundStore
import FundTestSupport
import Testing

@Suite("cfund CLI: audit trail")
struct AuditCLITests {
    @Test func logFiltersByCallAndVerifyCatchesTampering() async throws {
        let (cli, configuration) = try await ReviewCLITests.prepare()
        let all = try cli.run(["audit", "log"])
        #expect(all.status == 0, "\(all.errorText)")
        #expect(all.text.contains("reviewer.declare_conflict"))
        #expect(all.text.contains("cli:"))
        // Sealed when the commands that wrote them ended.
        #expect(!all.text.contains("#- "))

        let callOnly = try cli.run(["audit", "log", "--call", "1", "--format", "json"])
        let events = try JSONSerialization.jsonObject(with: Data(callOnly.text.utf8)) as? [[String: Any]] ?? []
        #expect(events.count >= 5)
        #expect(events.allSatisfy { $0["callId"] as? Int == 1 })
        #expect(events.contains { $0["action"] as? String == "submission.create" })
        #expect(try cli.run(["audit", "log", "--since", "2999-01-01"]).text == "(no recorded changes)\n")
        #expect(try cli.run(["audit", "log", "--since", "yesterday"]).status != 0)

        let intact = try cli.run(["audit", "verify"])
        #expect(intact.status == 0, "\(intact.errorText)")
        #expect(intact.text.contains("Audit chain intact"))

        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            try await database.transaction { connection in
                try await connection.query("SET LOCAL session_replication_role = replica")
                try await connection.query(
                    "UPDATE audit_events SET actor = 'nobody' WHERE seq = 5")
            }
        }
        let broken = try cli.run(["audit", "verify"])
        #expect(broken.status == 1)
        #expect(broken.errorText.contains("broken at #5"))
        #expect(broken.errorText.contains("edited after it was sealed"))
        try await TestCluster.shared.drop(configuration)
    }
}
