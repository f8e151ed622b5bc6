import Foundation
import FundCore
import PostgresNIO

/// A grant as finance sees it.
public struct GrantInfo: Sendable, Equatable {
    public let id: Int64
    public let submissionId: Int64
    public let amount: Money
    public let status: String
    public let promoted: Bool
}

/// Committed allocations: the call's decision, its grants, declines and promotions from the
/// reserve list. The database refuses any grant past the call's budget and a second standing
/// decision (Schema/0004); this type runs each workflow in one transaction.
public struct AllocationRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Stores a plan as the call's decision and moves the call to `decided`, in one transaction
    /// that locks the call's row, then reads, plans and writes on what it sees: a concurrent
    /// commit, decline or late review waits or is seen, never half of it.
    public func commit(
        callId: Int64, parameters: AllocationParameters, reason: String
    ) async throws -> (runId: Int64, plan: AllocationPlan) {
        let reason = try TextRule.reason.cleaned(reason)
        let committed = try await database.transaction { connection in
            try await connection.query("SELECT 1 FROM calls WHERE id = \(callId) FOR UPDATE")
            let call = try await CallRepository(connection).find(id: callId)
            guard call.status == .reviewing else {
                throw FundError.invalidTransition(call: call.title, from: call.status, to: .decided)
            }
            let plan = AllocationPlanner.plan(
                try await CallRanking.candidates(call, database: connection), parameters: parameters)
            let share = "\(parameters.minimumShare.numerator)/\(parameters.minimumShare.denominator)"
            let runId = try await connection.query(
                """
                INSERT INTO allocation_runs (call_id, policy, min_share, cap_per_organisation_cents,
                    cap_per_project_cents, budget_cents, granted_cents, reason)
                VALUES (\(callId), \(parameters.policy.rawValue), \(share), \(parameters.capPerOrganisation?.cents),
                    \(parameters.capPerProject?.cents), \(parameters.budget.cents), \(plan.granted.cents), \(reason))
                RETURNING id
                """
            ).decode(Int64.self).first(where: { _ in true })!
            let ids = plan.lines.map(\.submissionId)
            let positions = plan.lines.indices.map { Int64($0 + 1) }
            let statuses = plan.lines.map(\.status.rawValue)
            let awards = plan.lines.map(\.awarded.cents)
            let reasons = plan.lines.map(\.reason)
            try await connection.query(
                """
                INSERT INTO allocation_lines (run_id, submission_id, position, status, awarded_cents, reason)
                SELECT \(runId), * FROM unnest(\(ids)::bigint[], \(positions)::int[], \(statuses)::text[],
                                               \(awards)::bigint[], \(reasons)::text[])
                """)
            try await connection.query(
                """
                INSERT INTO grants (run_id, call_id, submission_id, amount_cents)
                SELECT \(runId), \(callId), submission_id, awarded_cents FROM allocation_lines
                WHERE run_id = \(runId) AND awarded_cents > 0
                """)
            try await connection.query(
                """
                UPDATE submissions s SET status = l.status
                FROM allocation_lines l
                WHERE l.run_id = \(runId) AND l.submission_id = s.id
                  AND l.status IN ('funded', 'partially_funded', 'reserve', 'rejected')
                """)
            try await connection.query(
                "UPDATE calls SET status = 'decided' WHERE id = \(callId)")
            return (runId, plan)
        }
        // A decision adds as many lines as the call has submissions at once; until autovacuum
        // counts them, PostgreSQL plans the reports that follow as if the decision had one line
        // (a 10,000-line export took 9 s instead of 0.2). Housekeeping: the decision stands anyway.
        _ = try? await database.query("ANALYZE allocation_lines, grants")
        return committed
    }

    /// Supersedes the standing decision, recording why: its grants stop counting, its
    /// submissions go back to `reviewed`, and the call returns to `reviewing` for a new commit.
    /// Both runs stay on record.
    public func revise(callId: Int64, reason: String) async throws -> Int64 {
        let reason = try TextRule.reason.cleaned(reason)
        guard !reason.isEmpty else {
            throw FundError.validation([FieldIssue(field: "reason", reason: "say why the decision is revised")])
        }
        return try await database.transaction { connection in
            try await connection.query("SET LOCAL cfund.revising = 'on'")
            let run = try await connection.query(
                """
                UPDATE allocation_runs SET superseded_at = now(), superseded_reason = \(reason)
                WHERE call_id = \(callId) AND superseded_at IS NULL
                RETURNING id
                """
            ).decode(Int64.self).first(where: { _ in true })
            guard let run else {
                throw FundError.validation([
                    FieldIssue(field: "call", reason: "the call has no committed decision to revise")
                ])
            }
            try await connection.query(
                "UPDATE grants SET status = 'superseded' WHERE run_id = \(run) AND status = 'active'")
            try await connection.query(
                """
                UPDATE submissions SET status = 'reviewed'
                WHERE call_id = \(callId) AND status IN ('funded', 'partially_funded', 'reserve', 'rejected')
                """)
            try await connection.query(
                "UPDATE calls SET status = 'reviewing' WHERE id = \(callId)")
            return run
        }
    }

    /// A funded project declines (or withdraws after the decision): its money returns to the call.
    public func decline(grantId: Int64, reason: String) async throws -> GrantInfo {
        let reason = try TextRule.reason.cleaned(reason)
        guard !reason.isEmpty else {
            throw FundError.validation([FieldIssue(field: "reason", reason: "say why the grant is declined")])
        }
        return try await database.transaction { connection in
            let row = try await connection.query(
                """
                UPDATE grants SET status = 'declined', declined_at = now(), decline_reason = \(reason)
                WHERE id = \(grantId) AND status = 'active'
                RETURNING id, submission_id, amount_cents, status, promoted
                """
            ).decode((Int64, Int64, Int64, String, Bool).self).first(where: { _ in true })
            guard let (id, submission, amount, status, promoted) = row else {
                throw FundError.notFound(kind: "active grant", reference: String(grantId))
            }
            try await connection.query(
                """
                UPDATE submissions SET status = 'rejected',
                    status_reasons = array_append(status_reasons, \("declined the grant: " + reason))
                WHERE id = \(submission)
                """)
            return GrantInfo(
                id: id, submissionId: submission, amount: Money(cents: amount), status: status, promoted: promoted)
        }
    }

    /// Funds the standing decision's reserve list in order with the money declines returned,
    /// each award fitting whole (caps of the run applied).
    public func promote(callId: Int64) async throws -> [GrantInfo] {
        try await database.transaction { connection in
            let run = try await connection.query(
                """
                SELECT r.id, c.budget_cents - c.granted_cents, r.cap_per_project_cents, r.cap_per_organisation_cents
                FROM allocation_runs r JOIN calls c ON c.id = r.call_id
                WHERE r.call_id = \(callId) AND r.superseded_at IS NULL
                FOR UPDATE OF c
                """
            ).decode((Int64, Int64, Int64?, Int64?).self).first(where: { _ in true })
            guard let (runId, left, capPerProject, capPerOrganisation) = run else {
                throw FundError.validation([
                    FieldIssue(
                        field: "call", reason: "the call has no committed decision; run cfund allocate --commit first")
                ])
            }
            let reserveRows = try await connection.query(
                """
                SELECT l.submission_id, s.organisation_id, s.requested_cents,
                       (SELECT coalesce(sum(g.amount_cents), 0) FROM grants g JOIN submissions o ON o.id = g.submission_id
                        WHERE g.call_id = \(callId) AND g.status = 'active' AND o.organisation_id = s.organisation_id)::bigint
                FROM allocation_lines l JOIN submissions s ON s.id = l.submission_id
                WHERE l.run_id = \(runId) AND l.status = 'reserve' AND s.status = 'reserve'
                ORDER BY l.position
                """
            ).decode((Int64, Int64, Int64, Int64).self)
            var reserve: [(Int64, Int64, Int64, Int64)] = []
            for row in reserveRows { reserve.append(row) }
            var remaining = left
            var byOrganisation: [Int64: Int64] = [:]
            var promoted: [GrantInfo] = []
            for (submission, organisation, requested, alreadyGranted) in reserve {
                var award = requested
                if let capPerProject { award = min(award, capPerProject) }
                if let capPerOrganisation {
                    let held = byOrganisation[organisation] ?? alreadyGranted
                    award = min(award, capPerOrganisation - held)
                }
                guard award > 0, award <= remaining else { continue }
                let id = try await connection.query(
                    """
                    INSERT INTO grants (run_id, call_id, submission_id, amount_cents, promoted)
                    VALUES (\(runId), \(callId), \(submission), \(award), true) RETURNING id
                    """
                ).decode(Int64.self).first(where: { _ in true })!
                try await connection.query(
                    """
                    UPDATE submissions SET status = \(award == requested ? "funded" : "partially_funded")
                    WHERE id = \(submission)
                    """)
                remaining -= award
                byOrganisation[organisation] = (byOrganisation[organisation] ?? alreadyGranted) + award
                promoted.append(
                    GrantInfo(
                        id: id, submissionId: submission, amount: Money(cents: award), status: "active", promoted: true)
                )
            }
            return promoted
        }
    }

    /// The call's grants, oldest first.
    public func grants(callId: Int64) async throws -> [GrantInfo] {
        try await database.query(
            """
            SELECT id, submission_id, amount_cents, status, promoted FROM grants WHERE call_id = \(callId) ORDER BY id
            """
        ).map { row in
            let (id, submission, amount, status, promoted) = try row.decode((Int64, Int64, Int64, String, Bool).self)
            return GrantInfo(
                id: id, submissionId: submission, amount: Money(cents: amount), status: status, promoted: promoted)
        }
    }
}
