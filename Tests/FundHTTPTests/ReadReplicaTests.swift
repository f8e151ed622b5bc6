import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

/// `CFUND_READ_DATABASE_URL` against a real streaming replica: a second PostgreSQL made by
/// `pg_basebackup -R` from a private cluster, whose replay the test pauses to make it lag.
@Suite("A streaming replica serves the reads")
struct ReadReplicaTests {
    typealias Client = PortalTests.Client

    @Test func readsGoToTheReplicaWritesNeverAndADecisionShowsWhole() async throws {
        let cluster = try await PrivateCluster.make()
        let home = URL(fileURLWithPath: "/tmp/cfund-rs-\(getpid())-\(UUID().uuidString.prefix(8))")
        let standby = try await offThePool { try cluster.cluster.makeStandby(home: home) }
        defer { standby.destroy() }
        try await Database.with(cluster.database, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            primary in
            let fixture = try await WorkspaceFixture.make(primary, base: "")
            try await Database.with(standby.connection, logger: TestCluster.logger) { replica in
                let replayed = Replay(primary: primary, replica: replica)
                try await replayed.catchUp()
                let database = Database(
                    client: primary.client, configuration: primary.configuration, logger: primary.logger,
                    replica: Database.Replica(client: replica.client, configuration: replica.configuration))
                let app = Application(router: patientRouter(database))
                try await app.test(.router) { client in
                    let applicant = try await Self.check(
                        fixture, primary: primary, replica: replica, replay: replayed, client)
                    // The replica down: the pages that read it are served by the primary instead.
                    try await offThePool { try standby.stop(.fast) }
                    let page = try await WorkspaceTests.get(client, "/organisation", applicant)
                    #expect(page.status == .ok)
                    #expect(page.body.contains("13002526500013") || page.body.contains("130 025 265 00013"))
                }
            }
        }
    }

    /// Returns the applicant's session cookie.
    static func check(
        _ fixture: WorkspaceFixture, primary: Database, replica: Database, replay: Replay, _ client: Client
    ) async throws -> String {
        // The replica refuses writes: anything routed there by mistake would fail below.
        await #expect(throws: (any Error).self) {
            try await replica.query("INSERT INTO simulated_clock (at) VALUES (now())", mapErrors: false)
        }
        let (programme, _) = try await WorkspaceTests.signIn(client, fixture.programmeLink)
        let (applicant, csrf) = try await WorkspaceTests.signIn(client, fixture.applicantLink)
        let callPage = "/admin/calls/\(fixture.callId)"
        #expect(try await WorkspaceTests.get(client, callPage, programme).body.contains("summary.html") == false)

        // The replica stops replaying; the primary decides the call in review.
        try await replay.pause()
        let call = try await CallRepository(primary).find(id: fixture.callId)
        let reviews = ReviewRepository(primary)
        for (assignment, reviewer) in try await primary.query(
            "SELECT id, reviewer_id FROM assignments WHERE call_id = \(call.id) ORDER BY id"
        ).decode((Int64, Int64).self) {
            try await reviews.save(
                assignmentId: assignment, reviewerId: reviewer,
                scores: ["impact": 4.0, "ambitions": 3.5, "feasibility": 4.0, "inclusion": 4.5], comments: [:],
                final: true, grid: call.grid, actor: "test")
        }
        _ = try await AllocationRepository(primary).commit(
            callId: call.id, parameters: AllocationParameters(budget: call.budget, policy: .skip), reason: "Jury")
        #expect(try await Self.decision(call.id, on: primary) == ["decided", "2"])

        // Lagging: the replica shows the call as it was, all of it, and so does the page.
        #expect(try await Self.decision(call.id, on: replica) == ["reviewing", "0"])
        #expect(try await WorkspaceTests.get(client, callPage, programme).body.contains("summary.html") == false)
        // The CLI's reports read the replica too: there the call is not decided yet.
        let cli = CLIRunner(database: primary.configuration)
        let onReplica = ["CFUND_READ_DATABASE_URL": replica.configuration.displayURL]
        let lagging = try cli.run(["report", "allocations", String(call.id)], environment: onReplica)
        #expect(lagging.status != 0, "\(lagging.text)")
        #expect(try cli.run(["report", "allocations", String(call.id)]).status == 0)

