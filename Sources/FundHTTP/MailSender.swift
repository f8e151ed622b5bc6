import FundMail
import FundStore
import FundWeb
import Logging
import ServiceLifecycle

/// Sends the outbox's messages every `interval` while the server runs (what is left when it stops
/// waits in the outbox for the next server). Every replica may run one: messages are claimed with
/// `FOR UPDATE SKIP LOCKED`.
public struct MailSender: Service {
    let database: Database
    let transport: any MailTransport
    let from: Mailbox
    let publicURL: String
    let interval: Duration

    public init(database: Database, transport: any MailTransport, from: Mailbox, publicURL: String, interval: Duration)
    {
        self.database = database
        self.transport = transport
        self.from = from
        self.publicURL = publicURL
        self.interval = interval
    }

    /// The deadline reminders due now queued, then what is due, rendered in each recipient's
    /// language the first time, and sent. `templates` are read from disk when not given.
    public static func deliverDue(
        database: Database, transport: any MailTransport, from: Mailbox, publicURL: String, limit: Int = 1_000,
        templates: WebTemplates? = nil
    ) async throws -> DeliveryTally {
        try await DeadlineReminders(database).queueDue()
        let loaded: WebTemplates
        if let templates { loaded = templates } else { loaded = try await WebTemplates.load() }
        // A renderer per round: what it remembers of the calls (their rankings) is this round's.
        let renderer = MailRenderer(templates: loaded, database: database, publicURL: publicURL)
        return try await Outbox(database).deliverDue(limit: limit, from: from, transport: transport) { entry in
            try await renderer.render(entry)
        }
    }

    public func run() async throws {
        // Read once: the templates ship with the binary and do not change while it runs.
        let templates = try await WebTemplates.load()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await send(templates)
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func send(_ templates: WebTemplates) async {
        do {
            let tally = try await Self.deliverDue(
                database: database, transport: transport, from: from, publicURL: publicURL, limit: 100,
                templates: templates)
            if tally != DeliveryTally() {
                database.logger.info(
                    "mail sent",
                    metadata: ["sent": "\(tally.sent)", "deferred": "\(tally.deferred)", "failed": "\(tally.failed)"])
            }
        } catch {
            // The next round tries again; nothing is lost, the messages stay queued.
            database.logger.warning("mail not sent this round", metadata: ["error": "\(error)"])
        }
    }
}

/// Where and how `cfund serve` sends mail (CFUND_SMTP_URL, CFUND_MAIL_FROM, CFUND_PUBLIC_URL).
public struct MailSettings: Sendable {
    public let transport: any MailTransport
    public let from: Mailbox
    public let publicURL: String
    public let interval: Duration

    public init(transport: any MailTransport, from: Mailbox, publicURL: String, interval: Duration = .seconds(10)) {
        self.transport = transport
        self.from = from
        self.publicURL = publicURL
        self.interval = interval
    }
}
