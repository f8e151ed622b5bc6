import Foundation
import FundCore
import PostgresNIO

/// Calls for projects in PostgreSQL; the database enforces the envelope limit, the lifecycle and
/// the freeze (see `Schema/0001`), this type turns its refusals into domain errors.
public struct CallRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Creates a draft call, reserving its budget from its envelope.
    @discardableResult
    public func create(_ call: Call) async throws -> Int64 {
        let (call, issues) = call.validated()
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let grid = String(decoding: try JSONEncoder.sorted.encode(call.grid), as: UTF8.self)
        let rules = call.rules
        let title = call.title
        return try await database.transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO calls (
                    envelope_id, title, budget_cents, opens_at, closes_at, time_zone, allowed_kinds,
                    label_awarded_from, label_awarded_to, label_valid_at_deadline, max_request_cents,
                    max_submissions_per_org, reviews_per_submission, grid, policy, required_attachments,
                    max_file_bytes, max_submission_bytes, reviews_due_at)
                VALUES (
                    \(call.envelopeId), \(title), \(call.budget.cents), \(call.opensAt), \(call.closesAt),
                    \(call.timeZone), \(rules.allowedKinds.map(\.rawValue)),
                    \(rules.labelAwardedWithin?.first.description)::date, \(rules.labelAwardedWithin?.last.description)::date,
                    \(rules.labelValidAtDeadline), \(rules.maxRequest?.cents), \(rules.maxSubmissionsPerOrganisation),
                    \(call.reviewsPerSubmission), \(grid)::jsonb, \(call.policy.rawValue),
                    \(call.attachments.required.map(\.rawValue)), \(call.attachments.maxFileBytes),
                    \(call.attachments.maxSubmissionBytes), \(call.reviewsDueAt))
                ON CONFLICT ((lower(title))) DO NOTHING
                RETURNING id
                """)
            guard let id = try await rows.decode(Int64.self).first(where: { _ in true }) else {
                throw FundError.duplicate(kind: "call", name: title)
            }
            return id
        }
    }

    public func list(status: CallStatus? = nil) async throws -> [Call] {
        try await calls(matching: nil, status: status)
    }

    /// Finds a call by id or by title (any case).
    public func find(_ reference: String) async throws -> Call {
        guard let call = try await calls(matching: reference, status: nil).first else {
            throw FundError.notFound(kind: "call", reference: reference)
        }
        return call
    }

    /// Sets (or extends, or lifts with nil) when the call's reviews are due; the audit trail
    /// records who did.
    public func setReviewDeadline(_ reference: String, until: Date?) async throws -> Call {
        let call = try await find(reference)
        if let until, until <= call.closesAt {
            throw FundError.validation([FieldIssue(field: "until", reason: "reviews are due after the call closes")])
        }
        try await database.query("UPDATE calls SET reviews_due_at = \(until) WHERE id = \(call.id)")
        return try await find(id: call.id)
    }

    /// Finds a call by id only, as the API names calls.
    public func find(id: Int64) async throws -> Call {
        guard let call = try await calls(matching: String(id), status: nil).first, call.id == id else {
            throw FundError.notFound(kind: "call", reference: String(id))
        }
        return call
    }

    /// Whether a call takes submissions and changes now, by the database clock.
    public func takesChanges(_ id: Int64) async throws -> Bool {
        try await database.query(
            """
            SELECT status = 'open' AND cfund_now() >= opens_at AND cfund_now() < closes_at FROM calls WHERE id = \(id)
            """
        ).first?.decode(Bool.self) ?? false
    }

    /// Opens a draft call; refused when its deadline has already passed by the database clock.
    public func open(_ reference: String) async throws -> Call {
        let call = try await find(reference)
        try await database.transaction { connection in
            let rows = try await connection.query(
                "SELECT cfund_now() >= closes_at FROM calls WHERE id = \(call.id) FOR UPDATE")
            let passed = try await rows.decode(Bool.self).first(where: { _ in true }) ?? false
            if passed && call.status == .draft {
                throw FundError.validation([
                    FieldIssue(
                        field: "closes",
                        reason: "the deadline (\(LocalTime.lastAcceptedMoment(before: call.closesAt, in: call.zone))) "
                            + "has passed, so nobody could submit; create a new call with a later deadline")
                ])
            }
            try await connection.query(
                "UPDATE calls SET status = 'open' WHERE id = \(call.id)")
        }
        return try await find(String(call.id))
    }

    /// Closes an open call and re-checks every live submission's eligibility, marking failures
    /// `ineligible` with their reasons. Before the deadline this cuts applicants off, so it needs
    /// `early`.
    @discardableResult
    public func close(_ reference: String, early: Bool = false) async throws -> (call: Call, ineligible: Int) {
        let call = try await find(reference)
        let ineligible: Int = try await database.transaction { connection in
            let rows = try await connection.query(
                "SELECT cfund_now() < closes_at FROM calls WHERE id = \(call.id) FOR UPDATE")
            let stillOpen = try await rows.decode(Bool.self).first(where: { _ in true }) ?? false
            if stillOpen && !early && call.status == .open {
                throw FundError.validation([
                    FieldIssue(
                        field: "call",
                        reason: "\"\(call.title)\" accepts submissions until "
                            + "\(LocalTime.lastAcceptedMoment(before: call.closesAt, in: call.zone)); "
                            + "wait for the deadline or pass --early to close it now")
                ])
            }
            try await connection.query(
                "UPDATE calls SET status = 'closed' WHERE id = \(call.id)")
            return try await Self.recheckEligibility(call, in: connection)
        }
        return (try await find(String(call.id)), ineligible)
    }

    /// Moves a closed call to `reviewing`; closes it first (with the re-check) when it is still
    /// open but its deadline has passed, as every step after the deadline does.
    public func startReviewing(_ call: Call) async throws -> Call {
        var call = call
        if call.status == .open { call = try await close(String(call.id)).call }
        if call.status == .closed {
            try await database.query("UPDATE calls SET status = 'reviewing' WHERE id = \(call.id)")
            call = try await find(id: call.id)
        }
        guard call.status == .reviewing else {
            throw FundError.invalidTransition(call: call.title, from: call.status, to: .reviewing)
        }
        return call
    }

    /// Re-runs the eligibility rules on every live submission at closing; failures become
    /// `ineligible` with their reasons.
    static func recheckEligibility(_ call: Call, in connection: Transaction) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT s.id, s.requested_cents, o.id, o.name, o.kind, o.city, o.country,
                   \(unescaped: OrganisationRepository.labelsColumn)
            FROM submissions s JOIN organisations o ON o.id = s.organisation_id
            LEFT JOIN label_periods l ON l.organisation_id = o.id
            WHERE s.call_id = \(call.id) AND s.status = 'submitted'
            GROUP BY s.id, o.id
            """)
        var failures: [(Int64, [String])] = []
        for (id, requested, organisationId, name, kind, city, country, labels) in try rows.decode(
            (Int64, Int64, Int64, String, String, String, String, String).self)
        {
            let organisation = try OrganisationRepository.organisation(
                organisationId, name, kind, city, country, labels)
            let reasons = Eligibility.reasons(
                for: organisation, rules: call.rules, deadlineDay: call.deadlineDay, requested: Money(cents: requested))
            if !reasons.isEmpty { failures.append((id, reasons.map(\.english))) }
        }
        for (id, reasons) in failures {
            try await connection.query(
                "UPDATE submissions SET status = 'ineligible', status_reasons = \(reasons) WHERE id = \(id)")
        }
        return failures.count
    }

    private func calls(matching reference: String?, status: CallStatus?) async throws -> [Call] {
        let onlyMatching = reference != nil
        let id = reference.flatMap { Int64($0) } ?? -1
        let title = reference ?? ""
        let rows = try await database.query(
            """
            SELECT id, envelope_id, title, budget_cents, opens_at, closes_at, time_zone, allowed_kinds,
                   label_awarded_from::text, label_awarded_to::text, label_valid_at_deadline, max_request_cents,
                   max_submissions_per_org, reviews_per_submission, grid::text, policy, status,
                   required_attachments, max_file_bytes, max_submission_bytes, reviews_due_at
            FROM calls
            WHERE (NOT \(onlyMatching) OR id = \(id) OR lower(title) = lower(\(title)))
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            ORDER BY (id = \(id)) DESC, opens_at, title
            """)
        var calls: [Call] = []
        for row in rows {
            let (
                id, envelopeId, title, budget, opensAt, closesAt, zone, kinds, labelFrom, labelTo, validAtDeadline,
                maxRequest, maxSubmissions, reviews, grid, policy, status, required, maxFile, maxFiles, reviewsDue
            ) = try row.decode(
                (
                    Int64, Int64, String, Int64, Date, Date, String, [String], String?, String?, Bool, Int64?, Int, Int,
                    String, String, String, [String], Int64, Int64, Date?
                ).self)
            var window: DayRange?
            if let labelFrom, let labelTo {
                window = try DayRange(first: CalendarDay(parsing: labelFrom), last: CalendarDay(parsing: labelTo))
            }
            let rules = EligibilityRules(
                allowedKinds: try kinds.map { try OrganisationKind(parsing: $0) },
                labelAwardedWithin: window,
                labelValidAtDeadline: validAtDeadline,
                maxRequest: maxRequest.map(Money.init(cents:)),
                maxSubmissionsPerOrganisation: maxSubmissions)
            calls.append(
                Call(
                    id: id, envelopeId: envelopeId, title: title, budget: Money(cents: budget), opensAt: opensAt,
                    closesAt: closesAt, timeZone: zone, rules: rules,
                    grid: try JSONDecoder().decode(ScoringGrid.self, from: Data(grid.utf8)),
                    reviewsPerSubmission: reviews, policy: AllocationPolicy(rawValue: policy) ?? .skip,
                    status: CallStatus(rawValue: status) ?? .draft,
                    attachments: AttachmentRules(
                        required: required.compactMap(AttachmentKind.init(rawValue:)), maxFileBytes: maxFile,
                        maxSubmissionBytes: maxFiles),
                    reviewsDueAt: reviewsDue))
        }
        return calls
    }
}

extension JSONEncoder {
    /// Sorted keys: the same value always gives the same bytes (checksums, receipts, diffs).
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
