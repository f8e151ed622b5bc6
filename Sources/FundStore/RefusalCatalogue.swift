import Foundation
import FundCore
import PostgresNIO

/// A refusal PostgreSQL sent: its SQLSTATE, the constraint and table it names, and the
/// structured DETAIL the schema's own refusals carry (a JSON object, Schema/0007).
public struct Refusal: Sendable {
    public let sqlState: String
    public let constraint: String?
    public let table: String?
    public let column: String?
    public let message: String
    let detail: [String: String]

    init(_ info: PSQLError.ServerInfo) {
        self.init(
            sqlState: info[.sqlState] ?? "", constraint: info[.constraintName], table: info[.tableName],
            column: info[.columnName], message: info[.message] ?? "unknown error", detail: info[.detail])
    }

    /// A refusal caught inside the database and returned as a row (`receive_submissions`);
    /// empty fields, as PL/pgSQL's diagnostics give them, are absent ones.
    init(sqlState: String, constraint: String?, table: String?, column: String?, message: String, detail: String?) {
        func given(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        self.sqlState = sqlState
        self.constraint = given(constraint)
        self.table = given(table)
        self.column = given(column)
        self.message = message
        let object = given(detail).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]
        self.detail = (object ?? [:]).mapValues { "\($0)" }
    }

    func text(_ key: String) -> String { detail[key] ?? "?" }
    func cents(_ key: String) -> Money { Money(cents: Int64(detail[key] ?? "") ?? 0) }
    func identifier(_ key: String) -> Int64 { Int64(detail[key] ?? "") ?? 0 }
    /// A day the schema wrote as YYYY-MM-DD, nil when it wrote none.
    func date(_ key: String) -> String? { detail[key].flatMap { $0.count == 10 ? $0 : nil } }

