import Foundation
import FundCore
import PostgresNIO

/// A grantee's final report (compte rendu financier): what the project actually cost, line by
/// line, and what was done.
public struct FinalReport: Sendable, Equatable {
    public struct Line: Sendable, Equatable, Codable {
        public let line: String
        public let cents: Int64

        public init(line: String, amount: Money) {
            self.line = line
            cents = amount.cents
        }
    }

    public let id: Int64
    public let grantId: Int64
    public let actualCost: Money
    public let spending: [Line]
    public let narrative: String
    public let status: String
    public let filedAt: Date
    public let reason: String
    public let settled: Money?
    public let attachmentIds: [Int64]
}

/// Filing, accepting and returning final reports, and the money that comes back (Schema/0020).
public struct FinalReportRepository: Sendable {
    let database: Database

    public init(_ database: Database) {
        self.database = database
    }

    /// Files a report for a grant; `organisationId` (the portal's or the API's caller) must be
    /// the grantee's, or the grant is not found. A grant has one report filed or accepted at a
    /// time; a returned one is filed again.
    public func file(
        grantId: Int64, organisationId: Int64?, actualCost: Money, spending: [FinalReport.Line], narrative: String,
        attachmentIds: [Int64] = [], actor: String? = nil
    ) async throws -> FinalReport {
        var issues: [FieldIssue] = []
        let narrative = TextRule.narrative.check(narrative, into: &issues)
        for (index, line) in spending.enumerated() {
            if TextRule.clean(line.line).isEmpty || line.line.count > 200 {
                issues.append(FieldIssue(field: "spending[\(index)].line", Message("report.line_name")))
            }
            if line.cents < 0 {
                issues.append(FieldIssue(field: "spending[\(index)].amount", Message("report.line_negative")))
            }
        }
        let total = Money(cents: spending.reduce(0) { $0 + $1.cents })
        if !spending.isEmpty, total != actualCost {
            issues.append(
                FieldIssue(
                    field: "actualCost",
                    Message("report.lines_total", ["lines": .money(total), "cost": .money(actualCost)])))
        }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let lines = String(decoding: try JSONEncoder().encode(spending), as: UTF8.self)
        let id: Int64 = try await database.transaction(actor: actor) { transaction in
            let owned = try await transaction.query(
                """
                SELECT 1 FROM grants g JOIN submissions s ON s.id = g.submission_id
                WHERE g.id = \(grantId) AND (\(organisationId)::bigint IS NULL OR s.organisation_id = \(organisationId))
                """)
            guard try owned.decode(Int.self).first != nil else {
                throw FundError.notFound(kind: "grant", reference: String(grantId))
            }
            let rows = try await transaction.query(
                """
                INSERT INTO final_reports (grant_id, call_id, actual_cost_cents, spending, narrative)
                VALUES (\(grantId), 0, \(actualCost.cents), \(lines)::jsonb, \(narrative))
                RETURNING id
                """)
            guard let id = try rows.decode(Int64.self).first else {
                throw FundError.database("The final report was not stored; file it again.")
            }
            for attachment in attachmentIds {
                let attached = try await transaction.query(
                    """
                    INSERT INTO final_report_attachments (report_id, attachment_id)
                    SELECT \(id), a.id FROM attachments a
                    WHERE a.id = \(attachment)
                      AND (\(organisationId)::bigint IS NULL OR a.organisation_id = \(organisationId))
                    RETURNING attachment_id
                    """)
                guard try attached.decode(Int64.self).first != nil else {
                    throw FundError.validation([
                        FieldIssue(field: "attachments", reason: "file \(attachment) is not one of the organisation's")
                    ])
                }
            }
            return id
        }
        return try await report(id: id)
    }

    public func reports(grantId: Int64) async throws -> [FinalReport] {
        try await database.query(
            "SELECT \(unescaped: Self.columns) FROM final_reports f WHERE f.grant_id = \(grantId) ORDER BY f.id"
        ).map(Self.report)
    }

    public func report(id: Int64) async throws -> FinalReport {
        guard
            let report = try await database.query(
                "SELECT \(unescaped: Self.columns) FROM final_reports f WHERE f.id = \(id)"
            ).map(Self.report).first
        else { throw FundError.notFound(kind: "final report", reference: String(id)) }
        return report
    }

