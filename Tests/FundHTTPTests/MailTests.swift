import Foundation
import FundCore
import FundHTTP
import FundMail
import FundStore
import FundTestSupport
import FundWeb
import Testing

/// The outbox against a real SMTP conversation (`MailSink`, a server of our own speaking the
/// protocol over TCP): written with the change, sent once by concurrent senders, retried after a
/// temporary failure, failed with the server's answer, rendered in the recipient's language.
@Suite("Mail: the outbox and SMTP")
struct MailTests {
    static let from = Mailbox("ne-pas-repondre@cfund.example", name: "Fonds Communautés French Tech")

    static func content(title: String = "Tremplin Lyon 2025", email: String = "camille@lyon.example")
        -> SubmissionContent
    {
        SubmissionContent(
            title: title, summary: "Des fondateurs de tous les quartiers.", requested: Money(cents: 4_500_000),
            totalCost: Money(cents: 9_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
            contactEmail: email)
    }

    /// The plain-text part of a message as the sink received it.
    static func text(_ data: String) -> String {
        let parts = data.components(separatedBy: "Content-Type: text/plain; charset=utf-8\r\n")
        guard parts.count > 1 else { return "" }
        let body = parts[1].components(separatedBy: "\r\n\r\n").dropFirst().first ?? ""
        let encoded = body.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
        return Data(base64Encoded: encoded).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    @Test func eachChangeWritesItsMessageAndARefusedOneWritesNone() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let organisations = OrganisationRepository(database)
            let lyon = try await organisations.find(String(fixture.lyon))
            let submissions = SubmissionRepository(database)
            let received = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: Self.content(), idempotencyKey: "k")
            // A retry of the same request is the same submission: no second message.
            _ = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: Self.content(), idempotencyKey: "k")
            let id = received.submission.id
            _ = try await submissions.amend(
                id, organisationId: lyon.id, content: Self.content(title: "Tremplin Lyon 2026"))
            _ = try await submissions.withdraw(id, organisationId: lyon.id)
            let messages = try await Outbox(database).list().reversed().map { ($0.template, $0.recipient.address) }
            #expect(
                messages.map(\.0) == ["submission.received", "submission.amended", "submission.withdrawn"],
                "\(messages)")
            #expect(messages.allSatisfy { $0.1 == "camille@lyon.example" })

            // Refused by the database (past the deadline): nothing happened, nothing is told.
            try await SimulatedClock(database).set(fixture.closesAt)
            await #expect(throws: FundError.self) {
                _ = try await submissions.receive(
                    callId: fixture.callId, organisation: lyon, content: Self.content(title: "Too late"),
                    idempotencyKey: nil)
            }
            #expect(try await database.count("SELECT count(*)::bigint FROM mail_outbox") == 3)
        }
    }

    @Test func twoSendersSendEveryMessageOnce() async throws {
        try await withTestDatabase { database in
            try await database.query(
                """
                INSERT INTO mail_outbox (event, template, recipient)
                SELECT 'test:' || g, 'test', 'person' || g || '@example.org' FROM generate_series(1, 40) g
                """)
            let sink = try await MailSink()
            let transport = SMTPClient(host: "127.0.0.1", port: sink.port)
            let render: @Sendable (OutboxEntry) async throws -> RenderedMail = { entry in
                RenderedMail(subject: "Test \(entry.id)", text: "Bonjour", html: "<p>Bonjour</p>")
            }
            async let first = Outbox(database).deliverDue(from: Self.from, transport: transport, render: render)
            async let second = Outbox(database).deliverDue(from: Self.from, transport: transport, render: render)
            let (a, b) = try await (first, second)
            #expect(a.sent + b.sent == 40)
            let ids = sink.received.compactMap { message in
                message.data.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: ") }
            }
            #expect(ids.count == 40 && Set(ids).count == 40)
            #expect(try await database.count("SELECT count(*)::bigint FROM mail_outbox WHERE status = 'sent'") == 40)
            await sink.close()
        }
    }

    @Test func aTemporaryFailureIsRetriedAndAPermanentOneKeepsTheAnswer() async throws {
        try await withTestDatabase { database in
            try await database.query(
                """
                INSERT INTO mail_outbox (event, template, recipient) VALUES
                    ('test:1', 'test', 'busy@example.org'), ('test:2', 'test', 'nobody@example.org')
                """)
            let sink = try await MailSink()
            sink.failTemporarily(next: 1)
            sink.refuse("nobody@example.org")
            let outbox = Outbox(database)
            let render: @Sendable (OutboxEntry) async throws -> RenderedMail = { _ in
                RenderedMail(subject: "Test", text: "Bonjour", html: "<p>Bonjour</p>")
            }
            // With no wait between attempts the 451 is followed at once by the second try.
            let tally = try await outbox.deliverDue(
                from: Self.from, transport: SMTPClient(host: "127.0.0.1", port: sink.port), backoff: .zero,
                render: render)
            #expect(tally.sent == 1 && tally.failed == 1 && tally.deferred == 1, "\(tally)")
            let busy = try await outbox.find(1)
            #expect(busy.status == .sent && busy.attempts == 2)
            let nobody = try await outbox.find(2)
            #expect(
                nobody.status == .failed && nobody.lastError?.hasPrefix("550") == true,
                "\(String(describing: nobody.lastError))")
            #expect(sink.received.map(\.to) == [["busy@example.org"]])

            // Retried by hand once the address is fixed at the other end; a sent message is never resent.
            let queued = try await outbox.retry(2)
            #expect(queued.status == .queued)
            await #expect(throws: FundError.self) { _ = try await outbox.retry(1) }

            // An unreachable server: the message waits for the next round, nothing is lost.
            let closed = SMTPClient(host: "127.0.0.1", port: 1)
            let unreachable = try await outbox.deliverDue(from: Self.from, transport: closed, render: render)
            #expect(unreachable.deferred == 1)
            #expect(try await outbox.find(2).status == .queued)
            await sink.close()
        }
    }

    @Test func messagesAreWrittenInTheRecipientsLanguageWithTheirHTMLEscaped() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            let nice = try await OrganisationRepository(database).find(String(fixture.nice))
            _ = try await ContactRepository(database).invite(
                organisationId: nice.id, name: "Kim Lee", email: "kim@nice.example", language: .en)
            let submissions = SubmissionRepository(database)
            let french = try await submissions.receive(
                callId: fixture.callId, organisation: lyon, content: Self.content(title: "<b>Tremplin</b> & co"),
                idempotencyKey: nil)
            _ = try await submissions.receive(
                callId: fixture.callId, organisation: nice,
                content: Self.content(title: "Founders Week", email: "kim@nice.example"), idempotencyKey: nil)
            let sink = try await MailSink()
            let tally = try await MailSender.deliverDue(
                database: database, transport: SMTPClient(host: "127.0.0.1", port: sink.port), from: Self.from,
                publicURL: "https://cfund.example")
            #expect(tally.sent == 3, "two receipts and Kim's sign-in link")
            let outbox = try await Outbox(database).list().reversed().filter { $0.template.hasPrefix("submission.") }
            let fr = try #require(outbox.first?.rendered)
            #expect(fr.subject == "Dossier reçu : <b>Tremplin</b> & co")
            #expect(fr.html.contains("&lt;b&gt;Tremplin&lt;/b&gt; &amp; co") && !fr.html.contains("<b>Tremplin"))
            #expect(fr.html.contains("lang=\"fr\""))
            let receipt = Digest.sha256(try await submissions.find(french.submission.id).receiptText)
            #expect(fr.text.contains("Empreinte du récépissé (SHA-256) : \(receipt)"))
            #expect(fr.text.contains("https://cfund.example/applications/\(french.submission.id)/receipt"))
            #expect(fr.text.contains("Somme demandée : " + Message.render(.money(Money(cents: 4_500_000)), in: .fr)))
            let en = try #require(outbox.last?.rendered)
            #expect(en.subject == "Application received: Founders Week")
            #expect(en.text.contains("Amount requested: €45,000.00\n"), "\(en.text)")

            // What the SMTP server received is that text, with the subject encoded for mail headers.
            let delivered = try #require(sink.received.first { $0.to == ["camille@lyon.example"] })
            #expect(Self.text(delivered.data) == fr.text)
            #expect(delivered.data.contains("Subject: =?UTF-8?B?"))

            // Kim's sign-in link went out, and the database no longer holds it.
            #expect(
                sink.received.contains { $0.to == ["kim@nice.example"] && Self.text($0.data).contains("/sign-in/cfl_") }
            )
            let signIn = try #require(try await Outbox(database).list(template: "sign-in").first)
            #expect(signIn.status == .sent && signIn.texts["link"] == nil)
            #expect(signIn.rendered?.text.contains("/sign-in/[link-removed-once-sent]") == true)
            #expect(signIn.rendered?.html.contains("cfl_") == false && signIn.rendered?.text.contains("cfl_") == false)
            await sink.close()
        }
    }

    @Test func aDecisionWritesItsLettersAndADeclineIsAcknowledged() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let grant = try #require(
                try await AllocationRepository(database).grants(callId: fixture.decidedCallId).first)
            _ = try await AllocationRepository(database).decline(grantId: grant.id, reason: "pas de cofinancement")
            let sink = try await MailSink()
            let tally = try await MailSender.deliverDue(
                database: database, transport: SMTPClient(host: "127.0.0.1", port: sink.port), from: Self.from,
                publicURL: "https://cfund.example")
            await sink.close()
            // 4 receipts, 3 reviewers told of their work in each call, 5 sign-in links, 2 letters,
            // the decline.
            #expect(tally.failed == 0 && tally.sent == 18, "\(tally)")
            let links = try await Outbox(database).list().filter { $0.template == "sign-in" }
            #expect(links.count == 5)
            let alice = try #require(links.first { $0.recipient.address == "alice@example.org" }?.rendered)
            #expect(
                sink.received.contains {
                    $0.to == ["alice@example.org"]
                        && Self.text($0.data).contains("https://cfund.example" + fixture.aliceLink)
                })
            #expect(alice.text.contains("https://cfund.example/sign-in/[link-removed-once-sent]"))
            #expect(alice.subject == "Votre lien de connexion au Fonds Communautés French Tech")
            let assigned = try await Outbox(database).list().filter { $0.template == "review.assigned" }
            #expect(assigned.count == 6)
            #expect(assigned.allSatisfy { $0.rendered?.text.contains("https://cfund.example/review") == true })
            // Bruno got two submissions in the call in review, in one assignment: one message says so.
            let bruno = try #require(
                assigned.first { $0.recipient.address == "bruno@example.org" && $0.data["call"] == fixture.callId })
            #expect(
                bruno.rendered?.text.contains("2 dossier(s) de l'appel") == true,
                "\(String(describing: bruno.rendered))")
            let letters = try await Outbox(database).list().filter { $0.template.hasPrefix("decision.") }
            #expect(letters.map(\.template) == ["decision.funded", "decision.funded"])
            let funded = try #require(letters.first?.rendered)
            #expect(funded.subject.hasPrefix("Décision : « ") && funded.subject.hasSuffix(" » est financé"))
            #expect(funded.text.contains("Prochaines étapes : une convention attributive de subvention"))
            #expect(
                funded.text.contains("Somme accordée : " + Message.render(.money(Money(cents: 4_000_000)), in: .fr)))
            let declined = try #require(try await Outbox(database).list().first { $0.template == "grant.declined" })
            #expect(declined.rendered?.text.contains("renonce à la subvention") == true)

            // Two days before the review deadline, reviewers with reviews to finalise are reminded, once.
            let calls = CallRepository(database)
            let due = try await calls.find(id: fixture.callId).closesAt.addingTimeInterval(10 * 86_400)
            _ = try await calls.setReviewDeadline(String(fixture.callId), until: due)
            try await SimulatedClock(database).set(due.addingTimeInterval(-86_400))
            #expect(try await DeadlineReminders(database).queueDue() == 3)
            #expect(try await DeadlineReminders(database).queueDue() == 0)

            // A final review reopened: its reviewer is told why.
            let scores = ["impact": 4.0, "ambitions": 3.5, "feasibility": 3.0, "inclusion": 5.0]
            let grid = try await CallRepository(database).find(id: fixture.callId).grid
            try await ReviewRepository(database).save(
                assignmentId: fixture.brunoOnLyon,
                reviewerId: try await database.count(
                    "SELECT reviewer_id FROM assignments WHERE id = \(fixture.brunoOnLyon)"),
                scores: scores, comments: [:], final: true, grid: grid)
            try await ReviewRepository(database).reopen(
                assignmentId: fixture.brunoOnLyon, reason: "note de faisabilité à revoir")
            let sink2 = try await MailSink()
            _ = try await MailSender.deliverDue(
                database: database, transport: SMTPClient(host: "127.0.0.1", port: sink2.port), from: Self.from,
                publicURL: "https://cfund.example")
            await sink2.close()
            let reminded = try await Outbox(database).list(template: "reminder.reviews")
            #expect(
                reminded.allSatisfy { $0.status == .sent && $0.rendered?.text.contains("à rendre définitive") == true })
            let reopened = try #require(try await Outbox(database).list().first { $0.template == "review.reopened" })
            #expect(reopened.recipient.address == "bruno@example.org")
            #expect(
                reopened.rendered?.text.contains("note de faisabilité à revoir") == true,
                "\(String(describing: reopened.rendered))")
        }
    }

    @Test func remindersGoOnceToThoseWhoMayApplyAndHaveNot() async throws {
        try await withTestDatabase { database in
            let fixture = try await IntakeFixture.make(database)
            let contacts = ContactRepository(database)
            _ = try await contacts.invite(
                organisationId: fixture.lyon, name: "Camille Martin", email: "camille@lyon.example")
            _ = try await contacts.invite(
                organisationId: fixture.nice, name: "Kim Lee", email: "kim@nice.example", language: .en)
            let tokyo = try await database.count("SELECT id FROM organisations WHERE name = 'French Tech Tokyo'")
            _ = try await contacts.invite(organisationId: tokyo, name: "Kenji Sato", email: "kenji@tokyo.example")
            let clock = SimulatedClock(database)
            let reminders = DeadlineReminders(database)
            try await clock.set(fixture.closesAt.addingTimeInterval(-8 * 86_400))
            #expect(try await reminders.queueDue() == 0)

            // A week before: Lyon and Côte d'Azur may apply; Tokyo may not (a Community abroad).
            try await clock.set(fixture.closesAt.addingTimeInterval(-6 * 86_400))
            #expect(try await reminders.queueDue() == 2)
            // Again, as another server or after a restart would: nothing new.
            #expect(try await DeadlineReminders(database).queueDue() == 0)

            // Lyon applies; the day before, only Côte d'Azur is reminded again.
            let lyon = try await OrganisationRepository(database).find(String(fixture.lyon))
            _ = try await SubmissionRepository(database).receive(
                callId: fixture.callId, organisation: lyon, content: Self.content(), idempotencyKey: nil)
            try await clock.set(fixture.closesAt.addingTimeInterval(-12 * 3_600))
            #expect(try await reminders.queueDue() == 1)
            let sink = try await MailSink()
            let tally = try await MailSender.deliverDue(
                database: database, transport: SMTPClient(host: "127.0.0.1", port: sink.port), from: Self.from,
                publicURL: "https://cfund.example")
            await sink.close()
            #expect(tally.failed == 0)
            let sent = try await Outbox(database).list().filter { $0.template == "reminder.deadline" }
            #expect(
                sent.map(\.recipient.address).sorted() == [
                    "camille@lyon.example", "kim@nice.example", "kim@nice.example",
                ])
            let lastDay = try #require(sent.first?.rendered)
            #expect(
                lastDay.subject == "1 day(s) left to apply to \u{201C}Financing 2024 for French Tech Capitals\u{201D}")
            #expect(lastDay.text.contains("closes on"))
        }
    }

    @Test func granteesAreRemindedOfTheirFinalReportOnceBeforeAndOnceLate() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let clock = SimulatedClock(database)
            let reminders = DeadlineReminders(database)
            func queued() async throws -> [String] {
                try await Outbox(database).list(template: "reminder.final_report").map(\.event).sorted()
            }
            // Decided in December 2024: due by 30 June 2025; nothing before 31 May.
            try await clock.set(try LocalTime.instant("2025-05-30 12:00", in: LocalTime.paris))
            try await reminders.queueDue()
            #expect(try await queued().isEmpty)
            try await clock.set(try LocalTime.instant("2025-06-02 09:00", in: LocalTime.paris))
            try await reminders.queueDue()
            try await reminders.queueDue()
            let grants = try await FinanceRepository(database).accounts(callId: fixture.decidedCallId)
            #expect(try await queued() == grants.map { "final-report-due:\($0.id):30d" }.sorted())
            // Lyon files in time; Côte d'Azur is late and hears it once.
            let lyon = try #require(grants.first { $0.submissionId == fixture.lyonFunded })
            _ = try await FinalReportRepository(database).file(
                grantId: lyon.id, organisationId: nil, actualCost: Money(cents: 8_000_000), spending: [],
                narrative: "Fait.")
            try await clock.set(try LocalTime.instant("2025-07-01 09:00", in: LocalTime.paris))
            try await reminders.queueDue()
            try await reminders.queueDue()
            let late = try await queued().filter { $0.hasSuffix(":late") }
            #expect(late == grants.filter { $0.id != lyon.id }.map { "final-report-due:\($0.id):late" })
            let renderer = MailRenderer(templates: try await WebTemplates.load(), database: database, publicURL: "")
            let message = try await renderer.render(
                try #require(try await Outbox(database).list(template: "reminder.final_report").first))
            #expect(message.subject == "Compte rendu financier en retard : « Azur Talent Days »", "\(message.subject)")
            #expect(message.text.contains("était attendu le 30/06/2025"))
        }
    }
}
