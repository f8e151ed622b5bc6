import Foundation
import FundCore
import FundStore
import FundTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `cfund serve` as a process, while PostgreSQL restarts, its connections are cut, a query never
/// returns, and clients hold sockets open: every request gets an answer within its timeout,
/// nothing answered 201 or 200 is lost, and SIGTERM ends the server within its drain time.
@Suite("cfund serve under faults")
struct ServerFaultTests {
    struct Outcome: Sendable {
        let kind: String
        let status: Int
        let seconds: Double
    }

    /// Requests of every kind in a loop until `until`, from one client.
    static func load(
        _ server: ServerProcess, fixture: IntakeFixture, submission: Int, until: ContinuousClock.Instant, worker: Int
    ) async -> [Outcome] {
        var outcomes: [Outcome] = []
        var round = 0
        let lyon = ["Authorization": "Bearer \(fixture.lyonToken)", "Content-Type": "application/json"]
        while ContinuousClock.now < until {
            round += 1
            let reply: HTTPProbe.Reply
            let kind: String
            switch (worker + round) % 4 {
            case 0:
                kind = "calls"
                reply = try! await HTTPProbe.send(.get, server.url("/v1/calls"))
            case 1:
                kind = "read"
                reply = try! await HTTPProbe.send(.get, server.url("/v1/submissions/\(submission)"), headers: lyon)
            case 2:
                kind = "amend"
                reply = try! await HTTPProbe.send(
                    .put, server.url("/v1/submissions/\(submission)"), headers: lyon,
                    body: IntakeFixture.body(title: "Tremplin Lyon, round \(worker)-\(round)"))
            default:
                kind = "submit"
                var headers = lyon
                headers["Authorization"] = "Bearer \(fixture.niceToken)"
                headers["Idempotency-Key"] = "nice-\(worker)-\(round)"
                reply = try! await HTTPProbe.send(
                    .post, server.url("/v1/calls/\(fixture.callId)/submissions"), headers: headers,
                    body: IntakeFixture.body(title: "Azur \(worker)-\(round)"))
            }
            outcomes.append(Outcome(kind: kind, status: reply.status, seconds: reply.seconds))
        }
        return outcomes
    }

    @Test func everyRequestIsAnsweredThroughRestartsAndCutConnections() async throws {
        let cluster = try await PrivateCluster.make()
        let (fixture, submission) = try await Database.with(
            cluster.database, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { database in
            let fixture = try await IntakeFixture.make(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            let content = SubmissionContent(
                title: "Tremplin Lyon", summary: "", requested: Money(cents: 4_000_000),
                totalCost: Money(cents: 8_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
                contactEmail: "camille@lyon.frenchtech.example")
            let received = try await SubmissionRepository(database).receive(
                callId: fixture.callId, organisation: lyon, content: content, idempotencyKey: nil)
            return (fixture, Int(received.submission.id))
        }
        let timeout = 3.0
        let server = try await ServerProcess(
            database: cluster.database,
            options: ["--request-timeout", "3", "--connections", "6", "--drain", "6"])
        let until = ContinuousClock.now + .seconds(24)
        async let outcomes = withTaskGroup(of: [Outcome].self) { group in
            for worker in 0..<10 {
                group.addTask {
                    await Self.load(server, fixture: fixture, submission: submission, until: until, worker: worker)
                }
            }
            return await group.reduce(into: [Outcome]()) { $0 += $1 }
        }
        var cut: Int64 = 0
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(800))
            for _ in 0..<4 {
                cut += try await cluster.terminateConnections()
                try await Task.sleep(for: .milliseconds(250))
            }
            try await cluster.restart(.fast)
            try await Task.sleep(for: .milliseconds(800))
            try await cluster.restart(.immediate)
        }
        let all = await outcomes
        let statuses = Dictionary(grouping: all, by: { "\($0.kind) \($0.status)" }).mapValues(\.count)
        #expect(cut > 0)
        #expect(all.count > 200, "\(statuses)")
        // Only the requests caught by a fault wait for the timeout (a few dozen among thousands on
        // a quiet machine), not every request queued behind one stuck on the database.
        let timedOut = all.filter { $0.seconds >= timeout - 0.5 }.count
        #expect(timedOut * 10 < all.count, "\(timedOut) of \(all.count) answers waited for the timeout: \(statuses)")
        let slowest = all.map(\.seconds).max() ?? 0
        // The timeout, and slack for a machine busy with the rest of the suite: never minutes.
        #expect(slowest < timeout + 7, "slowest answer took \(slowest) s")
        let allowed: [String: Set<Int>] = [
            "calls": [200, 503], "read": [200, 503], "amend": [200, 503], "submit": [201, 200, 403, 503],
        ]
        for outcome in all {
            #expect(allowed[outcome.kind]!.contains(outcome.status), "\(statuses)")
        }
        #expect(all.contains { $0.status == 503 }, "\(statuses)")
        #expect(all.filter { $0.kind == "amend" && $0.status == 200 }.count > 10, "\(statuses)")

        // The server recovers on its own, and what it acknowledged is stored.
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = try await HTTPProbe.send(.get, server.url("/v1/calls")).status == 200
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered)
        let amended = all.filter { $0.kind == "amend" && $0.status == 200 }.count
        let attempted = all.filter { $0.kind == "amend" && $0.status != 409 }.count
        let version = try await Database.with(cluster.database, logger: TestCluster.logger) { database in
            try await database.count("SELECT version::bigint FROM submissions WHERE id = \(Int64(submission))")
        }
        // Every amendment answered 200 is stored; a 503 may or may not have been.
        #expect(version - 1 >= Int64(amended) && version - 1 <= Int64(attempted))
        // Errors were logged by id, without the applicants' names or addresses.
        #expect(!server.log.contains("camille@lyon"))
        #expect(!server.log.contains("Camille Martin"))

        let (status, seconds) = await server.terminate(within: .seconds(12))
        #expect(status == 0, "\(server.log.suffix(2_000))")
        #expect(seconds < 10)
    }

