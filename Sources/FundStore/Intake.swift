import Foundation
import FundCore

/// Receiving a submission or an amendment, whatever the door (the API, the portal): the content's
/// rules and the files' rules (422), the call's eligibility rules (403), then the database's own
/// (window, cap, idempotency). One code path, so that the web and the API never disagree.
public struct Intake: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// - Parameter typingIssues: what the door found while reading the request (a field missing,
    ///   a number that is not one); reported with the rules' issues, one per field.
    /// - Parameter batcher: the server's `IntakeBatcher`, to receive it with the submissions that
    ///   arrive at the same moment; nil receives it alone.
    public func submit(
        call: Call, organisation: Organisation, content: SubmissionContent, typingIssues: [FieldIssue] = [],
        attachmentIds: [Int64] = [], idempotencyKey: String?, actor: String, arrival: Arrival,
        batcher: IntakeBatcher? = nil
    ) async throws -> (submission: Submission, replayed: Bool) {
        let (clean, files) = try await check(
            call: call, organisationId: organisation.id, content: content, typingIssues: typingIssues,
            attachmentIds: attachmentIds)
        let reasons = Eligibility.reasons(
            for: organisation, rules: call.rules, deadlineDay: call.deadlineDay, requested: clean.requested)
        guard reasons.isEmpty else { throw FundError.notEligible(reasons: reasons) }
        return try await SubmissionRepository(database).receive(
            callId: call.id, organisation: organisation, content: clean, idempotencyKey: idempotencyKey,
            attachments: files, actor: actor, arrival: arrival, batcher: batcher)
    }

    /// - Parameter attachmentIds: the new version's files; nil keeps the current version's.
    public func amend(
        _ submission: Submission, call: Call, content: SubmissionContent, typingIssues: [FieldIssue] = [],
        attachmentIds: [Int64]?, actor: String, arrival: Arrival
    ) async throws -> Submission {
        let (clean, files) = try await check(
            call: call, organisationId: submission.organisationId, content: content, typingIssues: typingIssues,
            attachmentIds: attachmentIds ?? submission.attachments.map(\.id))
        return try await SubmissionRepository(database).amend(
            submission.id, organisationId: submission.organisationId, content: clean,
            attachments: attachmentIds == nil ? nil : files, actor: actor, arrival: arrival)
    }

    /// Makes a draft the submission it prepares (or the amendment it prepares), once, whatever
    /// the clicks: the draft's row stays locked until the submission and the mark on the draft
    /// are committed together. `fresh` is false when it had been submitted already.
    /// - Parameter typingIssues: what the form could not read (an amount that is not one).
    public func submit(
        draft: Draft, call: Call, organisation: Organisation, contact: Contact, typingIssues: [FieldIssue] = [],
        arrival: Arrival
    ) async throws -> (submission: Submission, fresh: Bool) {
        try await database.transaction { transaction in
            let state = try await transaction.query(
                """
                SELECT submitted_at IS NOT NULL, submission_id FROM drafts
                WHERE id = \(draft.id) AND organisation_id = \(organisation.id) FOR UPDATE
                """)
            guard let (submitted, submissionId) = try state.first?.decode((Bool, Int64?).self) else {
                throw FundError.notFound(kind: "draft", reference: String(draft.id))
            }
            let submissions = SubmissionRepository(transaction)
            if submitted, let submissionId {
                return (try await submissions.find(submissionId, organisationId: organisation.id), false)
            }
            let files = try await AttachmentRepository(transaction).forDraft(draft.id).map(\.id)
            let intake = Intake(transaction)
            let actor = AuditActor.contact(contact.id)
            let submission: Submission
            if let submissionId {
                submission = try await intake.amend(
                    try await submissions.find(submissionId, organisationId: organisation.id), call: call,
                    content: draft.content, typingIssues: typingIssues, attachmentIds: files, actor: actor,
                    arrival: arrival)
            } else {
                submission = try await intake.submit(
                    call: call, organisation: organisation, content: draft.content, typingIssues: typingIssues,
                    attachmentIds: files, idempotencyKey: "draft-\(draft.id)", actor: actor, arrival: arrival
                ).submission
            }
            try await DraftRepository(transaction).markSubmitted(draft.id, submissionId: submission.id)
            return (submission, true)
        }
    }

    /// The content cleaned and the files found, or every issue at once.
    private func check(
        call: Call, organisationId: Int64, content: SubmissionContent, typingIssues: [FieldIssue],
        attachmentIds: [Int64]
    ) async throws -> (SubmissionContent, [AttachmentSummary]) {
        let typed = Set(typingIssues.map(\.field))
        let (clean, ruleIssues) = SubmissionValidation.validate(content, maxRequest: call.rules.maxRequest)
        let files = try await AttachmentRepository(database).owned(attachmentIds, organisationId: organisationId)
        let issues = typingIssues + (ruleIssues + call.attachments.issues(files)).filter { !typed.contains($0.field) }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        return (clean, files)
    }
}
