import FundCore
import FundStore
import FundTestSupport
import PostgresNIO
import Testing

/// One table of texts run through Swift's `TextRule` and PostgreSQL's `cfund_clean` and
/// `cfund_text_fits`: what one side accepts the other must accept, with the same clean text and
/// length, or a valid-looking request ends as a refusal nobody expected.
@Suite("Text rules in Swift and in PostgreSQL")
struct TextRuleTests {
    /// A text, whether it is multi-line, and what it is once clean (nil: as typed).
    struct Case: Sendable {
        let name: String
        let text: String
        var multiline = false
        var clean: String?
    }

    static let decomposed = String(repeating: "e\u{301}", count: 150)
    static let flags = String(repeating: "🇫🇷", count: 2_600)

    static let cases: [Case] = [
        Case(name: "plain", text: "French Tech Tremplin"),
        Case(name: "decomposed accents", text: decomposed, clean: String(repeating: "é", count: 150)),
        Case(name: "flags", text: flags),
        Case(name: "trailing newlines", text: "Projet Lyon\n\n\r\n", clean: "Projet Lyon"),
        Case(
            name: "edge spaces of every kind", text: "\u{A0}\u{2003}\u{3000} Titre \u{202F}\u{205F}\t", clean: "Titre"),
        Case(name: "zero-width only", text: "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}", clean: ""),
        Case(name: "bidi controls only", text: "\u{202E}\u{202D}\u{2066}\u{2069}\u{200F}", clean: ""),
        Case(name: "bidi override inside", text: "abc\u{202E}def", clean: "abc\u{202E}def"),
        Case(name: "zero-width joiner inside an emoji", text: "👩‍💻 Founders", clean: "👩‍💻 Founders"),
        Case(name: "combining mark after a space", text: "abc \u{301}", clean: "abc \u{301}"),
        Case(name: "tab inside a title", text: "a\tb"),
        Case(
            name: "carriage returns in a summary", text: "one\r\ntwo\rthree", multiline: true, clean: "one\ntwo\nthree"),
        Case(name: "tab in a summary", text: "one\ttwo", multiline: true),
        Case(name: "bell", text: "ding\u{7}dong"),
        Case(name: "C1 control", text: "x\u{85}y\u{9B}z", clean: "x\u{85}y\u{9B}z"),
        Case(name: "vertical tab inside multi-line", text: "a\u{B}b", multiline: true),
        Case(name: "Hangul jamo compose", text: "\u{1100}\u{1161}\u{11A8}", clean: "\u{AC01}"),
        Case(name: "ohm sign becomes omega", text: "10 \u{2126}", clean: "10 \u{3A9}"),
        Case(name: "empty", text: "", clean: ""),
        Case(name: "mongolian vowel separator", text: "\u{180E}x\u{180E}", clean: "x"),
    ]

    /// The rules the schema's CHECKs hold, with their bounds.
    static let rules: [TextRule] = [
        .organisationName, .city, .country, .envelopeName, .callTitle, .submissionTitle, .summary, .contactName,
        .idempotencyKey, .reviewerName, .reason, .comment(criterion: "impact"),
    ]

    @Test func swiftAndPostgreSQLCleanAlike() async throws {
        try await withTestDatabase { database in
            for item in Self.cases {
                let swift = TextRule.clean(item.text, multiline: item.multiline)
                let rows = try await database.query(
                    """
                    SELECT cfund_clean(\(item.text), \(item.multiline)),
                           char_length(cfund_clean(\(item.text), \(item.multiline)))
                    """)
                let (sql, length) = try rows[0].decode((String, Int).self)
                #expect(swift.unicodeScalars.elementsEqual(sql.unicodeScalars), "\(item.name)")
                #expect(TextRule.length(of: swift) == length, "\(item.name)")
                if let clean = item.clean {
                    #expect(swift.unicodeScalars.elementsEqual(clean.unicodeScalars), "\(item.name)")
                }
                for rule in Self.rules where rule.multiline == item.multiline {
                    let fits = try await database.query(
                        """
                        SELECT cfund_text_fits(\(item.text), \(rule.length.lowerBound)::int,
                                               \(rule.length.upperBound)::int, \(rule.multiline))
                        """)
                    let swiftAccepts = (try? rule.check(item.text).get()) != nil
                    #expect(try fits[0].decode(Bool.self) == swiftAccepts, "\(item.name): \(rule.field)")
                }
            }
        }
    }