    /// Accepts the grant's filed report and settles the grant (`Settlement`): the planned cost is
    /// the submission's total cost.
    public func accept(grantId: Int64, reason: String, actor: String? = nil) async throws -> FinalReport {
        try await decide(grantId: grantId, reason: reason, actor: actor) { transaction, report in
            let terms = try await transaction.query(
                """
                SELECT g.amount_cents, s.total_cost_cents, g.reduce_on_lower_cost
                FROM grants g JOIN submissions s ON s.id = g.submission_id WHERE g.id = \(grantId)
                """)
            guard let (amount, planned, reduce) = try terms.decode((Int64, Int64, Bool).self).first else {
                throw FundError.notFound(kind: "grant", reference: String(grantId))
            }
            let settled = Settlement.settled(
                amount: Money(cents: amount), plannedCost: Money(cents: planned), actualCost: report.actualCost,
                reduce: reduce)
            return ("accepted", settled)
        }
    }

    /// Returns the grant's filed report with what to change; the grantee files it again.
    public func returnReport(grantId: Int64, reason: String, actor: String? = nil) async throws -> FinalReport {
        var issues: [FieldIssue] = []
        let reason = TextRule.recusal.check(reason, into: &issues)
        guard issues.isEmpty else {
            throw FundError.validation([FieldIssue(field: "reason", reason: "say what the grantee should change")])
        }
        return try await decide(grantId: grantId, reason: reason, actor: actor) { _, _ in ("returned", nil) }
    }

    private func decide(
        grantId: Int64, reason: String, actor: String?,
        _ outcome: @Sendable (Transaction, FinalReport) async throws -> (String, Money?)
    ) async throws -> FinalReport {
        let id: Int64 = try await database.transaction(actor: actor) { transaction in
            let filed = try await transaction.query(
                """
                SELECT \(unescaped: Self.columns) FROM final_reports f
                WHERE f.grant_id = \(grantId) AND f.status = 'submitted' FOR UPDATE
                """)
            guard let report = try filed.map(Self.report).first else {
                throw FundError.conflict([
                    FieldIssue(field: "report", reason: "grant \(grantId) has no final report waiting for a decision")
                ])
            }
            let (status, settled) = try await outcome(transaction, report)
            try await transaction.query(
                """
                UPDATE final_reports SET status = \(status), settled_cents = \(settled?.cents), reason = \(reason),
                    decided_at = cfund_now()
                WHERE id = \(report.id)
                """)
            return report.id
        }
        return try await report(id: id)
    }

    /// Records money a grantee paid back; never more than is to be recovered (CF081).
    public func recover(grantId: Int64, amount: Money, on day: CalendarDay, reference: String) async throws {
        var issues: [FieldIssue] = []
        let reference = TextRule.paymentReference.check(reference, into: &issues)
        guard issues.isEmpty else { throw FundError.validation(issues) }
        try await database.query(
            """
            INSERT INTO recoveries (grant_id, call_id, amount_cents, received_on, reference)
            VALUES (\(grantId), 0, \(amount.cents), \(day.description)::date, \(reference))
            """)
    }

    static let columns = """
        f.id, f.grant_id, f.actual_cost_cents, f.spending::text, f.narrative, f.status, f.filed_at, f.reason,
        f.settled_cents,
        coalesce((SELECT array_agg(attachment_id ORDER BY attachment_id) FROM final_report_attachments
                  WHERE report_id = f.id), '{}')
        """

    static func report(_ row: PostgresRow) throws -> FinalReport {
        let (id, grant, cost, spending, narrative, status, filed, reason, settled, attachments) = try row.decode(
            (Int64, Int64, Int64, String, String, String, Date, String, Int64?, [Int64]).self)
        return FinalReport(
            id: id, grantId: grant, actualCost: Money(cents: cost),
            spending: (try? JSONDecoder().decode([FinalReport.Line].self, from: Data(spending.utf8))) ?? [],
            narrative: narrative, status: status, filedAt: filed, reason: reason, settled: settled.map(Money.init),
            attachmentIds: attachments)
    }
}
