import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

/// The finance workbook read back by openpyxl, as a spreadsheet program would: amounts are numbers
/// in euros to the cent, days are dates, the header stays in view.
@Suite("cfund report xlsx")
struct FinanceWorkbookTests {
    static let python = BrowserTools.python
    static let missing: String? = {
        let probe = try? ProcessRunner.run(python, ["-c", "import openpyxl"])
        return probe?.status == 0 ? nil : "no Python with openpyxl at \(python) (.ci/run installs it)"
    }()

    /// Each sheet's title, frozen cell, and rows as JSON (a date as YYYY-MM-DD), with each cell's
    /// number format in the first data row.
    static let reader = """
        import json, sys, datetime, openpyxl
        book = openpyxl.load_workbook(sys.argv[1])
        out = []
        for sheet in book.worksheets:
            rows = [[c.value.date().isoformat() if isinstance(c.value, datetime.datetime) else c.value for c in row]
                    for row in sheet.iter_rows()]
            formats = [c.number_format for c in sheet[2]] if sheet.max_row > 1 else []
            out.append({"title": sheet.title, "freeze": sheet.freeze_panes, "rows": rows, "formats": formats})
        print(json.dumps(out))
        """

    @Test(.enabled(if: missing == nil, Comment(rawValue: missing ?? "")))
    func everyAmountIsANumberInEurosAndEveryDayADate() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let (grants, envelopeId) = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let grants = try await finance.accounts(callId: fixture.decidedCallId)
            for (index, grant) in grants.enumerated() {
                _ = try await finance.sign(
                    grantId: grant.id, on: try CalendarDay(parsing: "2024-12-1\(index)"), signatories: "X")
                _ = try await finance.pay(
                    grantId: grant.id, amount: Money(cents: 2_000_000 + Int64(index)),
                    on: try CalendarDay(parsing: "2024-12-1\(index + 2)"), reference: "VIR-\(index)")
            }
            return (grants, try await EnvelopeRepository(database).find("Community Fund 2023-2024").envelope.id)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-finance-\(getpid()).xlsx")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try CLIRunner(database: configuration).run([
            "report", "xlsx", String(envelopeId), "--output", file.path,
        ])
        #expect(run.status == 0, "\(run.errorText)")
        let read = try ProcessRunner.run(Self.python, ["-c", Self.reader, file.path])
        #expect(read.status == 0, "\(read.text)")
        let sheets = try #require(try JSONSerialization.jsonObject(with: Data(read.text.utf8)) as? [[String: Any]])
        #expect(sheets.map { $0["title"] as? String } == ["Attributions", "Versements", "Enveloppe"])
        #expect(sheets.allSatisfy { $0["freeze"] as? String == "A2" })

        let allocations = sheets[0]["rows"] as? [[Any]] ?? []
        #expect((allocations.first?[0] as? String) == "Appel")
        #expect(allocations.dropFirst().map { $0[7] as? Double } == [40_000.0, 40_000.0])
        #expect((sheets[0]["formats"] as? [String])?[7] == #"#,##0.00\ "€""#)

        let payments = sheets[1]["rows"] as? [[Any]] ?? []
        #expect(payments.dropFirst().map { $0[1] as? String } == ["2024-12-12", "2024-12-13"])
        #expect(payments.dropFirst().map { $0[7] as? Double } == [20_000.0, 20_000.01])
        #expect((sheets[1]["formats"] as? [String])?[1] == "yyyy-mm-dd")

        // The ledger's total line: granted 80,000 = paid 40,000.01 + to pay 39,999.99.
        let ledger = sheets[2]["rows"] as? [[Any]] ?? []
        let total = try #require(ledger.last)
        #expect((total[0] as? String)?.hasPrefix("Total") == true)
        #expect(total[3] as? Double == 80_000.0 && total[5] as? Double == 40_000.01 && total[8] as? Double == 39_999.99)
        #expect(grants.count == 2)
        try await TestCluster.shared.drop(configuration)
    }
}