        // A write through the server goes to the primary, and its author's next page reads the
        // primary (the replica has not got it); someone without the cookie reads the replica.
        let saved = try await WorkspaceTests.post(
            client, "/organisation", applicant, [("_csrf", csrf), ("siret", "130 025 265 00013"), ("rna", "")])
        #expect(saved.status == .seeOther)
        let seen = (saved.headers[values: .setCookie].first { $0.hasPrefix("cfund_seen=") } ?? "")
            .split(separator: ";")[0]
        #expect(seen.count > "cfund_seen=".count)
        let mine = try await WorkspaceTests.get(client, "/organisation", applicant + "; " + seen)
        #expect(mine.body.contains("13002526500013") || mine.body.contains("130 025 265 00013"))
        let stale = try await WorkspaceTests.get(client, "/organisation", applicant)
        #expect(!stale.body.contains("13002526500013") && !stale.body.contains("130 025 265 00013"))

        // Replayed: the decision appears whole.
        try await replay.resume()
        try await replay.catchUp()
        #expect(try await Self.decision(call.id, on: replica) == ["decided", "2"])
        #expect(try await WorkspaceTests.get(client, callPage, programme).body.contains("summary.html"))
        let caughtUp = try await WorkspaceTests.get(client, "/organisation", applicant + "; " + seen)
        #expect(caughtUp.body.contains("13002526500013") || caughtUp.body.contains("130 025 265 00013"))
        #expect(try cli.run(["report", "allocations", String(call.id)], environment: onReplica).status == 0)
        // A replica that is not there is said to be the replica, with what to do.
        let nowhere = ["CFUND_READ_DATABASE_URL": "postgresql://cfund@/cfund?host=/tmp/cfund-no-replica&port=5432"]
        let unreachable = try cli.run(["report", "allocations", String(call.id)], environment: nowhere)
        #expect(unreachable.status != 0)
        #expect(
            unreachable.errorText.contains("read replica") && unreachable.errorText.contains("CFUND_READ_DATABASE_URL"),
            "\(unreachable.errorText)")
        return applicant
    }

    /// A call's status and its number of grants, as one database sees them.
    static func decision(_ callId: Int64, on database: Database) async throws -> [String] {
        let rows = try await database.query(
            """
            SELECT c.status, (SELECT count(*) FROM grants g WHERE g.call_id = c.id)::text
            FROM calls c WHERE c.id = \(callId)
            """)
        guard let (status, grants) = try rows.first?.decode((String, String).self) else { return [] }
        return [status, grants]
    }

    /// The replica's replay of the primary, paused and resumed as a slow network would.
    struct Replay: Sendable {
        let primary: Database
        let replica: Database

        func pause() async throws {
            try await replica.query("SELECT pg_wal_replay_pause()")
            try await waitFor("SELECT pg_get_wal_replay_pause_state() = 'paused'")
        }

        func resume() async throws {
            try await replica.query("SELECT pg_wal_replay_resume()")
        }

        /// Until the replica has replayed everything the primary has written so far.
        func catchUp() async throws {
            let position = try await primary.query("SELECT pg_current_wal_lsn()::text").decode(String.self)[0]
            try await waitFor("SELECT pg_last_wal_replay_lsn() >= '\(position)'::pg_lsn")
        }

        private func waitFor(_ condition: String) async throws {
            for _ in 0..<300 {
                let rows = try await replica.query(PostgresQuery(unsafeSQL: condition))
                if try rows.first?.decode(Bool.self) == true { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw FundError.database("the replica did not get there in 30 seconds: \(condition)")
        }
    }
}
