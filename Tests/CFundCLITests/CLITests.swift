import Foundation
import FundStore
import FundTestSupport
import Testing

/// The `cfund` binary end to end, against a fresh database per test.
@Suite("cfund CLI")
struct CLITests {
    static func withCLI(_ body: @Sendable (CLIRunner) async throws -> Void) async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        try await body(CLIRunner(database: configuration))
        try await TestCluster.shared.drop(configuration)
    }

    @Test func envelopesAndCallsFromTheCommandLine() async throws {
        try await Self.withCLI { cli in
            let created = try cli.run(
                "envelope", "create", "--name", "Community Fund 2023-2024", "--amount", "1500000.00", "--from",
                "2023-01-01", "--to", "2024-12-31")
            #expect(created.status == 0, "\(created.errorText)")
            #expect(
                created.text.contains(
                    "Created envelope 1: Community Fund 2023-2024, 1\u{00A0}500\u{00A0}000,00\u{00A0}€"))

            let call = try cli.run(
                "call", "create", "--envelope", "Community Fund 2023-2024", "--title",
                "Financing 2024 for French Tech Capitals", "--budget", "600000.00", "--opens", "2024-11-13 00:00",
                "--closes", "2024-12-15 23:59", "--time-zone", "Europe/Paris", "--kinds", "capital",
                "--label-awarded-between", "2024-01-01..2024-12-31", "--max-request", "50000.00")
            #expect(call.status == 0, "\(call.errorText)")
            #expect(call.text.contains("until 2024-12-15 23:59:59.999 +01:00 (Europe/Paris)"))

            let json = try cli.run("envelope", "list", "--format", "json")
            let envelopes = try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as! [[String: Any]]
            #expect(envelopes.first?["totalCents"] as? Int == 150_000_000)
            #expect(envelopes.first?["reservedCents"] as? Int == 60_000_000)
            #expect(envelopes.first?["leftCents"] as? Int == 90_000_000)

            let csv = try cli.run("call", "list", "--format", "csv")
            #expect(csv.text.hasPrefix("id,title,status,budget,opens,closes,kinds\r\n"))
            #expect(
                csv.text.contains("1,Financing 2024 for French Tech Capitals,draft,600000.00,2024-11-13 00:00 +01:00"))

            let table = try cli.run("envelope", "show", "1")
            #expect(table.text.contains("Left:      900\u{00A0}000,00\u{00A0}€"))
            #expect(table.text.contains("Financing 2024 for French Tech Capitals"))
        }
    }

    @Test func overspendingAnEnvelopeIsOneClearSentence() async throws {
        try await Self.withCLI { cli in
            _ = try cli.run(
                "envelope", "create", "--name", "Small", "--amount", "1000", "--from", "2024-01-01", "--to",
                "2024-12-31")
            let refused = try cli.run(
                "call", "create", "--envelope", "small", "--title", "Too big", "--budget", "1000.01", "--opens",
                "2024-11-13 00:00", "--closes", "2024-12-15 23:59")
            #expect(refused.status == 1)
            #expect(refused.text.isEmpty)
            #expect(
                refused.errorText
                    == "cfund: Envelope \"Small\" has 1000.00 EUR left, less than the 1000.01 EUR asked; "
                    + "lower the budget or free money from another call.\n")
            #expect(try cli.run("call", "list", "--format", "json").text == "[]\n")
        }
    }

    @Test func badOptionsNameTheOptionAndWhatToType() async throws {
        try await Self.withCLI { cli in
            let amount = try cli.run(
                "envelope", "create", "--name", "E", "--amount", "12.345", "--from", "2024-01-01", "--to", "2024-12-31")
            #expect(amount.status != 0)
            #expect(
                amount.errorText.contains("--amount: \"12.345\" is not a valid amount: amounts are exact to the cent"))
            let zone = try cli.run(
                "call", "create", "--envelope", "E", "--title", "Zone", "--budget", "1", "--opens", "2024-11-13 00:00",
                "--closes", "2024-12-15 23:59", "--time-zone", "Paris")
            #expect(
                zone.errorText.contains("\"Paris\" is not a known time zone; use an IANA name such as Europe/Paris"))
            let missing = try cli.run("envelope", "show", "Nope")
            #expect(missing.status == 1)
            #expect(missing.errorText == "cfund: No envelope \"Nope\" exists; list them with `cfund envelope list`.\n")
        }
    }

    @Test func lifecycleRefusalsSayTheCurrentState() async throws {
        try await Self.withCLI { cli in
            _ = try cli.run(
                "envelope", "create", "--name", "E", "--amount", "1000", "--from", "2024-01-01", "--to", "2030-12-31")
            let opens = "2020-01-01 00:00"
            _ = try cli.run(
                "call", "create", "--envelope", "E", "--title", "Live", "--budget", "10", "--opens", opens, "--closes",
                "2099-12-31 23:59")
            let close = try cli.run("call", "close", "Live")
            #expect(close.errorText.contains("Call \"Live\" is draft and cannot become closed; allowed next: open."))
            #expect(try cli.run("call", "open", "Live").status == 0)
            let early = try cli.run("call", "close", "Live")
            #expect(early.errorText.contains("pass --early to close it now"))
            #expect(try cli.run("call", "close", "Live", "--early").status == 0)
            let reopen = try cli.run("call", "open", "live")
            #expect(reopen.errorText.contains("is closed and cannot become open; allowed next: reviewing."))
        }
    }

    @Test func importIsAllOrNothingAndIdempotent() async throws {
        try await Self.withCLI { cli in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfund-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let good = folder.appendingPathComponent("good.csv")
            let bad = folder.appendingPathComponent("bad.csv")
            try """
            name,kind,city,country,label_awarded,label_expires
            French Tech Lyon,capital,Lyon,France,2024-03-01,
            French Tech Tokyo,community_abroad,Tokyo,Japan,2023-05-10,

            """.write(to: good, atomically: true, encoding: .utf8)
            try """
            name,kind,city,country,label_awarded,label_expires
            French Tech Nice,capital,Nice,France,2024-03-01,
            French Tech Mars,planet,Olympus,Mars,2024-03-01,
            French Tech Brest,capital,Brest,France,someday,

            """.write(to: bad, atomically: true, encoding: .utf8)

            let refused = try cli.run("org", "import", bad.path)
            #expect(refused.status == 1)
            #expect(refused.errorText.contains("Nothing was imported: 2 bad rows"))
            #expect(refused.errorText.contains("line 3: \"planet\" is not a kind"))
            #expect(refused.errorText.contains("line 4: \"someday\": write it as YYYY-MM-DD"))
            #expect(try cli.run("org", "list", "--format", "json").text == "[]\n")

            #expect(
                try cli.run("org", "import", good.path).text.contains("2 organisations created, 2 label periods added"))
            #expect(
                try cli.run("org", "import", good.path).text.contains(
                    "0 organisations created, 0 label periods added, 2 already known"))
            let list = try cli.run("org", "list", "--kind", "capital")
            #expect(list.text.contains("French Tech Lyon  capital  Lyon  France   2024-03-01..2027-03-01"))
            #expect(!list.text.contains("Tokyo"))
        }
    }

    @Test func orgAddRefusesATakenName() async throws {
        try await Self.withCLI { cli in
            let add = [
                "org", "add", "--name", "French Tech Rennes", "--kind", "capital", "--city", "Rennes",
                "--label-awarded", "2024-02-01",
            ]
            #expect(
                try cli.run(add[0], add[1], add[2], add[3], add[4], add[5], add[6], add[7], add[8], add[9]).status == 0)
            let again = try cli.run(add[0], add[1], add[2], add[3], add[4], add[5], add[6], add[7], add[8], add[9])
            #expect(again.errorText.contains("An organisation named \"French Tech Rennes\" already exists"))
        }
    }

    @Test func anExternalDatabaseMustBeMigratedFirst() async throws {
        let empty = try await TestCluster.shared.makeEmptyDatabase()
        let cli = CLIRunner(database: empty)
        let refused = try cli.run("envelope", "list")
        #expect(refused.status == 1)
        #expect(refused.errorText.contains("run `cfund migrate` first"))
        #expect(try cli.run("migrate").text.contains("Applied 0001_organisations_envelopes_calls.sql"))
        #expect(try cli.run("migrate", "--status").text.contains("0001_organisations_envelopes_calls.sql  applied"))
        #expect(try cli.run("envelope", "list").status == 0)
        try await TestCluster.shared.drop(empty)
    }

    @Test func helpReadsWell() throws {
        let help = try ProcessRunner.run(CLIRunner.executable, ["--help"], separateErrors: true)
        for command in ["db", "migrate", "org", "envelope", "call", "demo"] {
            #expect(help.text.contains("  \(command) "), "\(command) missing from --help")
        }
        let create = try ProcessRunner.run(CLIRunner.executable, ["call", "create", "--help"], separateErrors: true)
        #expect(create.text.contains("accepts a submission received at 23:59:59.999"))
    }
}