    /// A query that never returns (here: blocked by a lock nobody releases) gets its request a 503
    /// at the deadline, and SIGTERM still ends the server within its drain time.
    @Test func aQueryThatNeverReturnsDelaysNeitherTheAnswerNorTheShutdown() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { try await IntakeFixture.make($0) }
        let server = try await ServerProcess(
            database: configuration, options: ["--request-timeout", "2", "--drain", "3"])
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let (lockTaken, locked) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await Database.with(configuration, logger: TestCluster.logger) { database in
                try await database.transaction { transaction in
                    try await transaction.query("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
                    locked.yield()
                    for await _ in released { break }
                }
            }
        }
        var waitForLock = lockTaken.makeAsyncIterator()
        _ = await waitForLock.next()
        let stuck = try await HTTPProbe.send(
            .post, server.url("/v1/calls/\(fixture.callId)/submissions"),
            headers: [
                "Authorization": "Bearer \(fixture.lyonToken)", "Content-Type": "application/json",
                "Idempotency-Key": "stuck",
            ], body: IntakeFixture.body())
        // The lock is released only after this answer: a server waiting for the query would never
        // answer at all. Two seconds of deadline, and slack for a machine busy with the rest of the
        // suite (a browser among them).
        #expect(stuck.status == 503)
        #expect(stuck.seconds < 15)
        #expect(stuck.headers["retry-after"] != nil)
        let (status, seconds) = await server.terminate(within: .seconds(10))
        #expect(status == 0)
        #expect(seconds < 6)
        release.yield()
        try await holder.value
        try await TestCluster.shared.drop(configuration)
    }

    /// Slow and silent clients cannot hold the server: 1,100 idle sockets against a server limited
    /// to 1,024 file descriptors, stalled heads and bodies, oversized uploads, garbage.
    @Test func slowAndSilentClientsCannotHoldTheServer() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let server = try await ServerProcess(
            database: configuration, options: ["--header-timeout", "1", "--body-timeout", "1", "--idle-timeout", "2"],
            descriptors: 1_024)

        let silent = try RawConnection(port: server.port)
        let slowHead = try RawConnection(port: server.port)
        slowHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let stalledBody = try RawConnection(port: server.port)
        stalledBody.send(
            "POST /v1/calls/1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"title\"")
        let oversized = try RawConnection(port: server.port)
        oversized.send(
            "POST /v1/calls/1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n")
        let garbage = try RawConnection(port: server.port)
        garbage.send("GET / HTTP/1.1 and more\r\n\r\n")
        async let silentReply = silent.readUntilClosed(timeout: 8)
        async let slowReply = slowHead.readUntilClosed(timeout: 8)
        async let stalledReply = stalledBody.readUntilClosed(timeout: 8)
        async let oversizedReply = oversized.readUntilClosed(timeout: 8)
        async let garbageReply = garbage.readUntilClosed(timeout: 8)
        for (reply, status, within) in [
            (await silentReply, 408, 6.0), (await slowReply, 408, 6.0), (await stalledReply, 408, 6.0),
            (await oversizedReply, 413, 4.0), (await garbageReply, 400, 4.0),
        ] {
            #expect(RawConnection.status(reply.text) == status, "\(reply.text)")
            #expect(reply.text.contains("application/problem+json"))
            #expect(reply.closed && reply.seconds < within, "\(status) took \(reply.seconds) s")
        }
        let metrics = try await HTTPProbe.send(.get, server.url("/metrics")).body
        #expect(
            metrics.contains("cfund_request_timeouts_total{phase=\"body\"} 1"),
            "\(metrics.split(separator: "\n").filter { $0.contains("cfund_") })")
        #expect(metrics.contains("cfund_request_timeouts_total{phase=\"header\"} 2"))
        #expect(metrics.contains("cfund_malformed_requests_total 1"))

        // 1,100 sockets that never send a byte: past the limit they are told to come back, the
        // server never runs out of descriptors nor spins, and answers again once they time out.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 2_048 {
            limit.rlim_cur = min(4_096, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        var idle: [RawConnection] = []
        for _ in 0..<1_100 { idle.append(try RawConnection(port: server.port)) }
        let during = try await HTTPProbe.send(.get, server.url("/healthz"), timeout: 10)
        #expect([200, 503].contains(during.status), "\(during.body)")
        #expect(server.openDescriptors < 1_024)
        // Accepting 1,100 sockets costs some CPU; a spinning server burns the whole wait after.
        let cpuBefore = server.cpuSeconds
        try await Task.sleep(for: .seconds(3))
        let after = try await HTTPProbe.send(.get, server.url("/healthz"), timeout: 10)
        #expect(after.status == 200)
        #expect(server.cpuSeconds - cpuBefore < 1.5, "the server spent \(server.cpuSeconds - cpuBefore) s of CPU")
        idle.removeAll()
        let (status, _) = await server.terminate(within: .seconds(10))
        #expect(status == 0)
        try await TestCluster.shared.drop(configuration)
    }
}
