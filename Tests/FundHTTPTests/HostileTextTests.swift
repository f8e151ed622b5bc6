import Foundation
import FundCore
import FundStore
import FundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Text that looks valid to a person but used to pass Swift and fail PostgreSQL (a 500): every
/// such request is now accepted with clean text or refused with 422 naming the field.
@Suite("HTTP intake: hostile text")
struct HostileTextTests {
    static func body(
        title: String = "French Tech Tremplin", summary: String = "A summary.", name: String = "Camille Martin",
        email: String = "camille@lyon.example"
    ) throws -> String {
        let object: [String: Any] = [
            "title": title, "summary": summary, "requestedCents": 4_500_000, "totalCostCents": 9_000_000,
            "ambitions": ["world_class"], "contact": ["name": name, "email": email],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func fields(_ json: [String: Any]) -> [String] {
        ((json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
    }

    @Test func valid150LetterTitlesOfDecomposedAccentsAreStoredInNFC() async throws {
        try await IntakeTests.withIntake { database, fixture, client in
            let decomposed = String(repeating: "e\u{301}", count: 150)
            let (status, json) = try await IntakeTests.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: try Self.body(title: decomposed + "\n\n"))
            #expect(status == .created)
            let stored = try await database.query("SELECT title, char_length(title) FROM submissions")
            let (title, length) = try stored[0].decode((String, Int).self)
            #expect(length == 150)
            #expect(title.unicodeScalars.elementsEqual(String(repeating: "\u{E9}", count: 150).unicodeScalars))
            #expect((json["title"] as? String)?.unicodeScalars.count == 150)
        }
    }

    static let invalid: [(field: String, body: String)] = [
        ("summary", try! body(summary: String(repeating: "🇫🇷", count: 2_600))),
        ("title", try! body(title: "\u{200B}\u{200B}\u{200B}\u{202E}\u{2066}")),
        ("title", try! body(title: "  \n\t  ")),
        ("title", try! body(title: "Bell\u{7} in a title")),
        ("title", try! body(title: String(repeating: "🇫🇷", count: 101))),
        ("contact.name", try! body(name: "\u{FEFF}\u{200D}")),
        ("contact.name", try! body(name: String(repeating: "e\u{301}", count: 201))),
        ("contact.email", try! body(email: String(repeating: "a", count: 250) + "@x.fr")),
        ("summary", try! body(summary: "nul\u{0}here")),
    ]

    @Test func invalidTextIsA422NamingTheField() async throws {
        try await IntakeTests.withIntake { database, fixture, client in
            for (field, body) in Self.invalid {
                let (status, json) = try await IntakeTests.post(
                    client, call: fixture.callId, token: fixture.lyonToken, body: body)
                #expect(status == .unprocessableContent, "\(field)")
                #expect(Self.fields(json) == [field])
            }
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 0)
        }
    }

    @Test func idempotencyKeysAreMeasuredAsTheDatabaseMeasuresThem() async throws {
        try await IntakeTests.withIntake { database, fixture, client in
            let flags = String(repeating: "🇫🇷", count: 200)
            var headers: HTTPFields = [
                .contentType: "application/json", .authorization: "Bearer \(fixture.lyonToken)",
            ]
            headers[HTTPField.Name("Idempotency-Key")!] = flags
            let long = try await client.execute(
                uri: "/v1/calls/\(fixture.callId)/submissions", method: .post, headers: headers,
                body: ByteBuffer(string: try Self.body())
            ) { ($0.status, IntakeTests.json($0)) }
            #expect(long.0 == .unprocessableContent)
            #expect(Self.fields(long.1) == ["Idempotency-Key"])

            let key = String(repeating: "é", count: 255)
            let first = try await IntakeTests.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: try Self.body(), key: key)
            let again = try await IntakeTests.post(
                client, call: fixture.callId, token: fixture.lyonToken, body: try Self.body(),
                key: String(repeating: "e\u{301}", count: 255))
            #expect(first.0 == .created)
            #expect(again.0 == .ok)
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 1)
        }
    }
}

@Suite("HTTP intake: hostile numbers and floods")
struct HostileRequestTests {
    @Test func centsAreDigitsOnlyAndFloodsOfBadValuesGetAShortAnswer() async throws {
        try await IntakeTests.withIntake { database, fixture, client in
            for literal in ["1e5", "100000.0", "4.5E6", "true", "\"4500000\""] {
                let (status, json) = try await IntakeTests.post(
                    client, call: fixture.callId, token: fixture.lyonToken,
                    body: IntakeFixture.body().replacingOccurrences(of: "4500000", with: literal))
                #expect(status == .unprocessableContent, "\(literal)")
                #expect(HostileTextTests.fields(json) == ["requestedCents"], "\(literal)")
            }
            // 6,000 bad ambitions in 60 KB: the answer lists twenty and says how many more.
            let flood = Array(repeating: "\"x\"", count: 6_000).joined(separator: ",")
            let body = IntakeFixture.body().replacingOccurrences(
                of: "[\"talents_and_territories\", \"world_class\"]", with: "[\(flood)]")
            let answered = try await client.execute(
                uri: "/v1/calls/\(fixture.callId)/submissions", method: .post,
                headers: [.contentType: "application/json", .authorization: "Bearer \(fixture.lyonToken)"],
                body: ByteBuffer(string: body)
            ) { ($0.status, $0.body.readableBytes, IntakeTests.json($0)) }
            #expect(answered.0 == .unprocessableContent)
            #expect(answered.1 < 8_000)
            #expect(HostileTextTests.fields(answered.2).count == 20)
            #expect((answered.2["detail"] as? String)?.contains("and 5980 more") == true)
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 0)
        }
    }

    @Test func aMissingOrBadTokenNamesTheBearerScheme() async throws {
        try await IntakeTests.withIntake { _, fixture, client in
            for token in [nil, "cft_unknown"] {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                let answer = try await client.execute(
                    uri: "/v1/calls/\(fixture.callId)/submissions", method: .post, headers: headers,
                    body: ByteBuffer(string: IntakeFixture.body())
                ) { ($0.status, $0.headers[.wwwAuthenticate]) }
                #expect(answer.0 == .unauthorized)
                #expect(answer.1 == "Bearer realm=\"cfund\"")
            }
        }
    }
}
