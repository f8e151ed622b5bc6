import ArgumentParser
import Foundation
import FundCore
import FundHTTP
import FundMail
import FundReports
import FundStore
import FundWeb

struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "The outbox: what the Fund tells people by email, sent through CFUND_SMTP_URL.",
        discussion: """
            Every message is written in the same transaction as the change that causes it (a submission \
            received, amended or withdrawn), in the recipient's language, and sent by `cfund serve` or by \
            `cfund mail send`. A message is sent once: senders claim messages with FOR UPDATE SKIP LOCKED.
            """,
        subcommands: [Send.self, List.self, Show.self, Retry.self, Preview.self]
    )

    /// Who the Fund's messages come from: CFUND_MAIL_FROM, a plain address.
    static var sender: Mailbox {
        Mailbox(
            ProcessInfo.processInfo.environment["CFUND_MAIL_FROM"] ?? "ne-pas-repondre@cfund.frenchtech.example",
            name: "Fonds Communautés French Tech")
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the messages that are due, once, and stop (for setups without `cfund serve`).",
            discussion: """
                CFUND_SMTP_URL names the SMTP server: smtp://relay:25 (plain), \
                smtp+starttls://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS from \
                the first byte); the user and password percent-encoded; ?ca=/path/ca.pem trusts a private \
                certificate authority. A temporary failure (4xx, connection lost) is tried again later, waiting 30 s, \
                then twice as long each time, up to 10 attempts; a permanent one (5xx) marks the message failed \
                with the server's answer (`cfund mail list --status failed`, `cfund mail retry ID`).
                """)
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let url = ProcessInfo.processInfo.environment["CFUND_SMTP_URL"] else {
                throw ValidationError("Set CFUND_SMTP_URL to the SMTP server, e.g. smtp://127.0.0.1:25.")
            }
            let transport = try SMTPClient(url: url)
            let tally = try await database.withDatabase { database in
                try await MailSender.deliverDue(
                    database: database, transport: transport, from: MailCommand.sender, publicURL: PortalLinks.base)
            }
            print("Sent \(tally.sent), to try again later \(tally.deferred), failed \(tally.failed).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the messages, newest first.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "queued, sent or failed.") var status: String?
        @Option(help: "Only the messages to this address.") var to: String?

        func run() async throws {
            let chosen = try status.map { text in
                guard let status = OutboxEntry.Status(rawValue: text) else {
                    throw ValidationError("--status: use queued, sent or failed.")
                }
                return status
            }
            let recipient = to
            let entries = try await database.withDatabase { database in
                try await Outbox(database).list(status: chosen, to: recipient)
            }
            let listing = Listing(
                columns: ["id", "status", "to", "template", "language", "attempts", "created", "last error"],
                rows: entries.map {
                    [
                        String($0.id), $0.status.rawValue, $0.recipient.address, $0.template, $0.language.rawValue,
                        String($0.attempts), LocalTime.format($0.createdAt, in: LocalTime.paris), $0.lastError ?? "",
                    ]
                },
                json: entries.map {
                    [
                        "id": .integer($0.id), "status": .string($0.status.rawValue),
                        "to": .string($0.recipient.address), "template": .string($0.template),
                        "language": .string($0.language.rawValue), "attempts": .integer(Int64($0.attempts)),
                        "messageId": .string($0.messageId), "lastError": JSONValue($0.lastError),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a message as it was (or will be) sent: headers and plain text.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Message id (cfund mail list).") var id: Int64

        func run() async throws {
            let id = id
            let (entry, words) = try await database.withDatabase { database in
                let entry = try await Outbox(database).find(id)
                if let rendered = entry.rendered { return (entry, rendered) }
                let renderer = MailRenderer(
                    templates: try await WebTemplates.load(), database: database, publicURL: PortalLinks.base)
                return (entry, try await renderer.render(entry))
            }
            print("Message-ID: \(entry.messageId)")
            print("To: \(entry.recipient.name.map { "\($0) " } ?? "")<\(entry.recipient.address)>")
            print("Subject: \(words.subject)")
            print(
                "Status: \(entry.status.rawValue), \(entry.attempts) attempt(s)\(entry.lastError.map { "; last error: \($0)" } ?? "")"
            )
            print("")
            print(words.text, terminator: "")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a failed message again, to be sent at the next round.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Message id (cfund mail list --status failed).") var id: Int64

        func run() async throws {
            let id = id
            let entry = try await database.withDatabase { database in try await Outbox(database).retry(id) }
            print("Message \(entry.id) to \(entry.recipient.address) is queued again.")
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a message as a template writes it, in French or English, on the newest such message.",
            discussion: """
                The example is the newest message of that kind in the database (after `cfund demo`, every \
                kind has one), written anew in the language asked; nothing is sent or changed. Templates: \
                submission.received, submission.amended, submission.withdrawn, decision.funded, \
                decision.partially_funded, decision.reserve, decision.rejected, grant.promoted, grant.declined, \
                reminder.deadline, reminder.reviews, review.assigned, review.reopened, sign-in.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The template, e.g. decision.rejected.") var template: String
        @Option(help: "fr or en.") var lang: String = "fr"
        @Flag(help: "Print the HTML instead of the plain text.") var html = false

        func run() async throws {
            guard let language = Language(rawValue: lang) else { throw ValidationError("--lang: use fr or en.") }
            let (template, html) = (template, html)
            let words = try await database.withDatabase { database in
                guard let example = try await Outbox(database).list(template: template, limit: 1).first else {
                    throw ValidationError(
                        "No \(template) message yet to preview it on; run `cfund demo` or check the name (cfund mail preview --help)."
                    )
                }
                let renderer = MailRenderer(
                    templates: try await WebTemplates.load(), database: database, publicURL: PortalLinks.base)
                return try await renderer.render(example.speaking(language))
            }
            print("Subject: \(words.subject)\n")
            print(html ? words.html : words.text, terminator: "")
        }
    }
}
