import Foundation
import FundCore
import FundMail
import PostgresNIO

/// One message of the outbox (Schema/0011), as written by the change that caused it.
public struct OutboxEntry: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case queued, sent, failed
    }

    public let id: Int64
    public let event: String
    public let template: String
    /// The identifiers the template needs (`submission`, `version`, ...).
    public let data: [String: Int64]
    /// The words it needs that are not identifiers (a sign-in link's secret).
    public let texts: [String: String]
    public let recipient: Mailbox
    public let language: Language
    public let messageId: String
    public let rendered: RenderedMail?
    public let status: Status
    public let attempts: Int
    public let nextAttemptAt: Date
    public let lastError: String?
    public let createdAt: Date
    public let sentAt: Date?

    /// The same message to be written anew in `language` (a preview in the other language).
    public func speaking(_ language: Language) -> OutboxEntry {
        OutboxEntry(
            id: id, event: event, template: template, data: data, texts: texts, recipient: recipient,
            language: language, messageId: messageId, rendered: nil, status: status, attempts: attempts,
            nextAttemptAt: nextAttemptAt, lastError: lastError, createdAt: createdAt, sentAt: sentAt)
    }
}

/// A message's words, in its recipient's language.
public struct RenderedMail: Sendable, Equatable {
    public let subject: String
    public let text: String
    public let html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// What one round of sending did.
public struct DeliveryTally: Sendable, Equatable {
    public var sent = 0
    /// Tried and to be tried again later (a temporary failure).
    public var deferred = 0
    public var failed = 0

    public init() {}
}

/// The outbox's sending side. Each message is claimed in its own transaction with `FOR UPDATE
/// SKIP LOCKED`, so any number of senders (every replica of `cfund serve`, a `cfund mail send`)
/// share the queue without sending a message twice; the row stays locked while the SMTP server
/// is spoken to, and is marked sent in the same transaction. A crash after the server accepted
/// the message and before the commit leaves it queued: it is sent again, with the same
/// Message-ID, and it is the only one that can be.
public struct Outbox: Sendable {
    let database: Database

    /// After this many temporary failures a message is marked failed.
    public static let maximumAttempts = 10

    public init(_ database: Database) {
        self.database = database
    }

    static let columns = """
        id, event, template, data::text, recipient, recipient_name, language, message_id, subject, text_body,
        html_body, status, attempts, next_attempt_at, last_error, created_at, sent_at
        """

    static func entry(_ row: PostgresRow) throws -> OutboxEntry {
        let (id, event, template, data, recipient, name, language, messageId, subject, text, html) = try row.decode(
            (Int64, String, String, String, String, String?, String, String, String?, String?, String?).self)
        let cells = Array(row)
        let status = try cells[11].decode(String.self)
        let attempts = try cells[12].decode(Int.self)
        let next = try cells[13].decode(Date.self)
        let error = try cells[14].decode(String?.self)
        let created = try cells[15].decode(Date.self)
        let sent = try cells[16].decode(Date?.self)
        let values = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
        return OutboxEntry(
            id: id, event: event, template: template,
            data: values.compactMapValues { ($0 as? NSNumber)?.int64Value },
            texts: values.compactMapValues { $0 as? String },
            recipient: Mailbox(recipient, name: name), language: Language(rawValue: language) ?? .fr,
            messageId: messageId,
            rendered: subject.map { RenderedMail(subject: $0, text: text ?? "", html: html ?? "") },
            status: OutboxEntry.Status(rawValue: status) ?? .queued, attempts: attempts, nextAttemptAt: next,
            lastError: error, createdAt: created, sentAt: sent)
    }