    /// An instant the schema wrote as ISO 8601 with milliseconds.
    func instant(_ key: String) -> Date {
        let parse = ISO8601DateFormatter()
        parse.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return parse.date(from: text(key)) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Every refusal the schema can raise, and what the user is told: each custom SQLSTATE and each
/// named constraint (CHECK, UNIQUE, FOREIGN KEY, PRIMARY KEY, unique index) maps to a domain error
/// that becomes a 409 or a 422 naming the field, never a 500. `RefusalCatalogueTests` reads
/// pg_catalog and fails on any constraint or code missing here, so a new migration cannot add a
/// refusal that reaches a user as an internal error.
public enum RefusalCatalogue {
    typealias Mapping = @Sendable (Refusal) -> FundError

    /// The schema's own SQLSTATEs, raised by its functions and triggers with a JSON DETAIL.
    static let codes: [String: Mapping] = [
        "CF001": { r in
            .budgetExceeded(
                envelope: r.text("envelope"), requested: r.cents("requestedCents"), available: r.cents("availableCents")
            )
        },
        "CF002": { r in
            .invalidTransition(
                call: r.text("call"), from: CallStatus(rawValue: r.text("from")) ?? .draft,
                to: CallStatus(rawValue: r.text("to")) ?? .draft)
        },
        "CF003": { r in .frozen(call: r.text("call"), status: CallStatus(rawValue: r.text("status")) ?? .open) },
        "CF010": { r in
            .callNotOpen(
                call: r.text("call"), status: CallStatus(rawValue: r.text("status")) ?? .open,
                opensAt: r.instant("opensAt"), closesAt: r.instant("closesAt"), timeZone: r.text("timeZone"))
        },
        "CF011": { r in
            .notEligible(reasons: [Message("eligibility.live", ["count": .text(r.text("live"))])])
        },
        "CF012": conflicting("version", "versions go up one at a time; read the submission again and amend it"),
        "CF013": conflicting("receivedAt", "the time of receipt must be now; send the request again"),
        "CF020": { r in .idempotencyConflict(key: r.text("key")) },
        "CF030": invalid("assignment", "the reviewer is conflicted with this submission's organisation"),
        "CF031": { r in .reviewFinal(assignmentId: r.identifier("assignment")) },
        "CF032": { r in
            .reviewsDue(call: r.text("call"), dueAt: r.instant("dueAt"), timeZone: r.text("timeZone"))
        },
        "CF040": { r in
            .budgetExceeded(
                envelope: "call " + r.text("call"), requested: r.cents("requestedCents"),
                available: r.cents("availableCents"))
        },
        "CF060": { r in .tooManyRequests(retryAfter: Int(r.identifier("retryAfterSeconds"))) },
        "CF070": { r in
            .conflict([
                FieldIssue(
                    field: "grant",
                    reason: "grant \(r.text("grant")) is \(r.text("status")): only an active grant is signed or paid")
            ])
        },
        "CF071": { r in
            let signed = r.date("signedOn")
            return .conflict([
                FieldIssue(
                    field: "on",
                    reason: signed.map {
                        "the agreement of grant \(r.text("grant")) was signed on \($0): a payment is dated that day or later"
                    }
                        ?? "the agreement of grant \(r.text("grant")) is not signed yet; record its signature first "
                        + "(cfund grant sign \(r.text("grant")) --on DATE --signatories ...)")
            ])
        },
        "CF072": { r in
            let (amount, paid) = (r.cents("amountCents"), r.cents("paidCents"))
            return .conflict([
                FieldIssue(
                    field: "amount",
                    reason: "grant \(r.text("grant")) is \(amount.plain) EUR and \(paid.plain) EUR is paid already: "
                        + "at most \(amount.subtracting(paid).plain) EUR more, not \(r.cents("requestedCents").plain)")
            ])
        },
        "CF073": { r in
            .conflict([
                FieldIssue(
                    field: "grant",
                    reason: "grant \(r.text("grant")) has been paid \(r.cents("paidCents").plain) EUR: it stays active "
                        + "until that money is accounted for")
            ])
        },
        "CF074": conflicting("terms", "a call's payment terms are fixed once it is decided; each grant keeps its own"),
        "CF075": { r in
            .conflict([
                FieldIssue(
                    field: "on",
                    reason: "the agreement of grant \(r.text("grant")) is already signed, on \(r.text("signedOn"))")
            ])
        },
        "CF076": invalid("on", "an agreement is signed on a day that has come, not in the future"),
        "CF077": conflicting(
            "payment", "payments are facts: they are not changed or deleted; record the money coming back instead"),
        "CF080": { r in
            .conflict([
                FieldIssue(
                    field: "report",
                    reason: "the final report of grant \(r.text("grant")) is \(r.text("status")): a filed report is "
                        + "accepted or returned once, and not edited; a returned one is filed again")
            ])
        },
        "CF081": { r in
            .conflict([
                FieldIssue(
                    field: "amount",
                    reason: "grant \(r.text("grant")) has \(r.cents("dueCents").plain) EUR to recover, not "
                        + r.cents("requestedCents").plain)
            ])
        },
        "CF050": conflicting(
            "audit",
            "the audit trail is append-only: its events cannot be changed or deleted; record a correction "
                + "as a new change instead"),
    ]

    /// Named constraints and unique indexes, by name.
    static let constraints: [String: Mapping] = [
        // Organisations and their labels.
        "organisations_pkey": exists("organisation"),
        "organisations_name_key": conflicting(
            "name", "an organisation with this name already exists (names are unique whatever their case)"),
        "organisations_name_text": text(.organisationName),
        "organisations_city_text": text(.city),
        "organisations_country_text": text(.country),
        "organisations_kind_check": invalid("kind", "use capital, community_fr or community_abroad"),
        "label_periods_pkey": conflicting("label_awarded", "the organisation already has a label awarded that day"),
        "label_periods_expire_after_award": invalid("label_expires", "a label expires after it is awarded"),
        "label_periods_organisation_id_fkey": reference("organisation", "org"),
        // Envelopes and calls.
        "envelopes_pkey": exists("envelope"),
        "envelopes_name_key": conflicting("name", "an envelope with this name already exists"),
        "envelopes_name_text": text(.envelopeName),
        "envelopes_amount_positive": invalid("amount", "the amount must be above zero"),
        "envelopes_reserved_not_negative": conflicting("amount", "the envelope's reservations cannot go below zero"),
        "envelopes_reserved_within_amount": conflicting(
            "amount", "the envelope's calls would reserve more than it holds; lower a call's budget first"),
        "envelopes_validity_ordered": invalid("to", "the validity must end on or after its first day"),
        "calls_pkey": exists("call"),
        "calls_title_key": conflicting("title", "a call with this title already exists"),
        "calls_title_text": text(.callTitle),
        "calls_envelope_id_fkey": reference("envelope", "envelope"),
        "calls_budget_positive": invalid("budget", "the budget must be above zero"),
        "calls_check": invalid("max-request", "the cap per project must be above zero and within the call's budget"),
        "calls_closes_after_opening": invalid("closes", "the call must close after it opens"),
        "calls_allowed_kinds_check": invalid("kinds", "name at least one of capital, community_fr, community_abroad"),
        "calls_label_window_complete": invalid("label-awarded-between", "give both ends of the label window"),
        "calls_label_window_ordered": invalid("label-awarded-between", "the label window must end after it starts"),
        "calls_max_submissions_per_org_check": invalid("max-submissions", "allow at least one submission"),
        "calls_reviews_per_submission_check": invalid("reviews-per-submission", "ask for 1 to 10 reviews"),
        "calls_policy_check": invalid("policy", "use strict, skip or partial"),
        "calls_status_check": invalid("status", "use draft, open, closed, reviewing or decided"),
        "calls_granted_not_negative": conflicting("budget", "a call's grants cannot add up to less than zero"),
        "calls_granted_within_budget": conflicting(
            "budget", "the call's grants would exceed its budget; decline a grant or revise the decision first"),
        "simulated_clock_pkey": conflicting("clock", "the simulated clock is set once; move it instead"),
        "simulated_clock_singleton_check": invalid("clock", "there is one simulated clock"),
        // Intake.
        "organisation_tokens_pkey": exists("token"),
        "organisation_tokens_token_sha256_key": conflicting("token", "that token exists already; issue another"),
        "organisation_tokens_token_sha256_check": invalid("token", "a token's hash is 64 hexadecimal characters"),
        "organisation_tokens_organisation_id_fkey": reference("organisation", "org"),
        "submissions_pkey": exists("submission"),
        "submissions_call_id_fkey": reference("call", "call"),
        "submissions_organisation_id_fkey": reference("organisation", "org"),
        "submissions_idempotency_key": conflicting(
            "Idempotency-Key", "a submission with this key is being recorded; send the same request again"),
        "submissions_title_text": text(.submissionTitle),
        "submissions_summary_text": text(.summary),
        "submissions_contact_name_text": text(.contactName),
        "submissions_contact_email_text": invalid(
            "contact.email", "must be an email address of at most 254 characters"),
        "submissions_idempotency_key_text": text(.idempotencyKey),
        "submissions_requested_cents_check": invalid("requestedCents", "the request must be above zero"),
        "submissions_request_within_cost": invalid("requestedCents", "the request exceeds the project's total cost"),
        "submissions_ambitions_check": invalid(
            "ambitions", "name at least one of world_class, societal_challenges, talents_and_territories, green_tech"),
        "submissions_status_check": invalid("status", "not a status a submission can have"),
        "submissions_version_check": invalid("version", "versions start at 1"),
        "submission_versions_pkey": conflicting("version", "this version is already kept; read the submission again"),
        "submission_versions_submission_id_fkey": reference("submission", "submission"),
        "submission_versions_version_check": invalid("version", "versions start at 1"),
        "submission_counts_pkey": conflicting(
            "submission", "another submission was counted at the same time; try again"),
        "submission_counts_live_check": conflicting(
            "submission", "the organisation has no live submission to withdraw"),
        // Review.
        "reviewers_pkey": exists("reviewer"),
        "reviewers_email_key": conflicting("email", "a reviewer with this email already exists"),
        "reviewers_name_text": text(.reviewerName),
        "reviewers_email_text": invalid("email", "must be an email address of at most 254 characters"),
        "reviewers_affiliation_id_fkey": reference("affiliation", "org"),
        "reviewer_conflicts_pkey": conflicting("organisation", "this conflict is already declared"),
        "reviewer_conflicts_reason_text": text(.reason),
        "reviewer_conflicts_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "reviewer_conflicts_organisation_id_fkey": reference("organisation", "org"),
        "reviewer_tokens_pkey": exists("token"),
        "reviewer_tokens_token_sha256_key": conflicting("token", "that token exists already; issue another"),
        "reviewer_tokens_token_sha256_check": invalid("token", "a token's hash is 64 hexadecimal characters"),
        "reviewer_tokens_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "assignments_pkey": exists("assignment"),
        "assignments_submission_id_reviewer_id_key": conflicting(
            "assignment", "the reviewer is already assigned this submission"),
        "assignments_call_id_fkey": reference("call", "call"),
        "assignments_submission_id_fkey": reference("submission", "submission"),
        "assignments_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "reviews_pkey": conflicting("assignment", "the assignment already has its review"),
        "reviews_assignment_id_fkey": reference("assignment", "assignment"),
        "reviews_reopened_reason_text": text(.reason),
        // Allocation.
        "allocation_runs_pkey": exists("decision"),
        "allocation_runs_one_decision": conflicting(
            "call", "the call already has a committed decision; revise it first"),
        "allocation_runs_call_id_fkey": reference("call", "call"),
        "allocation_runs_policy_check": invalid("policy", "use strict, skip or partial"),
        "allocation_runs_within_budget": conflicting("budget", "a decision cannot grant more than the call's budget"),
        "allocation_runs_reason_text": text(.reason),
        "allocation_runs_superseded_reason_text": text(.reason),
        "allocation_lines_pkey": conflicting("submission", "the submission appears twice in the plan"),
        "allocation_lines_run_id_fkey": reference("decision", "decision"),
        "allocation_lines_submission_id_fkey": reference("submission", "submission"),
        "allocation_lines_awarded_cents_check": invalid("awarded", "an award cannot be negative"),
        "grants_pkey": exists("grant"),
        "grants_one_active_per_submission": conflicting("submission", "the submission already has an active grant"),
        "grants_run_id_fkey": reference("decision", "decision"),
        "grants_call_id_fkey": reference("call", "call"),
        "grants_submission_id_fkey": reference("submission", "submission"),
        "grants_amount_cents_check": invalid("amount", "a grant must be above zero"),
        "grants_status_check": invalid("status", "use active, declined or superseded"),
        "grants_decline_reason_text": text(.reason),
        // The portal: contacts, sign-in links, sessions, drafts and files.
        "contacts_pkey": exists("contact"),
        "contacts_email_key": conflicting("email", "this organisation already has a contact with this address"),
        "contacts_name_text": text(.reviewerName),
        "contacts_email_text": invalid("email", "must be an email address of at most 254 characters"),
        "contacts_language_check": invalid("language", "use fr or en"),
        "reviewers_language_check": invalid("language", "use fr or en"),
        "admins_language_check": invalid("language", "use fr or en"),
        "contacts_organisation_id_fkey": reference("organisation", "org"),
        "sign_in_links_pkey": exists("sign-in link"),
        "sign_in_links_token_key": conflicting("link", "that link exists already; invite again"),
        "sign_in_links_token_check": invalid("link", "a link's hash is 64 hexadecimal characters"),
        "sign_in_links_contact_id_fkey": reference("contact", "contact"),
        "sessions_pkey": exists("session"),
        "sessions_token_key": conflicting("session", "that session exists already; sign in again"),
        "sessions_token_check": invalid("session", "a session's hash is 64 hexadecimal characters"),
        "sessions_csrf_check": invalid("session", "a session's form token is at least 32 characters"),
        "sessions_contact_id_fkey": reference("contact", "contact"),
        "calls_reviews_due_after_closing": invalid("until", "reviews are due after the call closes"),
        "calls_required_attachments_check": invalid("require-files", "use description, budget, statutes or other"),
        "calls_max_file_bytes_check": invalid("max-file-size", "a file may be 1 KB to 100 MB"),
        "calls_max_submission_bytes_check": invalid(
            "max-files-size", "the files of a submission may not weigh less than one file"),
        "drafts_pkey": exists("draft"),
        "drafts_call_id_fkey": reference("call", "call"),
        "drafts_organisation_id_fkey": reference("organisation", "org"),
        "drafts_submission_id_fkey": reference("submission", "submission"),
        "drafts_created_by_fkey": reference("contact", "contact"),
        "drafts_title_text": text(TextRule(field: "title", length: 0...200)),
        "drafts_summary_text": text(.summary),
        "drafts_contact_name_text": text(TextRule(field: "contact.name", length: 0...200)),
        "drafts_contact_email_text": text(TextRule(field: "contact.email", length: 0...254)),
        "drafts_requested_check": invalid("requestedCents", "the request cannot be negative"),
        "drafts_total_cost_check": invalid("totalCostCents", "the total cost cannot be negative"),
        "drafts_ambitions_check": invalid(
            "ambitions", "use world_class, societal_challenges, talents_and_territories or green_tech"),
        "attachments_pkey": exists("attachment"),
        "attachments_organisation_id_fkey": reference("organisation", "org"),
        "attachments_kind_check": invalid("kind", "use description, budget, statutes or other"),
        "attachments_file_name_text": text(TextRule(field: "file", length: 1...255)),
        "attachments_media_type_check": invalid("file", "send a PDF, ODT, ODS, DOCX, XLSX, PNG or JPEG file"),
        "attachments_size_check": invalid("file", "a file's size cannot be negative"),
        "attachments_sha256_check": invalid("file", "a file's hash is 64 hexadecimal characters"),
        "attachments_scan_status_check": invalid("file", "use not_scanned, clean or infected"),
        "attachment_chunks_pkey": conflicting("file", "this part of the file is stored already; send it again"),
        "attachment_chunks_seq_check": invalid("file", "parts of a file are numbered from 0"),
        "attachment_chunks_attachment_id_fkey": reference("file", "attachment"),
        "draft_attachments_pkey": conflicting("file", "the draft holds this file already"),
        "draft_attachments_draft_id_fkey": reference("draft", "draft"),
        "draft_attachments_attachment_id_fkey": reference("file", "attachment"),
        "submission_attachments_pkey": conflicting("file", "this version holds this file already"),
        "submission_attachments_submission_id_fkey": reference("submission", "submission"),
        "submission_attachments_attachment_id_fkey": reference("file", "attachment"),
        // Reviewers and admins on the web.
        "admins_pkey": exists("admin"),
        "admins_name_text": text(.reviewerName),
        "admins_email_text": invalid("email", "must be an email address of at most 254 characters"),
        "admins_role_check": invalid("role", "use programme or finance"),
        "admins_email_key": conflicting("email", "an admin with this email already exists"),
        "sign_in_links_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "sign_in_links_admin_id_fkey": reference("admin", "admin"),
        "sign_in_links_one_holder": invalid("link", "a sign-in link is for one contact, reviewer or admin"),
        "sign_in_requests_pkey": exists("sign-in request"),
        // After the decision: identifiers, terms, agreements, payments (0017).
        "organisations_siret_check": invalid(
            "siret", "a SIRET is 14 digits whose check key holds; copy it from annuaire-entreprises.data.gouv.fr"),
        "organisations_rna_check": invalid("rna", "an RNA number is W followed by 9 digits, e.g. W751234567"),
        "organisations_siret_key": conflicting("siret", "another organisation has this SIRET"),
        "organisations_rna_key": conflicting("rna", "another organisation has this RNA number"),
        "call_payment_terms_pkey": exists("call's terms"),
        "call_payment_terms_call_id_fkey": reference("call", "call"),
        "call_payment_terms_threshold_check": invalid("agreement-above", "the threshold is an amount of zero or more"),
        "call_payment_terms_advance_check": invalid("advance", "the advance is 0 to 100 per cent"),
        "grants_advance_percent_check": invalid("advance", "the advance is 0 to 100 per cent"),
        "grants_paid_not_negative": conflicting("amount", "what is paid of a grant cannot go below zero"),
        "grants_paid_within_amount": conflicting("amount", "a grant is never paid more than its amount"),
        "agreements_pkey": exists("agreement"),
        "agreements_grant_key": conflicting("grant", "this grant has its agreement already"),
        "agreements_grant_id_fkey": reference("grant", "grant"),
        "agreements_call_id_fkey": reference("call", "call"),
        "agreements_reference_key": conflicting("reference", "another agreement has this reference"),
        "agreements_signatories_text": invalid("signatories", "name who signed, on one line of at most 500 characters"),
        "agreements_signed_with_signatories": invalid("signatories", "say who signed the agreement"),
        "payments_pkey": exists("payment"),
        "payments_grant_id_fkey": reference("grant", "grant"),
        "payments_call_id_fkey": reference("call", "call"),
        "payments_amount_positive": invalid("amount", "a payment is above zero"),
        "payments_reference_text": invalid(
            "reference", "the bank transfer's reference, one line of at most 100 characters"),
        "payments_reference_key": conflicting("reference", "a payment with this reference is recorded already"),
        // Final reports and recoveries (0020).
        "final_reports_pkey": exists("final report"),
        "final_reports_grant_id_fkey": reference("grant", "grant"),
        "final_reports_call_id_fkey": reference("call", "call"),
        "final_reports_actual_cost_check": invalid("actualCost", "the actual cost is an amount of zero or more"),
        "final_reports_spending_check": invalid("spending", "the spending is a list of lines"),
        "final_reports_narrative_text": text(.narrative),
        "final_reports_status_check": invalid("status", "use submitted, returned or accepted"),
        "final_reports_reason_text": text(.reason),
        "final_reports_settled_check": invalid("settled", "a grant settles at zero or more"),
        "final_reports_one_standing": conflicting(
            "report", "this grant has a final report filed or accepted already; a returned one may be filed again"),
        "final_reports_accepted_settled": conflicting("settled", "an accepted report says what the grant comes to"),
        "final_report_attachments_pkey": conflicting("attachments", "this file is attached already"),
        "final_report_attachments_report_id_fkey": reference("report", "final report"),
        "final_report_attachments_attachment_id_fkey": reference("attachments", "file"),
        "grants_released_within_amount": conflicting("settled", "a grant releases at most its amount"),
        "grants_recovered_within_paid": conflicting("amount", "no more is recovered than was paid"),
        "recoveries_pkey": exists("recovery"),
        "recoveries_grant_id_fkey": reference("grant", "grant"),
        "recoveries_call_id_fkey": reference("call", "call"),
        "recoveries_amount_positive": invalid("amount", "money recovered is above zero"),
        "recoveries_reference_text": invalid(
            "reference", "the transfer's reference, one line of at most 100 characters"),
        "recoveries_reference_key": conflicting("reference", "money with this reference is recorded already"),
        "sessions_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "sessions_admin_id_fkey": reference("admin", "admin"),
        "sessions_one_holder": invalid("session", "a session is for one contact, reviewer or admin"),
        "mail_outbox_pkey": exists("message"),
        "mail_outbox_event_text": invalid("event", "a message's event is 1 to 200 characters"),
        "mail_outbox_template_text": invalid("template", "a message's template is 1 to 100 characters"),
        "mail_outbox_recipient_text": invalid("recipient", "a recipient is an email address of 3 to 254 characters"),
        "mail_outbox_language_check": invalid("language", "a message is in fr or en"),
        "mail_outbox_status_check": invalid("status", "a message is queued, sent or failed"),
        "mail_outbox_attempts_check": invalid("attempts", "attempts are counted from 0"),
        "mail_outbox_event_recipient_key": conflicting("event", "that person has this message already"),
        "mail_outbox_message_id_key": conflicting("message", "that Message-ID exists already"),
        "mail_outbox_sent_check": invalid("status", "a message is sent exactly when it has a time of sending"),
        "recusals_pkey": exists("recusal"),
        "recusals_call_id_fkey": reference("call", "call"),
        "recusals_submission_id_fkey": reference("submission", "submission"),
        "recusals_reviewer_id_fkey": reference("reviewer", "reviewer"),
        "recusals_reason_text": text(.recusal),
        // The audit trail and the migrator's own record.
        "audit_events_pkey": exists("audit event"),
        "audit_events_seq_key": conflicting("audit", "the chain was sealed at the same time elsewhere; run again"),
        "audit_events_sealed_whole": invalid("audit", "an event is sealed with its position and both hashes"),
        "audit_chain_pkey": conflicting("audit", "the audit chain has one head"),
        "audit_chain_singleton_check": invalid("audit", "the audit chain has one head"),
        "schema_migrations_pkey": conflicting("migration", "the migration was applied at the same time elsewhere"),
    ]

    /// What the catalogue maps, for the test that compares it with pg_catalog.
    public static var mappedCodes: Set<String> { Set(codes.keys) }
    public static var mappedConstraints: Set<String> { Set(constraints.keys) }

    /// The domain error for a PostgreSQL error; errors that are not PostgreSQL's pass through.
    public static func error(for error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        guard let info = error.serverInfo else {
            return FundError.databaseUnavailable(
                "The database connection failed (\(Database.describe(error))); try again.")
        }
        return Self.error(for: Refusal(info))
    }

    /// The domain error for a refusal, however it came back.
    public static func error(for refusal: Refusal) -> FundError {
        if let mapping = codes[refusal.sqlState] { return mapping(refusal) }
        if let name = refusal.constraint, let mapping = constraints[name] { return mapping(refusal) }
        return byClass(refusal)
    }

    /// What is left, by SQLSTATE class: bad values are the request's fault (422), lost races and
    /// an unavailable server are worth a retry (503), a constraint nobody catalogued is a conflict.
    /// Only the server's own faults (a query that does not parse, an internal error) stay internal.
    static func byClass(_ refusal: Refusal) -> FundError {
        let code = refusal.sqlState
        let field = refusal.column ?? "request"
        switch code {
        case "23502":
            return .validation([FieldIssue(field: field, reason: "the field is required")])
        case _ where code.hasPrefix("23"):
            return .conflict([
                FieldIssue(
                    field: refusal.constraint ?? field, reason: "the database refused the change; nothing was changed")
            ])
        case _ where code.hasPrefix("22") || code.hasPrefix("54"):
            return .validation([
                FieldIssue(
                    field: field, reason: "the value cannot be stored (\(refusal.message)); correct it and try again")
            ])
        case "40001", "40P01", "55P03", "57014":
            return .databaseUnavailable("The database gave up on a busy moment (\(refusal.message)); try again.")
        case _ where code.hasPrefix("08") || code.hasPrefix("57P") || code.hasPrefix("53") || code == "3D000":
            return .databaseUnavailable("The database is unavailable (\(refusal.message)); try again shortly.")
        default:
            return .database(
                "The database refused the request: \(refusal.message) [SQLSTATE \(code)]; nothing was changed. "
                    + "If it persists, run `cfund db status` and report this message.")
        }
    }

    private static func invalid(_ field: String, _ reason: String) -> Mapping {
        { _ in .validation([FieldIssue(field: field, reason: reason)]) }
    }

    private static func conflicting(_ field: String, _ reason: String) -> Mapping {
        { _ in .conflict([FieldIssue(field: field, reason: reason)]) }
    }

    private static func text(_ rule: TextRule) -> Mapping {
        let lines = rule.multiline ? "text" : "one line of text"
        let reason =
            "must be \(rule.length.lowerBound) to \(rule.length.upperBound) characters of \(lines), "
            + "without control characters"
        return invalid(rule.field, reason)
    }

    private static func exists(_ kind: String) -> Mapping {
        conflicting("id", "this \(kind) already exists")
    }

    /// A foreign key: inserting a row that names a missing record is the request's mistake;
    /// deleting a record others still name is a conflict.
    private static func reference(_ field: String, _ kind: String) -> Mapping {
        { refusal in
            let inserting = refusal.table.map { refusal.constraint?.hasPrefix($0 + "_") == true } ?? true
            return inserting
                ? .validation([FieldIssue(field: field, reason: FundError.missing(kind))])
                : .conflict([FieldIssue(field: field, reason: "other records still refer to it; nothing was deleted")])
        }
    }
}
