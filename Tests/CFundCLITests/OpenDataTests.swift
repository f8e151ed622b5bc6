import Foundation
import FundCore
import FundReports
import FundStore
import FundTestSupport
import Testing

/// The national open-data file of grants (SCDL Subventions): only grants under a signed
/// agreement, the 16 columns in order, and valid against the Table Schema written from the
/// specification, checked by frictionless as CI runs it.
@Suite("cfund report opendata")
struct OpenDataTests {
    static let frictionless =
        ProcessInfo.processInfo.environment["CFUND_FRICTIONLESS"] ?? "/tmp/cfund-ci-venv/bin/frictionless"
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/opendata/scdl-subventions.schema.json").path

    static func validate(_ file: String) throws -> ProcessRunner.Output {
        try ProcessRunner.run(frictionless, ["validate", "--trusted", "--schema", schema, file])
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: frictionless),
            "frictionless is not installed at \(frictionless) (.ci/run installs it; set CFUND_FRICTIONLESS)"))
    func theFileHasTheSignedGrantsInTheNationalFormat() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let organisations = OrganisationRepository(database)
            _ = try await organisations.identify(
                try await organisations.find("French Tech Lyon").id, siret: "130 025 265 00013", rna: nil)
            _ = try await organisations.identify(
                try await organisations.find("French Tech Côte d'Azur").id, siret: nil, rna: "W061234567")
            let finance = FinanceRepository(database)
            let lyon = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.lyonFunded
                })
            _ = try await finance.sign(
                grantId: lyon.id, on: try CalendarDay(parsing: "2024-12-10"), signatories: "Léa Roux")
            _ = try await finance.pay(
                grantId: lyon.id, amount: Money(cents: 2_000_000), on: try CalendarDay(parsing: "2024-12-12"),
                reference: "VIR-1")
            return fixture
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-opendata-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = CLIRunner(database: configuration)
        let file = folder.appendingPathComponent("subventions.csv").path

        // The fund's SIRET is required: the file names it.
        let unnamed = try cli.run(["report", "opendata", "--output", file])
        #expect(unnamed.status != 0 && unnamed.errorText.contains("CFUND_FUNDER_SIRET"), "\(unnamed.errorText)")

        let funder = ["CFUND_FUNDER_NAME": "Mission French Tech", "CFUND_FUNDER_SIRET": "110 002 011 00044"]
        let run = try cli.run(
            ["report", "opendata", "--call", String(fixture.decidedCallId), "--output", file], environment: funder)
        #expect(run.status == 0, "\(run.errorText)")
        #expect(run.text.contains("Wrote 1 grant(s) under a signed agreement"))
        let lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines[0] == OpenData.columns.joined(separator: ","))
        #expect(
            lines[1]
                == "Mission French Tech,11000201100044,2024-12-10,CFUND-\(fixture.decidedCallId)-00001,French Tech Lyon,"
                + "13002526500013,,Lyon Founders Week,40000.00,aide en numéraire,échelonné,2024-12-12,,non,1,Tremplin 2024"
        )
        #expect(lines.count == 3 && lines[2].isEmpty)
        let json = try String(contentsOf: folder.appendingPathComponent("subventions.json"), encoding: .utf8)
        #expect(json.contains("\"montant\":40000.00") && json.contains("\"notificationUE\":false"))
        let valid = try Self.validate(file)
        #expect(valid.status == 0, "\(valid.text)")

        // Once Côte d'Azur's agreement is signed, it is published by its RNA number.
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            let finance = FinanceRepository(database)
            let nice = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.niceFunded
                })
            _ = try await finance.sign(
                grantId: nice.id, on: try CalendarDay(parsing: "2024-12-11"), signatories: "Kim Sato")
        }
        let both = try cli.run(["report", "opendata", "--output", file], environment: funder)
        #expect(both.status == 0 && both.text.contains("Wrote 2 grant(s)"), "\(both.errorText)")
        let rows = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(rows[2].contains("French Tech Côte d'Azur,,W061234567,"))
        #expect(try Self.validate(file).status == 0)

        // The check can fail: a beneficiary's SIRET of 3 digits is refused.
        let broken = folder.appendingPathComponent("broken.csv").path
        try rows.joined(separator: "\r\n").replacingOccurrences(of: "13002526500013", with: "130")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let invalid = try Self.validate(broken)
        #expect(invalid.status != 0 && invalid.text.contains("constraint"), "\(invalid.text)")
        try await TestCluster.shared.drop(configuration)
    }
}
