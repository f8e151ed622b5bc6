import Foundation
import FundStore
import FundTestSupport
import Testing

/// Every CSV cfund writes is safe to open in a spreadsheet: text that a spreadsheet would run as a
/// formula starts with `'`, numbers stay numbers, and a file cfund wrote reads back as it was.
@Suite("cfund CLI: exports that are safe to open")
struct SpreadsheetSafetyTests {
    static let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"Click\")", "+SUM(A1:A9)", "-2+3", "@cmd", "\tTabbed start",
    ]

    @Test func formulaCellsAreNeutralisedInEveryExport() async throws {
        let (cli, configuration) = try await ReviewCLITests.prepare()
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            for (index, title) in Self.hostile.prefix(3).enumerated() {
                try await database.query("UPDATE submissions SET title = \(title) WHERE id = \(Int64(index + 1))")
            }
            try await database.query(
                "UPDATE organisations SET name = \(Self.hostile[3]) WHERE name = 'French Tech Bordeaux'")
        }
        _ = try cli.run(["review", "assign", "1"])
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            try await database.query(
                """
                UPDATE reviews r SET final = true, comments = jsonb_build_object('impact', \(Self.hostile[4])),
                    scores = jsonb_build_object('impact', 4000, 'ambitions', 4000, 'feasibility', 3500, 'inclusion', 3000)
                FROM assignments a WHERE a.id = r.assignment_id
                """)
        }
        #expect(try cli.run(["allocate", "1", "--commit"]).status == 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-safe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [(String, Bool)] = []
        for (name, arguments, excel) in [
            ("allocations.csv", ["report", "allocations", "1"], false),
            ("allocations-excel.csv", ["report", "allocations", "1", "--excel"], true),
            ("reviews.csv", ["report", "reviews", "1"], false),
        ] {
            let path = folder.appendingPathComponent(name).path
            let run = try cli.run(arguments + ["--output", path])
            #expect(run.status == 0, "\(run.errorText)")
            files.append((path, excel))
        }
        for (name, arguments) in [
            ("sheet.csv", ["review", "sheet", "1", "--reviewer", "chloe@example.org"]),
            ("submissions.csv", ["submission", "list", "1", "--format", "csv"]),
            ("organisations.csv", ["org", "list", "--format", "csv"]),
            ("rank.csv", ["rank", "1", "--format", "csv"]),
        ] {
            let path = folder.appendingPathComponent(name).path
            let run = try cli.run(arguments)
            #expect(run.status == 0, "\(run.errorText)")
            try Data(run.text.utf8).write(to: URL(fileURLWithPath: path))
            files.append((path, false))
        }
        var neutralised = 0
        for (path, excel) in files {
            for row in try AllocationCLITests.pythonRows(path, excel: excel) {
                for cell in row {
                    if let first = cell.first, "=+-@\t\r".contains(first) {
                        // Only numbers may start so: -12.50, or -12,50 in the French file.
                        #expect(Double(cell.replacingOccurrences(of: ",", with: ".")) != nil, "\(path): \(cell)")
                    }
                    if cell.hasPrefix("'") { neutralised += 1 }
                }
            }
        }
        #expect(neutralised >= 10)
        // The reviewer's sheet, neutralised on the way out, reads back with its comments intact.
        let sheet = folder.appendingPathComponent("sheet.csv").path
        let imported = try cli.run(["review", "import", "1", sheet])
        #expect(imported.errorText.contains("already final") || imported.status == 0, "\(imported.errorText)")
        try await TestCluster.shared.drop(configuration)
    }
}