    /// Sends the messages that are due, at most `limit`, one transaction each.
    /// - Parameters:
    ///   - backoff: the wait after a first temporary failure, doubled at each further one (at
    ///     most an hour).
    ///   - render: the message's words, the first time it is sent.
    public func deliverDue(
        limit: Int = 100, from: Mailbox, transport: any MailTransport, backoff: Duration = .seconds(30),
        render: @escaping @Sendable (OutboxEntry) async throws -> RenderedMail
    ) async throws -> DeliveryTally {
        var tally = DeliveryTally()
        for _ in 0..<limit {
            let outcome: DeliveryOutcome? = try await database.transaction { transaction in
                let rows = try await transaction.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM mail_outbox
                    WHERE status = 'queued' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """)
                guard let row = rows.first else { return nil }
                return try await Self.deliver(
                    try Self.entry(row), from: from, transport: transport, backoff: backoff, render: render,
                    in: transaction)
            }
            switch outcome {
            case .none: return tally
            case .sent: tally.sent += 1
            case .deferred: tally.deferred += 1
            case .failed: tally.failed += 1
            }
        }
        return tally
    }

    enum DeliveryOutcome: Sendable { case sent, deferred, failed }

    /// What a sent sign-in message keeps in place of its link.
    static let linkRemoved = "[link-removed-once-sent]"

    private static func deliver(
        _ entry: OutboxEntry, from: Mailbox, transport: any MailTransport, backoff: Duration,
        render: @Sendable (OutboxEntry) async throws -> RenderedMail, in transaction: Transaction
    ) async throws -> DeliveryOutcome {
        let words: RenderedMail
        if let rendered = entry.rendered {
            words = rendered
        } else {
            do {
                words = try await render(entry)
            } catch {
                try await transaction.query(
                    """
                    UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1,
                        last_error = \("cannot render the message: \(error); fix the cause, then cfund mail retry \(entry.id)") WHERE id = \(entry.id)
                    """)
                return .failed
            }
            try await transaction.query(
                """
                UPDATE mail_outbox SET subject = \(words.subject), text_body = \(words.text), html_body = \(words.html)
                WHERE id = \(entry.id)
                """)
        }
        let message = MailMessage(
            messageId: entry.messageId, from: from, to: [entry.recipient], subject: words.subject, text: words.text,
            html: words.html, date: Date())
        do {
            // The deadline holds even if the server never answers: the row's lock must not be held forever.
            guard try await Deadline.run(within: .seconds(60), { try await transport.send(message) }) != nil else {
                throw MailDeliveryError.temporary("the SMTP server did not answer within 60 seconds")
            }
            // A sign-in link's secret leaves the database with the message: the copy kept says it was there.
            try await transaction.query(
                """
                UPDATE mail_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL,
                    text_body = CASE WHEN data ? 'link' THEN replace(text_body, data->>'link', \(Self.linkRemoved))
                                     ELSE text_body END,
                    html_body = CASE WHEN data ? 'link' THEN replace(html_body, data->>'link', \(Self.linkRemoved))
                                     ELSE html_body END,
                    data = data - 'link'
                WHERE id = \(entry.id)
                """)
            return .sent
        } catch MailDeliveryError.permanent(let answer) {
            try await transaction.query(
                "UPDATE mail_outbox SET status = 'failed', attempts = attempts + 1, last_error = \(answer) WHERE id = \(entry.id)"
            )
            return .failed
        } catch let error as MailDeliveryError {
            let attempts = entry.attempts + 1
            guard attempts < maximumAttempts else {
                try await transaction.query(
                    """
                    UPDATE mail_outbox SET status = 'failed', attempts = \(attempts),
                        last_error = \("gave up after \(attempts) attempts: \(error.answer)") WHERE id = \(entry.id)
                    """)
                return .failed
            }
            let wait = min(3_600, Self.seconds(backoff) * pow(2, Double(attempts - 1)))
            try await transaction.query(
                """
                UPDATE mail_outbox SET attempts = \(attempts), last_error = \(error.answer),
                    next_attempt_at = now() + make_interval(secs => \(wait)) WHERE id = \(entry.id)
                """)
            return .deferred
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The messages, newest first, by status and recipient when asked.
    public func list(
        status: OutboxEntry.Status? = nil, to recipient: String? = nil, template: String? = nil, limit: Int = 200
    ) async throws -> [OutboxEntry] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM mail_outbox
            WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(recipient)::text IS NULL OR lower(recipient) = lower(\(recipient)))
              AND (\(template)::text IS NULL OR template = \(template))
            ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Self.entry)
    }

    /// The decision letters about a submission, oldest first: one per decision or grant event
    /// (a contact changed by an amendment does not make the same letter twice).
    public func letters(submissionId: Int64) async throws -> [OutboxEntry] {
        try await database.query(
            """
            SELECT DISTINCT ON (event) \(unescaped: Self.columns) FROM mail_outbox
            WHERE (template LIKE 'decision.%' OR template LIKE 'grant.%')
              AND (data->>'submission')::bigint = \(submissionId)
            ORDER BY event, id
            """
        ).map(Self.entry).sorted { $0.id < $1.id }
    }

    public func find(_ id: Int64) async throws -> OutboxEntry {
        guard
            let entry = try await database.query("SELECT \(unescaped: Self.columns) FROM mail_outbox WHERE id = \(id)")
                .map(Self.entry).first
        else { throw FundError.notFound(kind: "message", reference: String(id)) }
        return entry
    }

    /// Queues a failed (or deferred) message again, due now; a sent one is not sent twice.
    public func retry(_ id: Int64) async throws -> OutboxEntry {
        let entry = try await find(id)
        guard entry.status != .sent else {
            throw FundError.conflict([
                FieldIssue(
                    field: "message",
                    reason:
                        "message \(id) was sent already and is never sent twice; cfund mail show \(id) shows what was sent"
                )
            ])
        }
        try await database.query(
            "UPDATE mail_outbox SET status = 'queued', next_attempt_at = now() WHERE id = \(id) AND status <> 'sent'")
        return try await find(id)
    }
}
