import Foundation
import FundCore
import FundStore
import FundTestSupport
import PostgresNIO
import Testing

@Suite("Audit trail in PostgreSQL")
struct AuditTrailTests {
    static let content = SubmissionContent(
        title: "Tremplin", summary: "", requested: Money(cents: 100), totalCost: Money(cents: 100),
        ambitions: [.greenTech], contactName: "C", contactEmail: "c@example.org")

    static func actions(_ database: Database, target: String? = nil) async throws -> [(String, String)] {
        try await database.query(
            """
            SELECT action, actor FROM audit_events WHERE (\(target)::text IS NULL OR target = \(target)) ORDER BY id
            """
        ).decode((String, String).self)
    }

    @Test func everyChangeIsRecordedWithWhoMadeIt() async throws {
        try await withTestDatabase(actor: "cli:tester") { database in
            let fixture = try await IntakeFixture.make(database)
            let setUp = try await Self.actions(database).map(\.0)
            #expect(setUp.filter { $0 == "organisation.create" }.count == 4)
            #expect(setUp.filter { $0 == "organisation.label" }.count == 4)
            #expect(setUp.filter { $0 == "organisation-token.issue" }.count == 4)
            for action in ["envelope.create", "call.create", "clock.set", "call.open"] {
                #expect(setUp.contains(action), "\(action)")
            }
            #expect(try await Self.actions(database).allSatisfy { $0.1 == "cli:tester" })

            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            let submissions = SubmissionRepository(database)
            let (submission, _) = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: Self.content, idempotencyKey: "k1",
                actor: "organisation-token:1")
            var revised = Self.content
            revised.title = "Tremplin 2"
            _ = try await submissions.amend(
                submission.id, organisationId: fixture.lyon, content: revised, actor: "organisation-token:1")
            _ = try await submissions.withdraw(
                submission.id, organisationId: fixture.lyon, actor: "organisation-token:1")
            let history = try await Self.actions(database, target: "submission:\(submission.id)")
            #expect(history.map(\.0) == ["submission.create", "submission.amend", "submission.withdraw"])
            #expect(history.allSatisfy { $0.1 == "organisation-token:1" })
            // The amendment records only what changed, before and after.
            let amended = try await database.query(
                """
                SELECT before ->> 'title', after ->> 'title', after ? 'summary', call_id FROM audit_events
                WHERE action = 'submission.amend'
                """
            ).decode((String, String, Bool, Int64).self)
            #expect(amended.first?.0 == "Tremplin")
            #expect(amended.first?.1 == "Tremplin 2")
            #expect(amended.first?.2 == false)
            #expect(amended.first?.3 == fixture.callId)

            // Revoking a token is recorded; its hash never is.
            let token = try await database.count(
                "SELECT min(id) FROM organisation_tokens WHERE organisation_id = \(fixture.lyon)")
            try await TokenRepository(database).revoke(tokenId: token, of: fixture.lyon)
            let tokenEvents = try await Self.actions(database, target: "organisation-token:\(token)")
            #expect(tokenEvents.map(\.0) == ["organisation-token.issue", "organisation-token.revoke"])
            #expect(
                try await database.count("SELECT count(*)::bigint FROM audit_events WHERE after ? 'token_sha256'") == 0)

