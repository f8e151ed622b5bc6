import Foundation
import FundCore
import PostgresNIO

/// A submission as the programme team lists it.
public struct SubmissionSummary: Sendable, Equatable {
    public let id: Int64
    public let organisationId: Int64
    public let organisation: String
    public let title: String
    public let requested: Money
    public let version: Int
    public let receivedAt: Date
    public let status: SubmissionStatus
}

/// Submissions in PostgreSQL. The database decides whether a change is on time (its clock,
/// `cfund_now()`), holds the per-organisation cap, and makes idempotent retries safe; this type
/// maps its refusals to domain errors.
public struct SubmissionRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Receives a submission with its files (already stored, the organisation's own, checked
    /// against the call's rules by the caller); `replayed` is true when an earlier request with
    /// the same idempotency key, content and files created it. `actor` is who the audit trail
    /// records; `arrival` is when the request was complete, so that the time of receipt does not
    /// count its wait.
    /// - Parameter batcher: where a submission without files waits to be received with others
    ///   that arrive at the same moment (the API's intake); nil receives it alone.
    public func receive(
        callId: Int64, organisation: Organisation, content: SubmissionContent, idempotencyKey: String?,
        attachments: [AttachmentSummary] = [], actor: String? = nil, arrival: Arrival = Arrival(),
        batcher: IntakeBatcher? = nil
    ) async throws -> (submission: Submission, replayed: Bool) {
        let fingerprint = Digest.sha256(
            (["call=\(callId)", content.canonicalText] + attachments.map(\.receiptLine).sorted()).joined(
                separator: "\n"))
        let statement = ReceiveStatement(
            callId: callId, organisationId: organisation.id, key: idempotencyKey, fingerprint: fingerprint,
            content: content, actor: actor, arrival: arrival)
        func receive(on connection: Transaction) async throws -> [ReceiveStatement.Row] {
            try await connection.execute(statement)
        }
        let rows: [ReceiveStatement.Row]
        if attachments.isEmpty, let batcher {
            rows = [try await batcher.receive(statement)]
        } else if attachments.isEmpty {
            rows = try await database.withConnection { try await receive(on: $0) }
        } else {
            // The submission and its files are one fact: recorded together or not at all.
            rows = try await database.transaction { transaction in
                let rows = try await receive(on: transaction)
                if let (id, replayed, version, _, _, _) = rows.first, !replayed {
                    try await AttachmentRepository(transaction).link(attachments, submissionId: id, version: version)
                }
                return rows
            }
        }
        guard let (id, replayed, version, status, receivedAt, firstReceivedAt) = rows.first else {
            throw FundError.database("The submission was not recorded; try again with the same Idempotency-Key.")
        }
        // A replay may have been amended since: show what is stored, not what was resent.
        if replayed { return (try await find(id, organisationId: organisation.id), true) }
        let submission = Submission(
            id: id, callId: callId, organisationId: organisation.id, organisationName: organisation.name,
            status: SubmissionStatus(rawValue: status) ?? .submitted, version: version, content: content,
            receivedAt: receivedAt, firstReceivedAt: firstReceivedAt, attachments: attachments)
        return (submission, false)
    }

    /// A submission with its current version; with `organisationId`, only if it is theirs.
    public func find(_ id: Int64, organisationId: Int64? = nil) async throws -> Submission {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM submissions s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.id = \(id) AND (\(organisationId)::bigint IS NULL OR s.organisation_id = \(organisationId))
            """)
        guard let row = rows.first else { throw FundError.notFound(kind: "submission", reference: String(id)) }
        var submission = try Self.submission(row)
        submission.attachments = try await AttachmentRepository(database).forSubmission(
            submission.id, version: submission.version)
        return submission
    }

    /// What `submission(_:)` reads, first in a row: `s` is submissions, `o` its organisation.
    static let columns = """
        s.id, s.call_id, s.organisation_id, o.name, s.status, s.version, s.title, s.summary, s.requested_cents,
        s.total_cost_cents, s.ambitions, s.contact_name, s.contact_email, s.received_at, s.first_received_at,
        s.status_reasons
        """
    static let columnCount = 16

    static func submission(_ row: PostgresRow) throws -> Submission {
        let (
            id, callId, owner, organisationName, status, version, title, summary, requested, totalCost,
            ambitions, contactName, contactEmail, receivedAt, firstReceivedAt, reasons
        ) = try row.decode(
            (
                Int64, Int64, Int64, String, String, Int, String, String, Int64, Int64, [String], String, String,
                Date, Date, [String]
            ).self)
        let content = SubmissionContent(
            title: title, summary: summary, requested: Money(cents: requested), totalCost: Money(cents: totalCost),
            ambitions: ambitions.compactMap(Ambition.init(rawValue:)), contactName: contactName,
            contactEmail: contactEmail)
        return Submission(
            id: id, callId: callId, organisationId: owner, organisationName: organisationName,
            status: SubmissionStatus(rawValue: status) ?? .submitted, version: version, content: content,
            receivedAt: receivedAt, firstReceivedAt: firstReceivedAt, statusReasons: reasons)
    }

    /// Stores a new version of an organisation's live submission, before the deadline only; the
    /// database keeps the version it replaces.
    /// `attachments`: the new version's files; nil keeps the files of the version it replaces.
    public func amend(
        _ id: Int64, organisationId: Int64, content: SubmissionContent, attachments: [AttachmentSummary]? = nil,
        actor: String? = nil, arrival: Arrival = Arrival()
    ) async throws -> Submission {
        let rows = try await database.transaction(actor: actor) { transaction in
            let files = AttachmentRepository(transaction)
            let rows = try await transaction.query(
                """
                UPDATE submissions SET version = version + 1,
                    received_at = cfund_received_at(\(arrival.waitedMilliseconds)), title = \(content.title),
                    summary = \(content.summary), requested_cents = \(content.requested.cents),
                    total_cost_cents = \(content.totalCost.cents), ambitions = \(content.ambitions.map(\.rawValue)),
                    contact_name = \(content.contactName), contact_email = \(content.contactEmail)
                WHERE id = \(id) AND organisation_id = \(organisationId) AND status = 'submitted'
                RETURNING version
                """)
            if let version = try rows.first?.decode(Int.self) {
                if let attachments {
                    try await files.link(attachments, submissionId: id, version: version)
                } else {
                    try await files.link(
                        try await files.forSubmission(id, version: version - 1), submissionId: id, version: version)
                }
            }
            return rows
        }
        guard !rows.isEmpty else { throw try await whyUnchangeable(id, organisationId: organisationId) }
        return try await find(id, organisationId: organisationId)
    }

    /// Withdraws an organisation's live submission, before the deadline only.
    public func withdraw(_ id: Int64, organisationId: Int64, actor: String? = nil, arrival: Arrival = Arrival())
        async throws -> Submission
    {
        let rows = try await database.transaction(actor: actor) { transaction in
            try await transaction.query(
                """
                UPDATE submissions SET status = 'withdrawn',
                    withdrawn_at = cfund_received_at(\(arrival.waitedMilliseconds))
                WHERE id = \(id) AND organisation_id = \(organisationId) AND status = 'submitted'
                RETURNING id
                """)
        }
        guard !rows.isEmpty else { throw try await whyUnchangeable(id, organisationId: organisationId) }
        return try await find(id, organisationId: organisationId)
    }

    /// An organisation's submissions, newest first, each with its current version and files.
    public func forOrganisation(_ organisationId: Int64) async throws -> [Submission] {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM submissions s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.organisation_id = \(organisationId)
            ORDER BY s.first_received_at DESC, s.id DESC
            """)
        return try rows.map(Self.submission)
    }

    /// How many live (not withdrawn) submissions an organisation holds in each call.
    public func liveCounts(organisationId: Int64) async throws -> [Int64: Int] {
        var counts: [Int64: Int] = [:]
        for (call, live) in try await database.query(
            "SELECT call_id, live FROM submission_counts WHERE organisation_id = \(organisationId)"
        ).decode((Int64, Int).self) {
            counts[call] = live
        }
        return counts
    }

    /// Every version, oldest first, the current one last.
    public func history(_ id: Int64) async throws -> [SubmissionVersion] {
        let rows = try await database.query(
            """
            SELECT version, title, summary, requested_cents, total_cost_cents, ambitions, contact_name,
                   contact_email, received_at
            FROM submission_versions WHERE submission_id = \(id)
            UNION ALL
            SELECT version, title, summary, requested_cents, total_cost_cents, ambitions, contact_name,
                   contact_email, received_at
            FROM submissions WHERE id = \(id)
            ORDER BY version
            """)
        return try rows.map { row in
            let (version, title, summary, requested, totalCost, ambitions, name, email, receivedAt) = try row.decode(
                (Int, String, String, Int64, Int64, [String], String, String, Date).self)
            return SubmissionVersion(
                version: version,
                content: SubmissionContent(
                    title: title, summary: summary, requested: Money(cents: requested),
                    totalCost: Money(cents: totalCost), ambitions: ambitions.compactMap(Ambition.init(rawValue:)),
                    contactName: name, contactEmail: email),
                receivedAt: receivedAt)
        }
    }

    /// A call's submissions in order of receipt, decoded as they stream in (ranking reads
    /// every one of a call's submissions through here).
    public func list(callId: Int64) async throws -> [SubmissionSummary] {
        let query: PostgresQuery = """
            SELECT s.id, o.id, o.name, s.title, s.requested_cents, s.version, s.received_at, s.status
            FROM submissions s JOIN organisations o ON o.id = s.organisation_id
            WHERE s.call_id = \(callId)
            ORDER BY s.first_received_at, s.id
            """
        var summaries: [SubmissionSummary] = []
        try await database.forEachRow(query) { row in
            let (id, organisationId, organisation, title, requested, version, receivedAt, status) = try row.decode(
                (Int64, Int64, String, String, Int64, Int, Date, String).self)
            summaries.append(
                SubmissionSummary(
                    id: id, organisationId: organisationId, organisation: organisation, title: title,
                    requested: Money(cents: requested), version: version, receivedAt: receivedAt,
                    status: SubmissionStatus(rawValue: status) ?? .submitted))
        }
        return summaries
    }

    /// What allocation needs of one submission.
    public struct FundingFacts: Sendable {
        public let id: Int64
        public let organisationId: Int64
        public let requested: Money
        public let receivedAt: Date
        public let status: SubmissionStatus
    }

    /// A call's submissions as allocation reads them, in order of receipt as `list` gives them
    /// (the plan lists the ones left out in that order): amounts and organisations, no names.
    public func fundingFacts(callId: Int64) async throws -> [FundingFacts] {
        let query: PostgresQuery = """
            SELECT id, organisation_id, requested_cents, received_at, status FROM submissions
            WHERE call_id = \(callId) ORDER BY first_received_at, id
            """
        var facts: [FundingFacts] = []
        try await database.forEachRow(query) { row in
            let (id, organisationId, requested, receivedAt, status) = try row.decode(
                (Int64, Int64, Int64, Date, String).self)
            facts.append(
                FundingFacts(
                    id: id, organisationId: organisationId, requested: Money(cents: requested),
                    receivedAt: receivedAt, status: SubmissionStatus(rawValue: status) ?? .submitted))
        }
        return facts
    }

    /// After a refused amend or withdraw: not theirs (404) or no longer live (409).
    private func whyUnchangeable(_ id: Int64, organisationId: Int64) async throws -> FundError {
        let submission = try await find(id, organisationId: organisationId)
        return .submissionNotChangeable(id: id, status: submission.status)
    }
}

/// The intake's hot path, prepared once per connection.
struct ReceiveStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT submission_id, replayed, version, status, received_at, first_received_at
        FROM receive_submission($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .int8, .int8, .text, .text, .text, .text, .int8, .int8, .textArray, .text, .text, .text, .int4,
    ]
    typealias Row = (Int64, Bool, Int, String, Date, Date)

    let callId: Int64
    let organisationId: Int64
    let key: String?
    let fingerprint: String
    let content: SubmissionContent
    let actor: String?
    /// The wait is measured as the statement is bound, once a connection is leased.
    let arrival: Arrival

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 13)
        bindings.append(callId)
        bindings.append(organisationId)
        if let key { bindings.append(key) } else { bindings.appendNull() }
        bindings.append(fingerprint)
        bindings.append(content.title)
        bindings.append(content.summary)
        bindings.append(content.requested.cents)
        bindings.append(content.totalCost.cents)
        bindings.append(content.ambitions.map(\.rawValue))
        bindings.append(content.contactName)
        bindings.append(content.contactEmail)
        if let actor { bindings.append(actor) } else { bindings.appendNull() }
        bindings.append(arrival.waitedMilliseconds)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
