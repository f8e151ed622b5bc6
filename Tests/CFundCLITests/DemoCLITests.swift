import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("cfund demo: the whole round")
struct DemoCLITests {
    func euros(_ whole: Int64) -> String { Money(cents: whole * 100).french }

    /// The demo is seeded: the same figures every run. Its reports agree with each other, and
    /// nothing but the summary reaches a pipe.
    @Test func theRoundEndsWithTheSameFiguresAndReportsThatReconcile() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-demo-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = CLIRunner(database: configuration)
        let run = try cli.run(["demo", "--quiet", "--output", folder.path])
        #expect(run.status == 0, "\(run.errorText)")
        #expect(run.errorText.isEmpty)
        let lines = run.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Demo round of \"Financing 2024 for French Tech Capitals\"") == true)
        #expect(
            Array(lines.dropFirst().prefix(6)) == [
                "  Submissions: 22 received over HTTP (1 retry replayed, 1 amended, 1 withdrawn); refused: 1 ineligible, 1 late",
                "  Ranked: 21 eligible, 16 fundable",
                "  Funded: 13 projects, \(euros(448_500)) of \(euros(450_000)); reserve list: 2 (\(euros(70_000)) requested)",
                "  Envelope \"Community Fund 2023-2024\": \(euros(1_500_000)); granted \(euros(448_500)); "
                    + "left \(euros(1_051_500))",
                "  After the decision: 9 agreements signed, \(euros(201_500)) of advances paid, 9 grants in the open-data "
                    + "file; final report accepted: grant 1 comes to \(euros(27_375)) of \(euros(36_500))",
                "  Audit chain: 504 events, intact",
            ])

        // The allocations report's totals line and the HTML page tell the same story.
        let csv = try String(contentsOf: folder.appendingPathComponent("allocations.csv"), encoding: .utf8)
        let totals = csv.split(separator: "\r\n").last.map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(totals?[0] == "total")
        #expect(totals?[8] == "448500.00")
        let html = try String(contentsOf: folder.appendingPathComponent("summary.html"), encoding: .utf8)
        #expect(html.contains("Ligne de financement — l&#39;argent s&#39;arrête ici"))
        #expect(html.contains("<div class=\"label\">Accordé</div><div class=\"value\">\(euros(448_500))</div>"))
        // The table's footer adds up its lines; the figure at the top is the call's granted total.
        #expect(html.contains("<td class=\"num\">\(euros(448_500))</td><td colspan=\"2\"></td></tr></tfoot>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("https://") && !html.contains("http://"))
        for file in [
            "allocations-excel.csv", "allocations.json", "envelope.txt", "reviews.csv", "sheet-hugo.lefebvre.csv",
            "subventions.csv", "subventions.json", "agreement-1.html", "finance.xlsx",
        ] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        // The demo's open-data file is valid in the national format (where frictionless is installed: always in CI).
        if FileManager.default.isExecutableFile(atPath: OpenDataTests.frictionless) {
            let check = try OpenDataTests.validate(folder.appendingPathComponent("subventions.csv").path)
            #expect(check.status == 0, "\(check.text)")
        }
        // One message per submission received (22), amended or withdrawn, one to each of the 8
        // reviewers when assigned, one letter per line of the decision (21), the declined grant, the
        // promotion, the accepted final report and the 12 reminders of final reports due: each a
        // file a mail program opens.
        let mail = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("mail").path)
        #expect(mail.filter { $0.hasSuffix(".eml") }.count == 68)
        let first = try String(contentsOf: folder.appendingPathComponent("mail/001.eml"), encoding: .utf8)
        #expect(first.hasPrefix("Message-ID: <") && first.contains("Content-Type: multipart/alternative"))
        try await TestCluster.shared.drop(configuration)
    }
}