            let result = try await AuditTrail(database).verify()
            #expect(result.intact)
            #expect(result.checked == (try await database.count("SELECT count(*)::bigint FROM audit_events")))
            #expect(result.sealedNow == result.checked)
            let last = try await database.query(
                "SELECT encode(hash, 'hex') FROM audit_events ORDER BY seq DESC LIMIT 1"
            ).first?.decode(String.self)
            #expect(result.headHash == last)
        }
    }

    @Test func plainSQLChangesAreRecordedAndTheTrailRefusesEdits() async throws {
        try await withTestDatabase { database in
            try await database.query(
                "INSERT INTO envelopes (name, amount_cents, valid_from, valid_to) VALUES ('E', 100, '2024-01-01', '2024-12-31')"
            )
            let recorded = try await Self.actions(database)
            #expect(recorded.count == 1)
            #expect(recorded.first?.1.hasPrefix("sql:") == true)
            try await AuditTrail(database).seal()
            for statement: PostgresQuery in [
                "UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events", "TRUNCATE audit_events",
            ] {
                await #expect {
                    try await database.query(statement)
                } throws: { error in
                    "\(error)".contains("append-only")
                }
            }
        }
    }

    /// A decision records the run and its grants, not one event per submission whose status it
    /// sets; an edit of a funded submission by plain SQL is still recorded.
    @Test func aCommitRecordsTheRunAndGrantsAndPlainEditsStillShow() async throws {
        try await withTestDatabase(actor: "cli:tester") { database in
            let call = try await AllocationRepositoryTests.reviewedCall(database, round: 0)
            let before = try await database.count("SELECT count(*)::bigint FROM audit_events")
            let (runId, plan) = try await AllocationRepository(database).commit(
                callId: call, parameters: AllocationRepositoryTests.parameters(), reason: "jury")
            let funded = plan.lines.filter { $0.awarded.cents > 0 }
            let written = try await database.query(
                "SELECT action, count(*)::bigint FROM audit_events WHERE id > \(before) GROUP BY action ORDER BY action"
            ).decode((String, Int64).self)
            // Grants above EUR 23,000 get their agreement with them (0017).
            #expect(written.map(\.0) == ["agreement.create", "allocation.commit", "call.decide", "grant.create"])
            #expect(
                written.first { $0.0 == "agreement.create" }?.1
                    == Int64(funded.filter { $0.awarded.cents > 2_300_000 }.count))
            #expect(written.first { $0.0 == "grant.create" }?.1 == Int64(funded.count))
            let target = try await database.count(
                "SELECT count(*)::bigint FROM audit_events WHERE target = 'allocation:\(runId)'")
            #expect(target == 1)
            // Creations recorded by the statement-level triggers, one event per row.
            #expect(
                try await database.count(
                    "SELECT count(*)::bigint FROM audit_events WHERE action = 'assignment.create' AND call_id = \(call)"
                )
                    == 3)

            // A decline and the promotion it allows, each recorded as what it is.
            let allocations = AllocationRepository(database)
            let declined = try await allocations.decline(
                grantId: try await allocations.grants(callId: call)[0].id, reason: "no co-financing")
            let promoted = try await allocations.promote(callId: call)
            #expect(promoted.count == 1)
            #expect(try await Self.actions(database, target: "grant:\(declined.id)").last?.0 == "grant.decline")
            #expect(try await Self.actions(database, target: "grant:\(promoted[0].id)").map(\.0) == ["grant.promote"])

            let submission = funded[0].submissionId
            try await database.query("UPDATE submissions SET title = 'Edited behind the API' WHERE id = \(submission)")
            let edits = try await Self.actions(database, target: "submission:\(submission)")
            #expect(edits.last?.0 == "submission.update")
            #expect(try await AuditTrail(database).verify().intact)
        }
    }

    /// A decision's status changes skip the submission's audit trigger by a WHEN clause listing
    /// every other column (0022): a column added to `submissions` and missing there would change
    /// unrecorded, so every one of them must be compared.
    @Test func everyColumnOfASubmissionButItsStatusIsWatched() async throws {
        try await withTestDatabase { database in
            let definition =
                try await database.query(
                    """
                    SELECT pg_get_triggerdef(oid) FROM pg_trigger
                    WHERE tgrelid = 'submissions'::regclass AND tgname = 'audit_update'
                    """
                ).decode(String.self).first ?? ""
            let columns = try await database.query(
                """
                SELECT attname::text FROM pg_attribute
                WHERE attrelid = 'submissions'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'status'
                """
            ).decode(String.self)
            #expect(columns.count >= 17)
            for column in columns {
                // PostgreSQL prints the row comparison column by column.
                #expect(
                    definition.contains("(old.\(column) IS DISTINCT FROM new.\(column))"), "\(column) in \(definition)")
            }
        }
    }

    /// Edits made behind the triggers' back (as a superuser can) break the chain where they are.
    @Test func verifyFindsTheFirstTamperedEvent() async throws {
        for tampering in ["edit", "delete", "cut the end"] {
            try await withTestDatabase(actor: "cli:tester") { database in
                _ = try await IntakeFixture.make(database)
                try await AuditTrail(database).seal()
                #expect(try await AuditTrail(database).verify().intact)
                let last = try await database.count("SELECT max(seq) FROM audit_events")
                let statement: PostgresQuery
                switch tampering {
                case "edit":
                    statement = """
                        UPDATE audit_events SET after = jsonb_set(after, '{amount_cents}', '999999999')
                        WHERE action = 'envelope.create'
                        """
                case "delete": statement = "DELETE FROM audit_events WHERE seq = 3"
                default: statement = "DELETE FROM audit_events WHERE seq = \(last)"
                }
                try await database.transaction { connection in
                    try await connection.query("SET LOCAL session_replication_role = replica")
                    try await connection.query(statement)
                }
                let result = try await AuditTrail(database).verify()
                let edited = try await database.count("SELECT seq FROM audit_events WHERE action = 'envelope.create'")
                switch tampering {
                case "edit":
                    #expect(result.firstBreak?.seq == edited)
                    #expect(result.firstBreak?.reason.contains("edited") == true)
                case "delete":
                    #expect(result.firstBreak?.seq == 3)
                    #expect(result.firstBreak?.reason.contains("missing") == true)
                default:
                    #expect(result.firstBreak?.seq == last)
                    #expect(result.firstBreak?.reason.contains("head") == true)
                }
            }
        }
    }

    /// Writers and sealers running at once: every event ends up in one unbroken line, each
    /// position and each previous hash used once.
    @Test func concurrentWritersAndSealersNeverForkTheChain() async throws {
        try await withTestDatabase { database in
            let organisations = OrganisationRepository(database)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        for index in 0..<15 {
                            _ = try await organisations.add(
                                Organisation(
                                    name: "Org \(writer)-\(index)", kind: .communityAbroad, city: "", country: "Japan",
                                    labels: []))
                            if index % 3 == 0 { try await AuditTrail(database).seal() }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await AuditTrail(database).verify()
            #expect(result.intact)
            let events = try await database.count("SELECT count(*)::bigint FROM audit_events")
            #expect(events == 90)
            #expect(result.checked == 90)
            #expect(try await database.count("SELECT count(DISTINCT prev_hash)::bigint FROM audit_events") == 90)
            #expect(try await database.count("SELECT max(seq) - min(seq) + 1 FROM audit_events") == 90)
        }
    }

    @Test func theCheckNamesTheFirstBrokenLinkOnAHandMadeChain() {
        var hashes: [[UInt8]] = []
        var previous = AuditChainCheck.genesis
        for index in 1...4 {
            let hash = AuditChainCheck.hash(previous: previous, content: "event \(index)")
            hashes.append(hash)
            previous = hash
        }
        func check(skipping: Int? = nil, content: (Int) -> String = { "event \($0)" }) -> AuditVerification.Break? {
            var check = AuditChainCheck()
            for index in 1...4 where index != skipping {
                check.add(
                    seq: Int64(index), eventId: Int64(index * 10), content: content(index),
                    prevHash: index == 1 ? AuditChainCheck.genesis : hashes[index - 2], hash: hashes[index - 1])
            }
            check.finish(headSeq: 4, headHash: hashes[3])
            return check.firstBreak
        }
        #expect(check() == nil)
        #expect(check(content: { $0 == 2 ? "event 2, edited" : "event \($0)" })?.seq == 2)
        #expect(check(skipping: 3)?.seq == 3)
        #expect(check(skipping: 4)?.seq == 4)
    }
}
