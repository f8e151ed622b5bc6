import Foundation
import FundCore
import FundStore

/// The words of the outbox's messages, in the recipient's language: a subject, a plain-text body
/// and an HTML body made from the same parts (the HTML escaped by the template engine).
public struct MailRenderer: Sendable {
    let templates: WebTemplates
    let database: Database
    /// Where links in messages point (CFUND_PUBLIC_URL).
    let publicURL: String

    public init(templates: WebTemplates, database: Database, publicURL: String) {
        self.templates = templates
        self.database = database
        self.publicURL = publicURL
    }

    /// One message's parts, before they are written as text and as HTML.
    struct Parts {
        struct Fact {
            let label: String
            let value: String
        }

        struct Link {
            let label: String
            let url: String
        }

        let language: String
        let fund: String
        let subject: String
        let greeting: String
        let paragraphs: [String]
        let facts: [Fact]
        let link: Link?
        let footer: String
    }

    public func render(_ entry: OutboxEntry) async throws -> RenderedMail {
        let parts: Parts
        switch entry.template {
        case "submission.received", "submission.amended", "submission.withdrawn":
            parts = try await submission(entry)
        default:
            throw FundError.notFound(kind: "mail template", reference: entry.template)
        }
        return RenderedMail(
            subject: parts.subject, text: Self.text(parts), html: try templates.render(parts, template: "mail/message"))
    }

    static func text(_ parts: Parts) -> String {
        var blocks = [parts.greeting] + parts.paragraphs
        let colon = parts.language == "fr" ? " : " : ": "
        if !parts.facts.isEmpty {
            blocks.append(parts.facts.map { $0.label + colon + $0.value }.joined(separator: "\n"))
        }
        if let link = parts.link { blocks.append(link.label + (parts.language == "fr" ? " :" : ":") + "\n" + link.url) }
        blocks.append("-- \n" + parts.footer)
        return blocks.joined(separator: "\n\n") + "\n"
    }

    private func submission(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let id = entry.data["submission"] ?? 0
        let version = Int(entry.data["version"] ?? 0)
        let submission = try await SubmissionRepository(database).find(id)
        let call = try await CallRepository(database).find(id: submission.callId)
        // The version the message is about; a later amendment does not change what it said.
        let current = submission.version == version
        let history = current ? [] : try await SubmissionRepository(database).history(id)
        let content =
            current ? submission.content : (history.first { $0.version == version }?.content ?? submission.content)
        let receivedAt =
            current
            ? submission.receivedAt : (history.first { $0.version == version }?.receivedAt ?? submission.receivedAt)
        let happened = entry.template.replacingOccurrences(of: "submission.", with: "")
        let values: [String: Message.Value] = [
            "title": .text(content.title), "organisation": .text(submission.organisationName),
            "call": .text(call.title),
            "version": .number(version),
        ]
        func say(_ key: String) -> String { Message(key, values).text(in: language) }
        var facts = [
            Parts.Fact(
                label: wording.text("mail_fact_submission"), value: "\(id) · \(wording.text("web_version")) \(version)"),
            Parts.Fact(label: wording.text("mail_fact_requested"), value: wording.money(content.requested)),
        ]
        var link: Parts.Link?
        if happened != "withdrawn" {
            facts.insert(
                Parts.Fact(
                    label: wording.text("mail_fact_received"),
                    value: wording.moment(receivedAt, zone: call.zone, milliseconds: true)),
                at: 1)
            if current {
                facts.append(
                    Parts.Fact(label: wording.text("mail_fact_receipt"), value: Digest.sha256(submission.receiptText)))
            }
            link = Parts.Link(
                label: wording.text("mail_receipt_link"), url: "\(publicURL)/applications/\(id)/receipt")
        }
        return Parts(
            language: language.rawValue, fund: wording.text("web_site"), subject: say("mail_\(happened)_subject"),
            greeting: Message("mail_greeting", ["name": .text(entry.recipient.name ?? entry.recipient.address)])
                .text(in: language),
            paragraphs: [say("mail_\(happened)_lead")], facts: facts, link: link, footer: wording.text("mail_footer"))
    }
}
