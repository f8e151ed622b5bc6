import Foundation
import FundMail
import FundTestSupport
import Testing

/// The SMTP client against a real SMTP conversation over TCP (`MailSink`): TLS after STARTTLS and
/// from the first byte, with a certificate the client must be told to trust; AUTH PLAIN and
/// LOGIN; and what it says when the server, its certificate or the password is not right.
@Suite("SMTP: TLS and AUTH")
struct SMTPClientTests {
    static let message = MailMessage(
        messageId: "<test-1@cfund.example>", from: Mailbox("ne-pas-repondre@cfund.example"),
        to: [Mailbox("camille@lyon.example", name: "Camille Martin")], subject: "Dossier reçu",
        text: "Bonjour,\n.ligne qui commence par un point", html: "<p>Bonjour</p>", date: Date())

    static func withServer(
        _ mode: MailSink.Security.Mode, mechanisms: [String] = ["PLAIN", "LOGIN"],
        _ body: (MailSink, TestCertificate) async throws -> Void
    ) async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let sink = try await MailSink(
            security: .init(mode, certificate: certificate.certificate, key: certificate.key),
            account: .init(user: "cfund@relay.example", password: "p@ss:wörd/1", mechanisms: mechanisms))
        do {
            try await body(sink, certificate)
        } catch {
            await sink.close()
            throw error
        }
        await sink.close()
    }

    static let password = "p%40ss%3Aw%C3%B6rd%2F1"

    @Test func startTLSThenAuthPlain() async throws {
        try await Self.withServer(.startTLS) { sink, certificate in
            let client = try SMTPClient(
                url: "smtp+starttls://cfund%40relay.example:\(Self.password)@127.0.0.1:\(sink.port)"
                    + "?ca=\(certificate.certificate)")
            try await client.send(Self.message)
            let received = try #require(sink.received.first)
            #expect(received.overTLS && received.user == "cfund@relay.example" && sink.received.count == 1)
            #expect(received.to == ["camille@lyon.example"])
            #expect(received.data.contains("Message-ID: <test-1@cfund.example>"))
        }
    }

    @Test func implicitTLSThenAuthLogin() async throws {
        try await Self.withServer(.implicitTLS, mechanisms: ["LOGIN"]) { sink, certificate in
            let client = try SMTPClient(
                url:
                    "smtps://cfund%40relay.example:\(Self.password)@localhost:\(sink.port)?ca=\(certificate.certificate)"
            )
            try await client.send(Self.message)
            #expect(sink.received.map(\.overTLS) == [true])
            #expect(sink.received.first?.user == "cfund@relay.example")
        }
    }

    @Test func anUntrustedCertificateIsATemporaryFailureThatSaysWhatToDo() async throws {
        try await Self.withServer(.startTLS) { sink, _ in
            let client = try SMTPClient(url: "smtp+starttls://cfund%40relay.example:x@127.0.0.1:\(sink.port)")
            let error = await #expect(throws: MailDeliveryError.self) { try await client.send(Self.message) }
            guard case .temporary(let text) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(text.contains("?ca="), "\(text)")
            #expect(sink.received.isEmpty)
        }
    }

    @Test func aRefusedPasswordKeepsTheMessagesWaiting() async throws {
        try await Self.withServer(.startTLS) { sink, certificate in
            let client = try SMTPClient(
                url: "smtp+starttls://cfund%40relay.example:wrong@127.0.0.1:\(sink.port)?ca=\(certificate.certificate)")
            let error = await #expect(throws: MailDeliveryError.self) { try await client.send(Self.message) }
            guard case .temporary(let text) = error else { Issue.record("\(String(describing: error))"); return }
            #expect(text.contains("535") && text.contains("CFUND_SMTP_URL"), "\(text)")
            #expect(sink.received.isEmpty)
        }
    }

    @Test func aServerWithoutStartTLSIsNotSpokenToInClear() async throws {
        let sink = try await MailSink()
        defer { Task { await sink.close() } }
        let client = try SMTPClient(url: "smtp+starttls://u:p@127.0.0.1:\(sink.port)")
        let error = await #expect(throws: MailDeliveryError.self) { try await client.send(Self.message) }
        #expect(error?.answer.contains("does not offer STARTTLS") == true, "\(String(describing: error))")
        #expect(sink.received.isEmpty)
    }

    @Test func theURLSaysHowAndRefusesWhatWouldLeakThePassword() throws {
        let plain = try SMTPServerAddress(url: "smtp://relay.internal")
        #expect(plain == SMTPServerAddress(host: "relay.internal", port: 25))
        let submission = try SMTPServerAddress(url: "smtp+starttls://me%40fund.fr:s%C3%A9same@smtp.fund.fr")
        #expect(submission.port == 587 && submission.security == .startTLS)
        #expect(submission.credentials == .init(user: "me@fund.fr", password: "sésame"))
        #expect(submission.description == "smtp+starttls://me@fund.fr@smtp.fund.fr:587")
        let implicit = try SMTPServerAddress(url: "smtps://smtp.fund.fr?ca=/etc/ssl/fund-ca.pem")
        #expect(implicit.port == 465 && implicit.trustedCertificates == "/etc/ssl/fund-ca.pem")
        for wrong in [
            "smtp://me:secret@relay.internal", "http://relay.internal", "smtp://", "smtps://u@host",
            "smtps://host/path", "smtps://host?verify=no", "smtp://host?ca=/x.pem",
        ] {
            #expect(throws: MailDeliveryError.self, "\(wrong)") { try SMTPServerAddress(url: wrong) }
        }
        #expect(throws: MailDeliveryError.self) { try SMTPClient(url: "smtps://host?ca=/no/such/file.pem") }
    }
}
