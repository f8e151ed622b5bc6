import Foundation
import FundStore
import FundTestSupport
import Testing

@Suite("cfund CLI: allocation and finance reports")
struct AllocationCLITests {
    /// Reads a CSV back with Python's csv module, as a spreadsheet would, and returns its rows.
    static func pythonRows(_ path: String, excel: Bool) throws -> [[String]] {
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8-sig' if sys.argv[2] == 'excel' else 'utf-8') as f:
                print(json.dumps(list(csv.reader(f, delimiter=';' if sys.argv[2] == 'excel' else ','))))
            """
        let output = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, path, excel ? "excel" : "plain"])
        return try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [[String]] ?? []
    }

    @Test func aCommittedDecisionReconcilesInEveryReport() async throws {
        let (cli, configuration) = try await ReviewCLITests.prepare()
        _ = try cli.run(["review", "assign", "1"])
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            _ = try await database.count(
                """
                UPDATE reviews r SET final = true, scores = jsonb_build_object('impact', 4000 + 500 * (a.submission_id % 2),
                    'ambitions', 4000, 'feasibility', 3500, 'inclusion', 3000)
                FROM assignments a WHERE a.id = r.assignment_id RETURNING 1
                """)
        }
        // 600,000 EUR budget; three requests of 40,000: all funded.
        let dryRun = try cli.run(["allocate", "1", "--policy", "strict"])
        #expect(dryRun.status == 0, "\(dryRun.errorText)")
        #expect(dryRun.text.contains("Dry run: nothing stored"))
        #expect(try cli.run(["allocate", "1", "--policy", "strict"]).text == dryRun.text)
        let committed = try cli.run(["allocate", "1", "--commit", "--reason", "jury of 2024-12-20"])
        #expect(committed.status == 0, "\(committed.errorText)")
        #expect(committed.text.contains("Committed as decision 1"))
        let again = try cli.run(["allocate", "1", "--commit"])
        #expect(again.status == 1)
        #expect(again.errorText.contains("is decided and cannot become decided"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("allocations.csv").path
        let excel = folder.appendingPathComponent("allocations-excel.csv").path
        // Beside a file on a pipe: no progress line, nothing on either stream.
        let exported = try cli.run(["report", "allocations", "1", "--output", plain])
        #expect(exported.status == 0)
        #expect(exported.text.isEmpty && exported.errorText.isEmpty)
        #expect(try cli.run(["report", "allocations", "1", "--output", excel, "--excel"]).status == 0)

        let rows = try Self.pythonRows(plain, excel: false)
        #expect(rows.first?.prefix(4) == ["rank", "submission", "organisation", "kind"])
        #expect(rows.count == 5)
        #expect(rows.last?[0] == "total")
        #expect(rows.last?[8] == "120000.00")
        let awarded = rows.dropFirst().dropLast().compactMap { Decimal(string: $0[8]) }.reduce(0, +)
        #expect(awarded == Decimal(string: "120000.00"))

        let excelRows = try Self.pythonRows(excel, excel: true)
        #expect(excelRows.count == 5)
        #expect(excelRows.last?[8] == "120000,00")
        #expect(FileManager.default.contents(atPath: excel)?.prefix(3) == Data([0xEF, 0xBB, 0xBF]))

        let json = try cli.run(["report", "allocations", "1", "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as! [String: Any]
        #expect((document["totals"] as? [String: Any])?["awardedCents"] as? Int == 12_000_000)

        let envelope = try cli.run(["report", "envelope", "1", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(envelope.text.utf8)) as! [String: Any]
        let granted = report["grantedCents"] as! Int
        let unspent = report["unspentCents"] as! Int
        #expect(granted == 12_000_000)
        #expect(granted + unspent == report["totalCents"] as! Int)

        let reviews = folder.appendingPathComponent("reviews.csv").path
        #expect(try cli.run(["report", "reviews", "1", "--output", reviews]).status == 0)
        let reviewRows = try Self.pythonRows(reviews, excel: false)
        #expect(reviewRows.count == 10)
        #expect(reviewRows.first?.contains("comment_impact") == true)
        #expect(reviewRows.dropFirst().allSatisfy { $0[5] == "yes" && $0[7] == "4.0" })

        // A decline returns the money; nothing is on the reserve list, so nothing is promoted.
        let grants = try cli.run(["grant", "list", "1", "--format", "json"]).text
        #expect(grants.contains("\"amountCents\":4000000"))
        #expect(try cli.run(["grant", "decline", "1", "--reason", "project cancelled"]).status == 0)
        #expect(try cli.run(["allocate", "1", "--promote"]).text.contains("Nothing promoted"))
        let after =
            try JSONSerialization.jsonObject(
                with: Data(try cli.run(["report", "envelope", "1", "--format", "json"]).text.utf8)) as! [String: Any]
        #expect(after["grantedCents"] as? Int == 8_000_000)
        try await TestCluster.shared.drop(configuration)
    }
}