    /// `cfund_text_fits` measures ASCII text without `cfund_clean` (0021): on generated texts of
    /// spaces, line ends, controls and letters, both ways must answer alike, at every bound.
    @Test func theFastPathAnswersAsTheCleanTextDoes() async throws {
        let alphabet: [String] = [
            " ", "\t", "\n", "\r", "\r\n", "\u{B}", "\u{C}", "\u{1}", "\u{1F}", "\u{7F}", "a", "Z", "é",
        ]
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let texts = (0..<2_000).map { index in
            let pieces = (0..<next(9)).map { _ in alphabet[next(index < 1_000 ? alphabet.count - 1 : alphabet.count)] }
            return pieces.joined()
        }
        try await withTestDatabase { database in
            let rows = try await database.query(
                """
                SELECT t, lo, m FROM unnest(\(texts)::text[]) t, generate_series(0, 4) lo, (VALUES (false), (true)) v(m)
                WHERE cfund_text_fits(t, lo, lo + 2, m) IS DISTINCT FROM (
                    char_length(cfund_clean(t, m)) BETWEEN lo AND lo + 2
                    AND cfund_clean(t, m) !~ CASE WHEN m THEN '[\\u0001-\\u0008\\u000B-\\u001F\\u007F-\\u009F]'
                                                  ELSE '[\\u0001-\\u001F\\u007F-\\u009F]' END)
                """)
            var disagreements: [String] = []
            for (text, low, multiline) in try rows.decode((String, Int, Bool).self) {
                disagreements.append("\(text.unicodeScalars.map { String($0.value, radix: 16) }) \(low) \(multiline)")
            }
            #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        }
    }

    @Test func boundariesAgreeOnBothSides() async throws {
        try await withTestDatabase { database in
            for rule in Self.rules {
                let bounds = [
                    rule.length.lowerBound - 1, rule.length.lowerBound, rule.length.upperBound,
                    rule.length.upperBound + 1,
                ].filter { $0 >= 0 }
                for count in bounds {
                    // Decomposed accents: twice as many code points typed as the clean text holds.
                    let text = " " + String(repeating: "e\u{301}", count: count) + "\u{200B}\n"
                    let fits = try await database.query(
                        """
                        SELECT cfund_text_fits(\(text), \(rule.length.lowerBound)::int, \(rule.length.upperBound)::int,
                                               \(rule.multiline))
                        """)
                    let swiftAccepts = (try? rule.check(text).get()) != nil
                    #expect(try fits[0].decode(Bool.self) == swiftAccepts, "\(rule.field) at \(count)")
                    #expect(swiftAccepts == rule.length.contains(count), "\(rule.field) at \(count)")
                }
            }
        }
    }

    @Test func storedTextIsCleanAndRefusalsNameTheField() async throws {
        try await withTestDatabase { database in
            let id = try await OrganisationRepository(database).add(
                Organisation(
                    name: "  French Tech Ile-de-Franc" + "e\u{301}\u{200B}\n", kind: .capital, city: "Paris",
                    country: "France", labels: []))
            let stored = try await database.query("SELECT name FROM organisations WHERE id = \(id)")
            #expect(try stored[0].decode(String.self) == "French Tech Ile-de-Franc\u{E9}")
            // Past the application's check, PostgreSQL refuses on its own and the refusal names the field.
            await #expect(
                throws: FundError.validation([
                    FieldIssue(
                        field: "name",
                        reason: "must be 1 to 200 characters of one line of text, without control characters")
                ])
            ) {
                try await database.query("UPDATE organisations SET name = E'\\u200B\\u202E ' WHERE id = \(id)")
            }
        }
    }
}

/// A submission's rules that Swift checks for the user's message and PostgreSQL holds: one table of
/// cases, each refused by both for the same field or accepted by both.
@Suite("Submission rules in Swift and in PostgreSQL")
struct SubmissionRulesTests {
    struct Rollback: Error {}

    static let valid = SubmissionContent(
        title: "Tremplin Lyon", summary: "Founders from every neighbourhood.", requested: Money(cents: 4_000_000),
        totalCost: Money(cents: 8_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
        contactEmail: "camille@lyon.example")

    static func with(_ change: (inout SubmissionContent) -> Void) -> SubmissionContent {
        var content = valid
        change(&content)
        return content
    }

    static let cases: [(refused: String?, content: SubmissionContent)] = [
        (nil, valid),
        (nil, with { $0.requested = $0.totalCost }),
        (nil, with { $0.title = "  Tri  \n" }),
        ("requestedCents", with { $0.requested = Money(cents: 0) }),
        ("requestedCents", with { $0.requested = Money(cents: 8_000_001) }),
        ("ambitions", with { $0.ambitions = [] }),
        ("title", with { $0.title = "ab" }),
        ("title", with { $0.title = String(repeating: "e\u{301}", count: 201) }),
        ("summary", with { $0.summary = String(repeating: "🇫🇷", count: 2_501) }),
        ("contact.name", with { $0.contactName = "\u{200B}" }),
        ("contact.email", with { $0.contactEmail = "nobody" }),
    ]

    @Test func bothSidesRefuseTheSameFieldOrNeither() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            for (refused, content) in Self.cases {
                let swift = SubmissionValidation.validate(content, maxRequest: nil).issues.map(\.field)
                #expect(swift == (refused.map { [$0] } ?? []), "\(swift)")
                var stored: String?
                do {
                    try await database.transaction { transaction in
                        try await transaction.query(
                            """
                            SELECT * FROM receive_submission(\(fixture.callId), \(fixture.lyon), NULL, 'x',
                                \(content.title), \(content.summary), \(content.requested.cents),
                                \(content.totalCost.cents), \(content.ambitions.map(\.rawValue)), \(content.contactName),
                                \(content.contactEmail))
                            """)
                        throw Rollback()
                    }
                } catch is Rollback {
                    stored = nil
                } catch FundError.validation(let issues) {
                    stored = issues.first?.field
                }
                #expect(stored == refused, "\(content)")
            }
        }
    }
}
