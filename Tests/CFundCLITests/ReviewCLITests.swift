import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

@Suite("cfund CLI: review and ranking")
struct ReviewCLITests {
    /// Three Capitals submit, the deadline passes, four reviewers (one affiliated with Lyon, one
    /// conflicted with Nice) are assigned the call's three per submission.
    static func prepare() async throws -> (CLIRunner, DatabaseConfiguration) {
        let configuration = try await TestCluster.shared.makeDatabase()
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            let fixture = try await IntakeFixture.make(database)
            let organisations = OrganisationRepository(database)
            let bordeaux = try await organisations.add(
                Organisation(
                    name: "French Tech Bordeaux", kind: .capital, city: "Bordeaux", country: "France",
                    labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2024-06-01"))]))
            let submissions = SubmissionRepository(database)
            for (id, title) in [
                (fixture.lyon, "Tremplin Lyon"), (fixture.nice, "Azur Scale"), (bordeaux, "Bordeaux Green"),
            ] {
                let content = SubmissionContent(
                    title: title, summary: "", requested: Money(cents: 4_000_000), totalCost: Money(cents: 8_000_000),
                    ambitions: [.greenTech], contactName: "C", contactEmail: "c@example.org")
                _ = try await submissions.receive(
                    callId: fixture.callId, organisation: try await organisations.find(String(id)), content: content,
                    idempotencyKey: nil)
            }
            try await SimulatedClock(database).set(fixture.closesAt)
        }
        let cli = CLIRunner(database: configuration)
        for (name, email, affiliation) in [
            ("Alice Martin", "alice@example.org", "French Tech Lyon"), ("Bruno Petit", "bruno@example.org", nil),
            ("Chloé Durand", "chloe@example.org", nil), ("David Roux", "david@example.org", nil),
        ] {
            var arguments = ["reviewer", "add", "--name", name, "--email", email]
            if let affiliation { arguments += ["--affiliation", affiliation] }
            let added = try cli.run(arguments)
            #expect(added.status == 0, "\(added.errorText)")
        }
        let conflict = try cli.run([
            "reviewer", "conflict", "bruno@example.org", "French Tech Côte d'Azur", "--reason", "mentor",
        ])
        #expect(conflict.status == 0, "\(conflict.errorText)")
        return (cli, configuration)
    }

    @Test func assignmentScoringByCSVAndRanking() async throws {
        let (cli, configuration) = try await Self.prepare()
        let assign = try cli.run(["review", "assign", "1"])
        #expect(assign.status == 0, "\(assign.errorText)")
        #expect(assign.text.contains("Assigned 9 new review(s)"))
        #expect(assign.text.contains("reviewer loads 2 to 3"))
        #expect(try cli.run(["review", "assign", "1"]).text.contains("Assigned 0 new review(s)"))

        let pairs = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            try await database.query(
                """
                SELECT v.email, o.name FROM assignments a JOIN reviewers v ON v.id = a.reviewer_id
                JOIN submissions s ON s.id = a.submission_id JOIN organisations o ON o.id = s.organisation_id
                """
            ).map { try $0.decode((String, String).self) }
        }
        #expect(!pairs.contains { $0 == ("alice@example.org", "French Tech Lyon") })
        #expect(!pairs.contains { $0 == ("bruno@example.org", "French Tech Côte d'Azur") })

        // Every reviewer fills in their sheet; Alice's has an off-step score first.
        for email in ["alice@example.org", "bruno@example.org", "chloe@example.org", "david@example.org"] {
            let sheet = try cli.run(["review", "sheet", "1", "--reviewer", email])
            #expect(sheet.status == 0, "\(sheet.errorText)")
            var lines = sheet.text.split(separator: "\r\n").map(String.init)
            #expect(
                lines[0] == "assignment,submission,organisation,title,reviewer,impact,ambitions,feasibility,inclusion,"
                    + "comment_impact,comment_ambitions,comment_feasibility,comment_inclusion,final")
            for index in lines.indices.dropFirst() {
                var fields = lines[index].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                let score = email.hasPrefix("alice") ? "4.5" : "4"
                fields[5] = score
                fields[6] = "4"
                fields[7] = "3.5"
                fields[8] = "3"
                fields[13] = "yes"
                lines[index] = fields.joined(separator: ",")
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            if email.hasPrefix("bruno") {
                // Bruno's rows claimed by Chloé: not her assignments.
                let stolen = lines.map { $0.replacingOccurrences(of: "bruno@example.org", with: "chloe@example.org") }
                try stolen.joined(separator: "\r\n").write(to: file, atomically: true, encoding: .utf8)
                let refused = try cli.run(["review", "import", "1", file.path])
                #expect(refused.status == 1)
                #expect(refused.errorText.contains("is not assigned to chloe@example.org in this call"))
            }
            if email.hasPrefix("alice") {
                var bad = lines
                bad[1] = bad[1].replacingOccurrences(of: ",4.5,", with: ",4.25,")
                try bad.joined(separator: "\r\n").write(to: file, atomically: true, encoding: .utf8)
                let refused = try cli.run(["review", "import", "1", file.path])
                #expect(refused.status == 1)
                #expect(refused.errorText.contains("line 2: column impact: 4.25 is off-step; scores go by 0.5"))
            }
            try lines.joined(separator: "\r\n").write(to: file, atomically: true, encoding: .utf8)
            let imported = try cli.run(["review", "import", "1", file.path])
            #expect(imported.errorText.isEmpty, "no progress line on a pipe")
            #expect(imported.status == 0, "\(imported.errorText)")
            if email.hasPrefix("alice") {
                let again = try cli.run(["review", "import", "1", file.path])
                #expect(again.errorText.contains("is already final; reopen it first"))
            }
        }

        let status = try cli.run(["review", "status", "1", "--format", "json"])
        #expect(status.text.contains("\"final\":3"))
        #expect(!status.text.contains("\"missing\":1"))

        let rank = try cli.run(["rank", "1"])
        #expect(rank.status == 0, "\(rank.errorText)")
        let ranked = try cli.run(["rank", "1", "--format", "json", "--normalise"])
        let document = try JSONSerialization.jsonObject(with: Data(ranked.text.utf8)) as! [String: Any]
        let ranking = document["ranking"] as! [[String: Any]]
        #expect(ranking.count == 3)
        #expect(ranking.allSatisfy { $0["fundable"] as? Bool == true })
        // Alice scored 4.5 on impact; Lyon is the one she could not review.
        #expect(ranking.last?["organisation"] as? String == "French Tech Lyon")
        #expect(document["reviewers"] != nil)
        try await TestCluster.shared.drop(configuration)
    }

    @Test func anImpossibleAssignmentNamesTheSubmissionAndWritesNothing() async throws {
        let (cli, configuration) = try await Self.prepare()
        let refused = try cli.run(["review", "assign", "1", "--per-submission", "4"])
        #expect(refused.status == 1)
        #expect(refused.errorText.contains("Nothing was assigned"))
        #expect(refused.errorText.contains("needs 4 more reviewer(s) but only 3 are free of conflicts"))
        let count = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            try await database.count("SELECT count(*)::bigint FROM assignments")
        }
        #expect(count == 0)
        try await TestCluster.shared.drop(configuration)
    }
}
