import Foundation
import FundCore

/// Gathers what `cfund report html` shows of a decided call: the standing decision as it is
/// now (after declines and promotions), scores with their spread, reviewer bias, budgets.
public struct CallReportRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    public func page(call: Call) async throws -> CallReportPage {
        let reports = ReportRepository(database)
        let (runId, policy) = try await reports.standingDecision(of: call)
        var reasons: [Int64: String] = [:]
        var declined: Set<Int64> = []
        // Declined: the decision's grant to it was declined and nothing replaced it.
        for (submission, planned, reason, current, statusReasons, wasDeclined) in try await database.query(
            """
            SELECT l.submission_id, l.status, l.reason, s.status, s.status_reasons,
                   EXISTS (SELECT 1 FROM grants g WHERE g.run_id = l.run_id AND g.submission_id = s.id
                           AND g.status = 'declined')
                   AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.run_id = l.run_id AND g.submission_id = s.id
                                   AND g.status = 'active')
            FROM allocation_lines l JOIN submissions s ON s.id = l.submission_id WHERE l.run_id = \(runId)
            """
        ).decode((Int64, String, String, String, [String], Bool).self) {
            if wasDeclined { declined.insert(submission) }
            reasons[submission] = Self.reason(
                planned: planned, planReason: reason, current: current, statusReasons: statusReasons)
        }
        let normalised = Normalisation.apply(
            try await ReviewRepository(database).finalReviews(callId: call.id), grid: call.grid)
        var lines: [CallReportPage.Line] = []
        _ = try await reports.streamAllocations(call: call, decision: runId) { row in
            lines.append(
                CallReportPage.Line(
                    position: row.position, submissionId: row.submissionId, organisation: row.organisation,
                    title: row.title, requested: row.requested, awarded: row.awarded,
                    status: declined.contains(row.submissionId) ? "declined" : row.status,
                    reason: reasons[row.submissionId] ?? "", total: row.score.total?.value,
                    dispersion: normalised.dispersion[row.submissionId]))
        }
        let names = Dictionary(
            uniqueKeysWithValues: try await ReviewerRepository(database).list().map { ($0.id, $0.name) })
        let envelope = try await EnvelopeRepository(database).find(String(call.envelopeId))
        let figures = try await reports.envelope(call.envelopeId).first { $0.callId == call.id }
        return CallReportPage(
            callTitle: call.title, envelopeName: envelope.envelope.name, envelopeTotal: envelope.balance.total,
            otherCalls: envelope.balance.reserved.subtracting(call.budget), budget: call.budget,
            granted: figures?.granted ?? .zero, reserveTotal: figures?.reserveTotal ?? .zero, decisionId: runId,
            policy: policy, lines: lines,
            reviewers: normalised.reviewers.map {
                CallReportPage.Reviewer(
                    name: names[$0.reviewerId] ?? "reviewer \($0.reviewerId)", mean: $0.mean, panelMean: $0.panelMean,
                    flagged: $0.flagged)
            },
            scaleMax: call.grid.criteria.map(\.max).max() ?? 5)
    }

    /// Why a submission stands where it does now: the plan's reason, unless a decline or a
    /// promotion changed its status since.
    static func reason(planned: String, planReason: String, current: String, statusReasons: [String]) -> String {
        if current == "withdrawn" && statusReasons.isEmpty { return "withdrawn by the applicant before the deadline" }
        if current == planned { return statusReasons.isEmpty ? planReason : statusReasons.joined(separator: "; ") }
        if planned == "reserve" && (current == "funded" || current == "partially_funded") {
            return "promoted from the reserve list with money a declined grant returned"
        }
        return statusReasons.last ?? planReason
    }
}
