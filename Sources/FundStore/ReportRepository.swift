import Foundation
import FundCore
import PostgresNIO

/// One line of the allocations report.
public struct AllocationReportRow: Sendable {
    public let position: Int
    public let submissionId: Int64
    public let organisation: String
    public let kind: String
    public let city: String
    public let country: String
    public let title: String
    public let requested: Money
    public let awarded: Money
    public let status: String
    public let score: SubmissionScore
    public let decisionId: Int64
}

/// A call's figures in the envelope report.
public struct EnvelopeReportRow: Sendable, Equatable {
    public let callId: Int64
    public let title: String
    public let status: String
    public let budget: Money
    public let granted: Money
    public let reserveTotal: Money
    public let returned: Money
    /// Paid to grantees so far (every payment of the call's grants), and paid back by them.
    public let paid: Money
    public let recovered: Money
    /// Released by final reports: grants reduced when projects cost less.
    public let released: Money
    /// Still to pay on grants, and paid beyond what grants came to (to be paid back).
    public let toPay: Money
    public let toRecover: Money
    /// The call's budget not committed to a grant.
    public var remaining: Money { budget.subtracting(granted) }
}

/// Reads for finance. Exports stream: rows are handed over as PostgreSQL sends them, so
/// memory stays flat however large the call.
public struct ReportRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// The call's standing decision: its id and policy. Refused when there is none, since every
    /// report of a decision needs one.
    public func standingDecision(of call: Call) async throws -> (id: Int64, policy: String) {
        let runs = try await database.query(
            "SELECT id, policy FROM allocation_runs WHERE call_id = \(call.id) AND superseded_at IS NULL")
        guard let run = try runs.first?.decode((Int64, String).self) else {
            throw FundError.validation([
                FieldIssue(
                    field: "call", reason: "\"\(call.title)\" has no committed decision; run cfund allocate --commit")
            ])
        }
        return run
    }

    /// Streams the standing decision's lines in their order, each with its scores; returns the
    /// decision's id. A caller that already looked the decision up passes it.
    public func streamAllocations(
        call: Call, decision: Int64? = nil, _ body: (AllocationReportRow) throws -> Void
    ) async throws -> Int64 {
        let runId: Int64
        if let decision { runId = decision } else { runId = try await standingDecision(of: call).id }
        // $1 is the run, $2 the call; the criterion keys follow.
        var query = PostgresQuery(unsafeSQL: "")
        try query.binds.append(runId, context: .default)
        try query.binds.append(call.id, context: .default)
        let tallies = try ReviewRepository.tallySQL(grid: call.grid, callParameter: 2, binds: &query.binds)
        query.sql = """
            SELECT l.position, l.submission_id, o.name, o.kind, o.city, o.country, s.title, s.requested_cents,
                   coalesce(g.amount_cents, 0)::bigint, s.status, t.*
            FROM allocation_lines l
            JOIN submissions s ON s.id = l.submission_id
            JOIN organisations o ON o.id = s.organisation_id
            LEFT JOIN (SELECT submission_id, sum(amount_cents) AS amount_cents FROM grants
                       WHERE call_id = $2 AND status = 'active' GROUP BY submission_id) g ON g.submission_id = s.id
            LEFT JOIN (\(tallies)) t ON t.submission_id = s.id
            WHERE l.run_id = $1
            ORDER BY l.position
            """
        let grid = Scoring.PreparedGrid(call.grid)
        try await database.forEachRow(query) { row in
            let cells = Array(row)
            // t.* starts at column 10 with its submission_id; the tally proper at 11.
            let (final, tallies) = try ReviewRepository.tallies(cells, from: 11, grid: call.grid)
            let submissionId = try cells[1].decode(Int64.self)
            try body(
                AllocationReportRow(
                    position: Int(try cells[0].decode(Int32.self)), submissionId: submissionId,
                    organisation: try cells[2].decode(String.self), kind: try cells[3].decode(String.self),
                    city: try cells[4].decode(String.self), country: try cells[5].decode(String.self),
                    title: try cells[6].decode(String.self), requested: Money(cents: try cells[7].decode(Int64.self)),
                    awarded: Money(cents: try cells[8].decode(Int64.self)), status: try cells[9].decode(String.self),
                    score: Scoring.score(
                        submissionId: submissionId, tallies: tallies, finalReviews: final, grid: grid,
                        required: call.reviewsPerSubmission),
                    decisionId: runId))
        }
        return runId
    }

    /// Streams every review of a call (draft and final) with its scores and comments.
    public func streamReviews(
        call: Call,
        _ body: (_ cells: (Int64, Int64, String, String, String, Bool, [String: Int64], [String: String])) throws ->
            Void
    ) async throws {
        let query: PostgresQuery = """
            SELECT a.id, s.id, o.name, s.title, v.name, r.final, r.scores::text, r.comments::text
            FROM assignments a JOIN reviews r ON r.assignment_id = a.id
            JOIN submissions s ON s.id = a.submission_id JOIN organisations o ON o.id = s.organisation_id
            JOIN reviewers v ON v.id = a.reviewer_id
            WHERE a.call_id = \(call.id)
            ORDER BY s.id, v.name, a.id
            """
        let decoder = JSONDecoder()
        try await database.forEachRow(query) { row in
            let (assignment, submission, organisation, title, reviewer, final, scores, comments) = try row.decode(
                (Int64, Int64, String, String, String, Bool, String, String).self)
            try body(
                (
                    assignment, submission, organisation, title, reviewer, final,
                    try decoder.decode([String: Int64].self, from: Data(scores.utf8)),
                    try decoder.decode([String: String].self, from: Data(comments.utf8))
                ))
        }
    }

    /// How many rows the allocations export and the reviews export of a call will write, for
    /// their progress line.
    public func rowCounts(callId: Int64) async throws -> (allocations: Int, reviews: Int) {
        let rows = try await database.query(
            """
            SELECT (SELECT count(*) FROM allocation_lines l JOIN allocation_runs r ON r.id = l.run_id
                    WHERE r.call_id = \(callId) AND r.superseded_at IS NULL)::bigint,
                   (SELECT count(*) FROM assignments a JOIN reviews v ON v.assignment_id = a.id
                    WHERE a.call_id = \(callId))::bigint
            """)
        guard let (allocations, reviews) = try rows.first?.decode((Int64, Int64).self) else { return (0, 0) }
        return (Int(allocations), Int(reviews))
    }

    /// Each call of an envelope: budget, granted, reserve list, money returned by declines, paid.
    public func envelope(_ envelopeId: Int64) async throws -> [EnvelopeReportRow] {
        try await database.query(
            """
            SELECT c.id, c.title, c.status, c.budget_cents, c.granted_cents,
                   coalesce((SELECT sum(s.requested_cents) FROM submissions s
                             WHERE s.call_id = c.id AND s.status = 'reserve'), 0)::bigint,
                   coalesce((SELECT sum(g.amount_cents) FROM grants g
                             WHERE g.call_id = c.id AND g.status = 'declined'), 0)::bigint,
                   coalesce((SELECT sum(p.amount_cents) FROM payments p WHERE p.call_id = c.id), 0)::bigint,
                   coalesce(sum(g.recovered_cents), 0)::bigint, coalesce(sum(g.released_cents), 0)::bigint,
                   coalesce(sum(greatest(0, g.amount_cents - g.released_cents - (g.paid_cents - g.recovered_cents))), 0)::bigint,
                   coalesce(sum(greatest(0, (g.paid_cents - g.recovered_cents) - (g.amount_cents - g.released_cents))), 0)::bigint
            FROM calls c LEFT JOIN grants g ON g.call_id = c.id AND g.status = 'active'
            WHERE c.envelope_id = \(envelopeId) GROUP BY c.id ORDER BY c.opens_at, c.id
            """
        ).map { row in
            let (id, title, status, budget, granted, reserve, returned, paid, recovered, released, toPay, toRecover) =
                try row.decode(
                    (Int64, String, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            return EnvelopeReportRow(
                callId: id, title: title, status: status, budget: Money(cents: budget), granted: Money(cents: granted),
                reserveTotal: Money(cents: reserve), returned: Money(cents: returned), paid: Money(cents: paid),
                recovered: Money(cents: recovered), released: Money(cents: released), toPay: Money(cents: toPay),
                toRecover: Money(cents: toRecover))
        }
    }
}
