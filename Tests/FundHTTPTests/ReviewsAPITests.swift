import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("HTTP reviews")
struct ReviewsAPITests {
    /// Lyon and Nice submitted; three reviewers, Alice affiliated with Lyon; two reviews each.
    static func prepare(_ database: Database) async throws -> (alice: String, bruno: String, aliceId: Int64) {
        let fixture = try await IntakeFixture.make(database)
        let organisations = OrganisationRepository(database)
        for (id, title) in [(fixture.lyon, "Tremplin Lyon"), (fixture.nice, "Azur Scale")] {
            let content = SubmissionContent(
                title: title, summary: "", requested: Money(cents: 100), totalCost: Money(cents: 100),
                ambitions: [.greenTech], contactName: "C", contactEmail: "c@example.org")
            _ = try await SubmissionRepository(database).receive(
                callId: fixture.callId, organisation: try await organisations.find(String(id)), content: content,
                idempotencyKey: nil)
        }
        try await SimulatedClock(database).set(fixture.closesAt)
        let reviewers = ReviewerRepository(database)
        let alice = try await reviewers.add(name: "Alice", email: "alice@example.org", affiliationId: fixture.lyon)
        let bruno = try await reviewers.add(name: "Bruno", email: "bruno@example.org", affiliationId: nil)
        _ = try await reviewers.add(name: "Chloé", email: "chloe@example.org", affiliationId: nil)
        let calls = CallRepository(database)
        _ = try await calls.startReviewing(try await calls.find(id: fixture.callId))
        _ = try await ReviewRepository(database).assign(callId: fixture.callId, perSubmission: 2, maxLoad: nil)
        let tokens = TokenRepository(database, holder: .reviewer)
        return (try await tokens.issue(for: alice).token, try await tokens.issue(for: bruno).token, alice)
    }

    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String,
        body: String? = nil
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(
            uri: uri, method: method, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
            body: body.map { ByteBuffer(string: $0) }
        ) { response in
            (
                response.status,
                (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            )
        }
    }

    @Test func reviewersSeeAndScoreOnlyTheirOwnConflictFreeAssignments() async throws {
        try await withTestDatabase { database in
            let (alice, bruno, _) = try await Self.prepare(database)
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in
                let (status, list) = try await Self.call(client, .get, "/v1/reviews", token: alice)
                #expect(status == .ok)
                let assignments = list["assignments"] as? [[String: Any]] ?? []
                #expect(assignments.count == 1)
                let submission = assignments.first?["submission"] as? [String: Any]
                #expect(submission?["organisation"] as? String == "French Tech Côte d'Azur")
                #expect((assignments.first?["grid"] as? [String: Any])?["criteria"] != nil)
                let mine = assignments.first?["assignmentId"] as! Int

                let offStep = try await Self.call(
                    client, .put, "/v1/reviews/\(mine)", token: alice, body: #"{"scores": {"impact": 4.25}}"#)
                #expect(offStep.0 == .unprocessableContent)
                #expect((offStep.1["detail"] as? String)?.contains("off-step") == true)
                let unknown = try await Self.call(
                    client, .put, "/v1/reviews/\(mine)", token: alice, body: #"{"scores": {"charisma": 5}}"#)
                let nul = try await Self.call(
                    client, .put, "/v1/reviews/\(mine)", token: alice,
                    body: #"{"scores": {"impact": 4}, "comments": {"impact": "a\u0000b"}}"#)
                #expect(nul.0 == .unprocessableContent)
                #expect(unknown.0 == .unprocessableContent)
                let partialFinal = try await Self.call(
                    client, .put, "/v1/reviews/\(mine)", token: alice,
                    body: #"{"scores": {"impact": 4}, "final": true}"#)
                #expect(partialFinal.0 == .unprocessableContent)

                let draft = try await Self.call(
                    client, .put, "/v1/reviews/\(mine)", token: alice,
                    body: #"{"scores": {"impact": 4}, "comments": {"impact": "Strong"}}"#)
                #expect(draft.0 == .ok)
                #expect(draft.1["final"] as? Bool == false)
                let full =
                    #"{"scores": {"impact": 4, "ambitions": 3.5, "feasibility": 3, "inclusion": 5}, "final": true}"#
                #expect(try await Self.call(client, .put, "/v1/reviews/\(mine)", token: alice, body: full).0 == .ok)
                let again = try await Self.call(client, .put, "/v1/reviews/\(mine)", token: alice, body: full)
                #expect(again.0 == .conflict)
                #expect((again.1["detail"] as? String)?.contains("cfund review reopen \(mine)") == true)

                try await ReviewRepository(database).reopen(assignmentId: Int64(mine), reason: "typo on feasibility")
                #expect(try await Self.call(client, .put, "/v1/reviews/\(mine)", token: alice, body: full).0 == .ok)

                let events = try await database.query(
                    "SELECT action, actor FROM audit_events WHERE target = \("review:\(mine)") ORDER BY id"
                ).decode((String, String).self)
                #expect(
                    events.map(\.0) == [
                        "review.save", "review.finalise", "review.reopen", "review.finalise",
                    ])
                #expect(events[0].1.hasPrefix("reviewer-token:"))
                #expect(events[2].1.hasPrefix("sql:"))

                #expect(
                    try await Self.call(client, .put, "/v1/reviews/\(mine)", token: bruno, body: full).0 == .notFound)
                #expect(try await Self.call(client, .get, "/v1/reviews", token: "cfr_nope").0 == .unauthorized)
            }
        }
    }

    @Test func theDatabaseRefusesConflictedAssignmentsAndEditsOfFinalReviews() async throws {
        try await withTestDatabase { database in
            let (_, _, aliceId) = try await Self.prepare(database)
            let lyonSubmission = try await database.count(
                "SELECT s.id FROM submissions s JOIN organisations o ON o.id = s.organisation_id WHERE o.name = 'French Tech Lyon'"
            )
            await #expect(throws: FundError.self) {
                try await database.count(
                    "INSERT INTO assignments (call_id, submission_id, reviewer_id) VALUES (1, \(lyonSubmission), \(aliceId)) RETURNING 1"
                )
            }
            let assignment = try await database.count("SELECT min(assignment_id) FROM reviews")
            _ = try await database.count(
                "UPDATE reviews SET final = true WHERE assignment_id = \(assignment) RETURNING 1")
            await #expect(throws: FundError.reviewFinal(assignmentId: assignment)) {
                try await database.count(
                    "UPDATE reviews SET scores = '{\"impact\": 1000}' WHERE assignment_id = \(assignment) RETURNING 1")
            }
            // Declaring a conflict after the fact removes the assignment and its review.
            let (reviewer, organisation) = try await database.query(
                """
                SELECT a.reviewer_id, s.organisation_id FROM assignments a JOIN submissions s ON s.id = a.submission_id
                WHERE a.id = \(assignment)
                """
            ).first!.decode((Int64, Int64).self)
            let removed = try await ReviewerRepository(database).declareConflict(
                reviewerId: reviewer, organisationId: organisation, reason: "joined its board")
            #expect(removed == 1)
            #expect(
                try await database.count("SELECT count(*)::bigint FROM reviews WHERE assignment_id = \(assignment)")
                    == 0)
        }
    }
}
