import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("HTTP intake: submissions")
struct IntakeTests {
    typealias Client = any TestClientProtocol

    static func withIntake(
        _ body: @Sendable (Database, IntakeFixture, Client) async throws -> Void
    ) async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in try await body(database, fixture, client) }
        }
    }

    static func post(
        _ client: Client, call: Int64, token: String?, body: String, key: String? = nil,
        contentType: String = "application/json"
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [.contentType: contentType]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(
            uri: "/v1/calls/\(call)/submissions", method: .post, headers: headers, body: ByteBuffer(string: body)
        ) { response in
            (response.status, Self.json(response))
        }
    }

    static func send(
        _ client: Client, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String? = nil
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: body.map { ByteBuffer(string: $0) }
        ) { response in
            (response.status, Self.json(response))
        }
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
    }

    static func rows(_ database: Database, _ sql: String) async throws -> Int64 {
        try await database.count(sql)
    }

    @Test func aSubmissionIsStoredWithItsReceipt() async throws {
        try await Self.withIntake { database, fixture, client in
            let (status, json) = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            #expect(status == .created)
            #expect(json["version"] as? Int == 1)
            #expect(json["status"] as? String == "submitted")
            #expect(json["requestedCents"] as? Int == 4_500_000)
            #expect(json["receivedAt"] as? String == "2024-12-01T11:00:00.000Z")
            let receipt = json["receipt"] as? [String: Any]
            let covers = receipt?["covers"] as? String ?? ""
            #expect(receipt?["sha256"] as? String == Digest.sha256(covers))
            #expect(covers.contains("receivedAt=2024-12-01T11:00:00.000Z"))
            #expect(try await Self.rows(database, "SELECT count(*)::bigint FROM submissions") == 1)
        }
    }

    @Test func aRetryWithTheSameKeyReturnsTheFirstSubmission() async throws {
        try await Self.withIntake { database, fixture, client in
            let first = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(), key: "k-1")
            // The response was lost on the way; the client sends the same request again.
            let retry = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(), key: "k-1")
            #expect(first.0 == .created)
            #expect(retry.0 == .ok)
            #expect(retry.1["id"] as? Int == first.1["id"] as? Int)
            let other = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(title: "Another one"),
                key: "k-1")
            #expect(other.0 == .conflict)
            #expect((other.1["detail"] as? String)?.contains("already used with a different request") == true)
            #expect(try await Self.rows(database, "SELECT count(*)::bigint FROM submissions") == 1)
        }
    }

    @Test func twentyConcurrentPostsWithOneKeyMakeOneSubmission() async throws {
        try await Self.withIntake { database, fixture, client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await Self.post(
                            client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(),
                            key: "same-key"
                        ).0
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .ok }.count == 19, "\(statuses)")
            #expect(try await Self.rows(database, "SELECT count(*)::bigint FROM submissions") == 1)
        }
    }

    @Test func theLastMillisecondIsOnTimeAndTheNextIsLate() async throws {
        try await Self.withIntake { database, fixture, client in
            let clock = SimulatedClock(database)
            try await clock.set(fixture.closesAt.addingTimeInterval(-0.001))
            let onTime = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            #expect(onTime.0 == .created)
            #expect(onTime.1["receivedAt"] as? String == "2024-12-15T22:59:59.999Z")
            try await clock.set(fixture.closesAt)
            let late = try await Self.post(
                client, call: fixture.callId, token: fixture.niceToken, body: IntakeFixture.body())
            #expect(late.0 == .conflict)
            #expect(
                (late.1["detail"] as? String)?.contains(
                    "takes submissions only from 2024-11-13 00:00:00.000 +01:00 to 2024-12-15 23:59:59.999 +01:00")
                    == true)
        }
    }

    @Test func amendingAndWithdrawingWorkOnlyBeforeTheDeadline() async throws {
        try await Self.withIntake { database, fixture, client in
            let (_, created) = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            let id = created["id"] as! Int
            let amended = try await Self.send(
                client, .put, "/v1/submissions/\(id)", token: fixture.lyonToken,
                body: IntakeFixture.body(title: "Tremplin Lyon, revised", requestedCents: 4_000_000))
            #expect(amended.0 == .ok)
            #expect(amended.1["version"] as? Int == 2)
            #expect(amended.1["title"] as? String == "Tremplin Lyon, revised")
            #expect(try await SubmissionRepository(database).history(Int64(id)).count == 2)

            try await SimulatedClock(database).set(fixture.closesAt)
            let late = try await Self.send(
                client, .put, "/v1/submissions/\(id)", token: fixture.lyonToken, body: IntakeFixture.body())
            #expect(late.0 == .conflict)
            let lateWithdraw = try await Self.send(client, .delete, "/v1/submissions/\(id)", token: fixture.lyonToken)
            #expect(lateWithdraw.0 == .conflict)
            let read = try await Self.send(client, .get, "/v1/submissions/\(id)", token: fixture.lyonToken)
            #expect(read.1["version"] as? Int == 2)
            #expect(read.1["status"] as? String == "submitted")
        }
    }

    @Test func aWithdrawnSubmissionFreesTheOrganisationsPlace() async throws {
        try await Self.withIntake { database, fixture, client in
            let (_, created) = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            let second = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(title: "Second"))
            #expect(second.0 == .forbidden)
            #expect((second.1["detail"] as? String)?.contains("already has 1 live submission(s)") == true)
            let withdrawn = try await Self.send(
                client, .delete, "/v1/submissions/\(created["id"] as! Int)", token: fixture.lyonToken)
            #expect(withdrawn.1["status"] as? String == "withdrawn")
            let again = try await Self.send(
                client, .put, "/v1/submissions/\(created["id"] as! Int)", token: fixture.lyonToken,
                body: IntakeFixture.body())
            #expect(again.0 == .conflict)
            let replacement = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body(title: "Second"))
            #expect(replacement.0 == .created)

            // The audit trail names the token behind each change; the refused ones left nothing.
            let token = try await database.count(
                "SELECT min(id) FROM organisation_tokens WHERE organisation_id = \(fixture.lyon)")
            let events = try await database.query(
                "SELECT action, actor FROM audit_events WHERE target LIKE 'submission:%' ORDER BY id"
            ).decode((String, String).self)
            #expect(events.map(\.0) == ["submission.create", "submission.withdraw", "submission.create"])
            #expect(events.allSatisfy { $0.1 == "organisation-token:\(token)" })
        }
    }

    @Test func anotherOrganisationsSubmissionIsNotFound() async throws {
        try await Self.withIntake { _, fixture, client in
            let (_, created) = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            let uri = "/v1/submissions/\(created["id"] as! Int)"
            #expect(try await Self.send(client, .get, uri, token: fixture.niceToken).0 == .notFound)
            #expect(
                try await Self.send(client, .put, uri, token: fixture.niceToken, body: IntakeFixture.body()).0
                    == .notFound)
            #expect(try await Self.send(client, .delete, uri, token: fixture.niceToken).0 == .notFound)
            #expect(
                try await Self.send(client, .get, "/v1/submissions/999999", token: fixture.lyonToken).0 == .notFound)
            #expect(try await Self.send(client, .get, uri, token: fixture.lyonToken).0 == .ok)
        }
    }

    @Test func tokensAreCheckedAndRevocationIsImmediate() async throws {
        try await Self.withIntake { database, fixture, client in
            let missing = try await Self.post(client, call: fixture.callId, token: nil, body: IntakeFixture.body())
            #expect(missing.0 == .unauthorized)
            let wrong = try await Self.post(
                client, call: fixture.callId, token: "cft_not-a-real-token", body: IntakeFixture.body())
            #expect(wrong.0 == .unauthorized)
            let tokens = TokenRepository(database)
            let tokenId = try await tokens.list(for: fixture.lyon)[0].id
            try await tokens.revoke(tokenId: tokenId, of: fixture.lyon)
            let revoked = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            #expect(revoked.0 == .unauthorized)
            #expect((revoked.1["detail"] as? String)?.contains("unknown or revoked") == true)
        }
    }

    @Test func ineligibleOrganisationsAreRefusedWithTheReason() async throws {
        try await Self.withIntake { _, fixture, client in
            let normandie = try await Self.post(
                client, call: fixture.callId, token: fixture.normandieToken, body: IntakeFixture.body())
            #expect(normandie.0 == .forbidden)
            #expect(
                (normandie.1["detail"] as? String)?.contains("holds no label awarded between 2024-01-01 and 2024-12-31")
                    == true)
            let tokyo = try await Self.post(
                client, call: fixture.callId, token: fixture.tokyoToken, body: IntakeFixture.body())
            #expect(tokyo.0 == .forbidden)
            #expect((tokyo.1["detail"] as? String)?.contains("is a community_abroad") == true)
        }
    }

    @Test func badRequestsGetTheRightStatusAndNeverA500() async throws {
        try await Self.withIntake { database, fixture, client in
            let call = fixture.callId
            let token = fixture.lyonToken
            #expect(try await Self.post(client, call: call, token: token, body: "{not json").0 == .badRequest)
            #expect(try await Self.post(client, call: call, token: token, body: "[1, 2]").0 == .badRequest)
            let text = try await Self.post(
                client, call: call, token: token, body: IntakeFixture.body(), contentType: "text/plain")
            #expect(text.0 == .unsupportedMediaType)
            let large = String(repeating: "x", count: 70 * 1024)
            let tooLarge = try await Self.post(
                client, call: call, token: token, body: IntakeFixture.body(title: large))
            #expect(tooLarge.0 == .contentTooLarge)
            #expect(try await Self.post(client, call: 424_242, token: token, body: IntakeFixture.body()).0 == .notFound)
            #expect(try await Self.post(client, call: -1, token: token, body: IntakeFixture.body()).0 == .notFound)

            let invalid = try await Self.post(
                client, call: call, token: token,
                body: """
                    {"title": "x", "summary": 5, "requestedCents": 6000000, "totalCostCents": 1.5,
                     "ambitions": ["moonshots"], "contact": {"name": "", "email": "nobody"}}
                    """)
            #expect(invalid.0 == .unprocessableContent)
            let fields = Set(((invalid.1["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(
                fields == [
                    "title", "summary", "requestedCents", "totalCostCents", "ambitions", "contact.name",
                    "contact.email",
                ])
            let overCost = try await Self.post(
                client, call: call, token: token,
                body: IntakeFixture.body(requestedCents: 5_000_000).replacingOccurrences(
                    of: "9000000", with: "4000000"))
            #expect(overCost.0 == .unprocessableContent)
            // A NUL character, which PostgreSQL's text cannot hold (schemathesis found it as a 500).
            let nul = try await Self.post(
                client, call: call, token: token,
                body: IntakeFixture.body().replacingOccurrences(of: "Opening the", with: "Opening\\u0000the"))
            #expect(nul.0 == .unprocessableContent)
            #expect(
                ((nul.1["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } == ["summary"])
            let boolean = try await Self.post(
                client, call: call, token: token,
                body: IntakeFixture.body().replacingOccurrences(of: "4500000", with: "true"))
            #expect(boolean.0 == .unprocessableContent)
            #expect(try await Self.rows(database, "SELECT count(*)::bigint FROM submissions") == 0)
        }
    }

    @Test func aClosedOrDraftCallIsNotOpen() async throws {
        try await Self.withIntake { database, fixture, client in
            _ = try await CallRepository(database).close(String(fixture.callId), early: true)
            let closed = try await Self.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
            #expect(closed.0 == .conflict)
            #expect((closed.1["detail"] as? String)?.contains("is closed and takes submissions only from") == true)
        }
    }

    @Test func theDatabaseBeingDownIsA503() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        try await Database.with(configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            database in
            let fixture = try await IntakeFixture.make(database)
            let app = Application(
                router: buildRouter(database: database, limits: ServerLimits(requestTimeout: .seconds(2))))
            try await TestCluster.shared.drop(configuration)
            try await app.test(.router) { client in
                let down = try await Self.post(
                    client, call: fixture.callId, token: fixture.lyonToken, body: IntakeFixture.body())
                #expect(down.0 == .serviceUnavailable)
                #expect(down.1["type"] as? String == "https://cfund.frenchtech.example/problems/database-unavailable")
            }
        }
    }
}

/// Deadline night is fair: a request complete before the deadline but held in the server (no
/// free database connection, as in a rush) past it is judged by when it arrived.
@Suite("HTTP intake: the deadline judges arrival")
struct ArrivalTests {
    @Test func aRequestHeldPastTheDeadlineIsOnTimeAndOneSentAfterIsLate() async throws {
        try await withTestDatabase { database in
            let envelope = try await EnvelopeRepository(database).create(
                Envelope(
                    name: "Community Fund 2025-2027", amount: Money(cents: 150_000_000),
                    validity: try DayRange(parsing: "2025-01-01..2027-12-31")))
            let lyon = try await OrganisationRepository(database).add(
                Organisation(
                    name: "French Tech Lyon", kind: .capital, city: "Lyon", country: "France",
                    labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2025-03-01"))]))
            let token = try await TokenRepository(database).issue(for: lyon).token
            try await Database.with(
                database.configuration, logger: TestCluster.logger, maximumConnections: 1,
                reachableWithin: TestCluster.patience
            ) { server in
                let app = Application(router: patientRouter(server))
                // Real time: the simulated clock stands still, and waiting is what this is about.
                // Seconds enough for the setup on a loaded machine; the test waits for them anyway.
                let closesAt = Date().addingTimeInterval(6)
                let calls = CallRepository(database)
                let callId = try await calls.create(
                    Call(
                        envelopeId: envelope, title: "Deadline tonight", budget: Money(cents: 10_000_000),
                        opensAt: Date().addingTimeInterval(-3_600), closesAt: closesAt,
                        rules: EligibilityRules(allowedKinds: [.capital])))
                _ = try await calls.open(String(callId))
                // The server's only connection is busy until a second and a half past the deadline.
                let busy = Task { try await server.query("SELECT pg_sleep(\(closesAt.timeIntervalSinceNow + 1.5))") }
                try await Task.sleep(for: .milliseconds(200))
                try #require(Date() < closesAt.addingTimeInterval(-0.5), "the setup took too long to test anything")
                try await app.test(.router) { client in
                    let (status, json) = try await IntakeTests.post(
                        client, call: callId, token: token, body: IntakeFixture.body(), key: "held")
                    #expect(status == .created, "\(json)")
                    #expect(Date() > closesAt)
                    let parser = ISO8601DateFormatter()
                    parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                    let received = (json["receivedAt"] as? String).flatMap(parser.date(from:))
                    #expect(received.map { $0 < closesAt } == true, "\(json)")
                    let late = try await IntakeTests.post(
                        client, call: callId, token: token, body: IntakeFixture.body(title: "Too late"), key: "late")
                    #expect(late.0 == .conflict)
                }
                _ = try await busy.value
            }
            // The wait the database subtracts is bounded: nothing is dated back more than 10 seconds.
            let bounded = try await database.query(
                "SELECT extract(epoch FROM now() - cfund_received_at(600000))::float8 BETWEEN 9.9 AND 10.1")
            #expect(try bounded[0].decode(Bool.self))
        }
    }
}
