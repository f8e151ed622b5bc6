import Foundation
import FundCore
import PostgresNIO

/// Drafts in PostgreSQL, each its organisation's: anyone else's is not found.
public struct DraftRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// A new draft for a call; from a submission (its current version and files) for an amendment,
    /// else filled with the contact's name and address.
    public func create(callId: Int64, contact: Contact, amending submission: Submission? = nil) async throws -> Draft {
        try await database.transaction { transaction in
            let content = submission?.content
            let rows = try await transaction.query(
                """
                INSERT INTO drafts AS d (call_id, organisation_id, submission_id, title, summary, requested_cents,
                    total_cost_cents, ambitions, contact_name, contact_email, created_by)
                VALUES (\(callId), \(contact.organisationId), \(submission?.id), \(content?.title ?? ""),
                    \(content?.summary ?? ""), \(content?.requested.cents), \(content?.totalCost.cents),
                    \(content?.ambitions.map(\.rawValue) ?? []), \(content?.contactName ?? contact.name),
                    \(content?.contactEmail ?? contact.email), \(contact.id))
                RETURNING \(unescaped: Self.columns)
                """)
            guard let row = rows.first else { throw FundError.database("The draft was not stored; try again.") }
            let draft = try Self.draft(row)
            for file in submission?.attachments ?? [] {
                try await AttachmentRepository(transaction).addToDraft(draft.id, attachmentId: file.id)
            }
            return draft
        }
    }

    public func find(_ id: Int64, organisationId: Int64) async throws -> Draft {
        let rows = try await database.query(
            "SELECT \(unescaped: Self.columns) FROM drafts d WHERE d.id = \(id) AND d.organisation_id = \(organisationId)"
        )
        guard let row = rows.first else { throw FundError.notFound(kind: "draft", reference: String(id)) }
        return try Self.draft(row)
    }

    /// The organisation's drafts not yet submitted, newest first.
    public func open(organisationId: Int64) async throws -> [Draft] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM drafts d
            WHERE d.organisation_id = \(organisationId) AND d.submitted_at IS NULL
            ORDER BY d.updated_at DESC, d.id DESC
            """
        ).map(Self.draft)
    }

    /// Saves what is typed so far; a submitted draft is read-only.
    public func save(_ draft: Draft) async throws -> Draft {
        var issues: [FieldIssue] = []
        let title = TextRule(field: "title", length: 0...200).check(draft.title, into: &issues)
        let summary = TextRule.summary.check(draft.summary, into: &issues)
        let name = TextRule(field: "contact.name", length: 0...200).check(draft.contactName, into: &issues)
        let email = TextRule(field: "contact.email", length: 0...254).check(draft.contactEmail, into: &issues)
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let rows = try await database.query(
            """
            UPDATE drafts d SET title = \(title), summary = \(summary), requested_cents = \(draft.requested?.cents),
                total_cost_cents = \(draft.totalCost?.cents), ambitions = \(draft.ambitions.map(\.rawValue)),
                contact_name = \(name), contact_email = \(email), updated_at = now()
            WHERE d.id = \(draft.id) AND d.organisation_id = \(draft.organisationId) AND d.submitted_at IS NULL
            RETURNING \(unescaped: Self.columns)
            """)
        guard let row = rows.first else { throw try await whyNotSaved(draft) }
        return try Self.draft(row)
    }

    /// Marks a draft as made into its submission.
    func markSubmitted(_ id: Int64, submissionId: Int64) async throws {
        try await database.query(
            "UPDATE drafts SET submitted_at = now(), submission_id = \(submissionId) WHERE id = \(id)")
    }

    private func whyNotSaved(_ draft: Draft) async throws -> FundError {
        _ = try await find(draft.id, organisationId: draft.organisationId)
        return .conflict([FieldIssue(field: "draft", Message("draft.submitted"))])
    }

    static let columns = """
        d.id, d.call_id, d.organisation_id, d.submission_id, d.title, d.summary, d.requested_cents,
        d.total_cost_cents, d.ambitions, d.contact_name, d.contact_email, d.updated_at, d.submitted_at
        """

    static func draft(_ row: PostgresRow) throws -> Draft {
        let (
            id, call, organisation, submission, title, summary, requested, cost, ambitions, name, email, updated, done
        ) =
            try row.decode(
                (
                    Int64, Int64, Int64, Int64?, String, String, Int64?, Int64?, [String], String, String, Date, Date?
                ).self)
        return Draft(
            id: id, callId: call, organisationId: organisation, submissionId: submission, title: title,
            summary: summary, requested: requested.map(Money.init(cents:)), totalCost: cost.map(Money.init(cents:)),
            ambitions: ambitions.compactMap(Ambition.init(rawValue:)), contactName: name, contactEmail: email,
            updatedAt: updated, submittedAt: done)
    }
}
