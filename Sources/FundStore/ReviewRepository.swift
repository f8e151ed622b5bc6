import Foundation
import FundCore
import PostgresNIO

/// A reviewer's assignment with what they need to score it.
public struct AssignmentView: Sendable {
    public let assignmentId: Int64
    public let callId: Int64
    public let submission: Submission
    public let scores: [String: Double]
    public let comments: [String: String]
    public let final: Bool
}

/// Review progress of one submission.
public struct SubmissionReviewStatus: Sendable, Equatable {
    public let submissionId: Int64
    public let organisation: String
    public let title: String
    public let final: Int
    public let draft: Int
    public let missing: Int
}

/// Load and progress of one reviewer in a call.
public struct ReviewerProgress: Sendable, Equatable {
    public let reviewerId: Int64
    public let name: String
    public let load: Int
    public let final: Int
}

/// A reviewer's stepping back from a submission, as the programme team sees it.
public struct RecusalInfo: Sendable, Equatable {
    public let reviewer: String
    public let submissionId: Int64
    public let organisation: String
    public let reason: String
    public let declaredAt: Date
}

/// Assignments and reviews in PostgreSQL; conflicts and the immutability of final reviews are
/// enforced by the database (Schema/0003).
public struct ReviewRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// The call's live submissions and every reviewer, as the assignment planner needs them.
    public func assignmentInput(callId: Int64) async throws -> (
        needs: [ReviewerAssignment.SubmissionNeed], reviewers: [ReviewerAssignment.Reviewer]
    ) {
        let needRows = try await database.query(
            """
            SELECT s.id, s.organisation_id,
                   coalesce(array_agg(a.reviewer_id) FILTER (WHERE a.reviewer_id IS NOT NULL), '{}')
            FROM submissions s LEFT JOIN assignments a ON a.submission_id = s.id
            WHERE s.call_id = \(callId) AND s.status IN ('submitted', 'reviewed')
            GROUP BY s.id ORDER BY s.id
            """)
        let needs = try needRows.map { row in
            let (id, organisation, assigned) = try row.decode((Int64, Int64, [Int64]).self)
            return ReviewerAssignment.SubmissionNeed(
                submissionId: id, organisationId: organisation, assigned: Set(assigned))
        }
        let reviewerRows = try await database.query(
            """
            SELECT r.id,
                   array_remove(array_append(
                       coalesce((SELECT array_agg(c.organisation_id) FROM reviewer_conflicts c
                                 WHERE c.reviewer_id = r.id), '{}'),
                       r.affiliation_id), NULL),
                   (SELECT count(*) FROM assignments a WHERE a.reviewer_id = r.id AND a.call_id = \(callId))::bigint
            FROM reviewers r ORDER BY r.id
            """)
        let reviewers = try reviewerRows.map { row in
            let (id, conflicts, load) = try row.decode((Int64, [Int64], Int64).self)
            return ReviewerAssignment.Reviewer(
                id: id, conflictedOrganisations: Set(conflicts), currentLoad: Int(load))
        }
        return (needs, reviewers)
    }

    /// Stores planned pairs in one statement; the database refuses any conflicted pair.
    public func storeAssignments(callId: Int64, pairs: [ReviewerAssignment.Pair]) async throws -> Int {
        guard !pairs.isEmpty else { return 0 }
        let submissions = pairs.map(\.submissionId)
        let reviewers = pairs.map(\.reviewerId)
        let rows = try await database.query(
            """
            WITH inserted AS (
                INSERT INTO assignments (call_id, submission_id, reviewer_id)
                SELECT \(callId), s, r FROM unnest(\(submissions)::bigint[], \(reviewers)::bigint[]) AS t (s, r)
                ON CONFLICT (submission_id, reviewer_id) DO NOTHING
                RETURNING id
            ), created AS (
                INSERT INTO reviews (assignment_id) SELECT id FROM inserted RETURNING assignment_id
            )
            SELECT count(*)::bigint FROM created
            """)
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// Plans and stores what is missing for every live submission of the call, in one
    /// transaction. Two admins running it at once queue on an advisory lock, so the second reads
    /// the first's assignments once they are committed.
    public func assign(callId: Int64, perSubmission: Int, maxLoad: Int?) async throws -> Int {
        try await database.transaction { transaction in
            let callKey = Int32(truncatingIfNeeded: callId)
            try await transaction.query("SELECT pg_advisory_xact_lock(\(Self.assignLockKey), \(callKey))")
            let reviews = ReviewRepository(transaction)
            let (needs, reviewers) = try await reviews.assignmentInput(callId: callId)
            switch ReviewerAssignment.plan(
                submissions: needs, reviewers: reviewers, perSubmission: perSubmission, maxLoad: maxLoad)
            {
            case .success(let pairs): return try await reviews.storeAssignments(callId: callId, pairs: pairs)
            case .failure(let impossible): throw FundError.assignmentImpossible(impossible.reasons)
            }
        }
    }

    static let assignLockKey: Int32 = 0x6366_7276

    /// Finalised reviews of a call's live submissions, by submission.
    public func finalReviews(callId: Int64) async throws -> [Int64: [ReviewScores]] {
        // Keys and values as two arrays: decoding JSON per review costs more than the ranking.
        let rows = try await database.query(
            """
            SELECT a.submission_id, a.reviewer_id,
                   coalesce((SELECT array_agg(e.key ORDER BY e.key) FROM jsonb_each_text(r.scores) e), '{}'),
                   coalesce((SELECT array_agg(e.value::bigint ORDER BY e.key) FROM jsonb_each_text(r.scores) e), '{}')
            FROM reviews r JOIN assignments a ON a.id = r.assignment_id
            WHERE a.call_id = \(callId) AND r.final
            ORDER BY a.submission_id, a.reviewer_id
            """)
        var reviews: [Int64: [ReviewScores]] = [:]
        for row in rows {
            let (submission, reviewer, keys, values) = try row.decode((Int64, Int64, [String], [Int64]).self)
            let thousandths = Dictionary(uniqueKeysWithValues: zip(keys, values))
            reviews[submission, default: []].append(ReviewScores(reviewerId: reviewer, thousandths: thousandths))
        }
        return reviews
    }

    /// Every submission's score from its finalised reviews, scored as the rows stream in: no
    /// per-submission dictionary of tallies on the way.
    public func scores(callId: Int64, grid: ScoringGrid, required: Int) async throws -> [Int64: SubmissionScore] {
        var query = PostgresQuery(unsafeSQL: "")
        try query.binds.append(callId, context: .default)
        query.sql = try Self.tallySQL(grid: grid, callParameter: 1, binds: &query.binds)
        let prepared = Scoring.PreparedGrid(grid)
        var scores: [Int64: SubmissionScore] = [:]
        try await database.forEachRow(query) { row in
            let cells = Array(row)
            let submission = try cells[0].decode(Int64.self)
            let (final, tallies) = try Self.tallies(cells, from: 1, grid: grid)
            scores[submission] = Scoring.score(
                submissionId: submission, tallies: tallies, finalReviews: final, grid: prepared, required: required)
        }
        return scores
    }

    /// SQL giving, per submission of the call bound at `$callParameter`, its final reviews and
    /// each criterion's sum and count: `submission_id, final, sum₁, count₁, …`. Appends the
    /// criterion keys to `binds`.
    static func tallySQL(grid: ScoringGrid, callParameter: Int, binds: inout PostgresBindings) throws -> String {
        var columns = ""
        for criterion in grid.criteria {
            try binds.append(criterion.key, context: .default)
            let key = "$\(binds.count)"
            columns += ", coalesce(sum((r.scores ->> \(key))::bigint), 0)::bigint, count(r.scores ->> \(key))::bigint"
        }
        return """
            SELECT a.submission_id, count(*)::bigint AS final\(columns)
            FROM reviews r JOIN assignments a ON a.id = r.assignment_id
            WHERE a.call_id = $\(callParameter) AND r.final GROUP BY a.submission_id
            """
    }

    /// Reads what `tallySQL` gives from `offset` (its `final` column) on: the final reviews, and
    /// one tally per criterion in the grid's order (nil when no review scored it).
    static func tallies(_ cells: [PostgresCell], from offset: Int, grid: ScoringGrid) throws
        -> (finalReviews: Int, tallies: [CriterionTally?])
    {
        var tallies: [CriterionTally?] = []
        tallies.reserveCapacity(grid.criteria.count)
        for index in grid.criteria.indices {
            let count = try cells[offset + 2 + index * 2].decode(Int64?.self) ?? 0
            tallies.append(
                count > 0
                    ? CriterionTally(
                        sumThousandths: try cells[offset + 1 + index * 2].decode(Int64.self), count: Int(count))
                    : nil)
        }
        return (Int(try cells[offset].decode(Int64?.self) ?? 0), tallies)
    }

    /// Per submission: final, draft and missing reviews; per reviewer: load and progress.
    public func status(callId: Int64, wanted: Int) async throws -> ([SubmissionReviewStatus], [ReviewerProgress]) {
        let submissionRows = try await database.query(
            """
            SELECT s.id, o.name, s.title,
                   count(*) FILTER (WHERE r.final)::bigint, count(*) FILTER (WHERE r.final = false)::bigint
            FROM submissions s JOIN organisations o ON o.id = s.organisation_id
            LEFT JOIN assignments a ON a.submission_id = s.id LEFT JOIN reviews r ON r.assignment_id = a.id
            WHERE s.call_id = \(callId) AND s.status IN ('submitted', 'reviewed')
            GROUP BY s.id, o.name ORDER BY s.id
            """)
        let submissions = try submissionRows.map { row in
            let (id, organisation, title, final, draft) = try row.decode((Int64, String, String, Int64, Int64).self)
            return SubmissionReviewStatus(
                submissionId: id, organisation: organisation, title: title, final: Int(final), draft: Int(draft),
                missing: max(0, wanted - Int(final) - Int(draft)))
        }
        let reviewerRows = try await database.query(
            """
            SELECT v.id, v.name, count(a.id)::bigint, count(*) FILTER (WHERE r.final)::bigint
            FROM reviewers v JOIN assignments a ON a.reviewer_id = v.id AND a.call_id = \(callId)
            LEFT JOIN reviews r ON r.assignment_id = a.id
            GROUP BY v.id ORDER BY v.name, v.id
            """)
        let reviewers = try reviewerRows.map { row in
            let (id, name, load, final) = try row.decode((Int64, String, Int64, Int64).self)
            return ReviewerProgress(reviewerId: id, name: name, load: Int(load), final: Int(final))
        }
        return (submissions, reviewers)
    }

    /// A reviewer's assignments (all calls, or one), with the submission and their review so far.
    public func assignments(reviewerId: Int64, callId: Int64? = nil, assignmentId: Int64? = nil) async throws
        -> [AssignmentView]
    {
        // One query: the submission's columns first, then the assignment's and its review's.
        let rows = try await database.query(
            """
            SELECT \(unescaped: SubmissionRepository.columns), a.id, a.call_id, r.scores::text, r.comments::text, r.final
            FROM assignments a JOIN reviews r ON r.assignment_id = a.id
            JOIN submissions s ON s.id = a.submission_id JOIN organisations o ON o.id = s.organisation_id
            WHERE a.reviewer_id = \(reviewerId) AND (\(callId)::bigint IS NULL OR a.call_id = \(callId))
              AND (\(assignmentId)::bigint IS NULL OR a.id = \(assignmentId))
            ORDER BY a.call_id, a.submission_id
            """)
        return try rows.map { row in
            let cells = Array(row)
            let first = SubmissionRepository.columnCount
            let scores = try cells[first + 2].decode(String.self)
            let comments = try cells[first + 3].decode(String.self)
            return AssignmentView(
                assignmentId: try cells[first].decode(Int64.self), callId: try cells[first + 1].decode(Int64.self),
                submission: try SubmissionRepository.submission(row),
                scores: try JSONDecoder().decode([String: Int64].self, from: Data(scores.utf8)).mapValues {
                    Double($0) / 1000
                },
                comments: try JSONDecoder().decode([String: String].self, from: Data(comments.utf8)),
                final: try cells[first + 4].decode(Bool.self))
        }
    }

    /// Saves a reviewer's scores on their own assignment (404 for anyone else's; 409 once final).
    public func save(
        assignmentId: Int64, reviewerId: Int64, scores: [String: Double], comments: [String: String], final: Bool,
        grid: ScoringGrid, actor: String? = nil
    ) async throws {
        let (comments, issues) = ReviewValidation.validate(
            scores: scores, comments: comments, grid: grid, final: final)
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let thousandths = String(
            decoding: try JSONEncoder.sorted.encode(scores.mapValues { Int64(($0 * 1000).rounded()) }), as: UTF8.self)
        let notes = String(decoding: try JSONEncoder.sorted.encode(comments), as: UTF8.self)
        let rows = try await database.query(
            """
            UPDATE reviews r SET scores = \(thousandths)::jsonb, comments = \(notes)::jsonb, final = \(final)
            FROM assignments a
            WHERE r.assignment_id = a.id AND a.id = \(assignmentId) AND a.reviewer_id = \(reviewerId)
            RETURNING r.assignment_id
            """, actor: actor)
        guard !rows.isEmpty else { throw FundError.notFound(kind: "assignment", reference: String(assignmentId)) }
    }

    /// A reviewer steps back from one of their assignments: they declare a conflict with the
    /// submission's organisation (which withdraws every assignment they have on it, reviews
    /// included: a conflicted opinion must not count) and the recusal is kept with its reason.
    /// Refused once the call is decided: the decision rests on those reviews.
    public func recuse(assignmentId: Int64, reviewerId: Int64, reason: String, actor: String?) async throws {
        let reason = try TextRule.recusal.cleaned(reason)
        try await database.transaction(actor: actor) { transaction in
            let rows = try await transaction.query(
                """
                SELECT a.call_id, a.submission_id, s.organisation_id, c.status
                FROM assignments a JOIN submissions s ON s.id = a.submission_id JOIN calls c ON c.id = a.call_id
                WHERE a.id = \(assignmentId) AND a.reviewer_id = \(reviewerId)
                FOR UPDATE OF a
                """)
            guard
                let (callId, submissionId, organisationId, status) = try rows.first?.decode(
                    (Int64, Int64, Int64, String).self)
            else { throw FundError.notFound(kind: "assignment", reference: String(assignmentId)) }
            guard status != CallStatus.decided.rawValue else {
                throw FundError.conflict([
                    FieldIssue(field: "assignment", Message("review.recusalDecided"))
                ])
            }
            try await transaction.query(
                """
                INSERT INTO recusals (call_id, submission_id, reviewer_id, reason)
                VALUES (\(callId), \(submissionId), \(reviewerId), \(reason))
                """)
            try await transaction.query(
                """
                INSERT INTO reviewer_conflicts (reviewer_id, organisation_id, reason)
                VALUES (\(reviewerId), \(organisationId), \(reason))
                """)
        }
    }

    /// The recusals of a call, in the order they were declared.
    public func recusals(callId: Int64) async throws -> [RecusalInfo] {
        try await database.query(
            """
            SELECT v.name, r.submission_id, o.name, r.reason, r.declared_at
            FROM recusals r JOIN reviewers v ON v.id = r.reviewer_id
            JOIN submissions s ON s.id = r.submission_id JOIN organisations o ON o.id = s.organisation_id
            WHERE r.call_id = \(callId) ORDER BY r.declared_at, r.id
            """
        ).map { row in
            let (reviewer, submission, organisation, reason, at) = try row.decode(
                (String, Int64, String, String, Date).self)
            return RecusalInfo(
                reviewer: reviewer, submissionId: submission, organisation: organisation, reason: reason,
                declaredAt: at)
        }
    }

    /// Imports a filled-in sheet all or nothing: a row on someone else's assignment, a
    /// conflicted one or an already final one refuses the whole file, each with its line.
    public func importSheet(callId: Int64, rows: [ReviewSheet.Row]) async throws -> Int {
        try await database.transaction { connection in
            var issues: [RowIssue] = []
            for row in rows {
                let found = try await connection.query(
                    """
                    SELECT lower(v.email), reviewer_is_conflicted(a.reviewer_id, s.organisation_id), r.final
                    FROM assignments a JOIN reviewers v ON v.id = a.reviewer_id
                    JOIN submissions s ON s.id = a.submission_id JOIN reviews r ON r.assignment_id = a.id
                    WHERE a.id = \(row.assignmentId) AND a.call_id = \(callId)
                    """
                ).decode((String, Bool, Bool).self).first(where: { _ in true })
                guard let (email, conflicted, final) = found, email == row.reviewerEmail.lowercased() else {
                    issues.append(
                        RowIssue(
                            line: row.line,
                            reason:
                                "column assignment: \(row.assignmentId) is not assigned to \(row.reviewerEmail) in this call"
                        ))
                    continue
                }
                if conflicted {
                    issues.append(
                        RowIssue(
                            line: row.line, reason: "column reviewer: conflicted with this submission's organisation"))
                    continue
                }
                if final {
                    issues.append(
                        RowIssue(
                            line: row.line,
                            reason: "column final: assignment \(row.assignmentId) is already final; reopen it first"))
                    continue
                }
                let thousandths = String(
                    decoding: try JSONEncoder.sorted.encode(row.scores.mapValues { Int64(($0 * 1000).rounded()) }),
                    as: UTF8.self)
                let notes = String(decoding: try JSONEncoder.sorted.encode(row.comments), as: UTF8.self)
                try await connection.query(
                    """
                    UPDATE reviews SET scores = \(thousandths)::jsonb, comments = \(notes)::jsonb, final = \(row.final)
                    WHERE assignment_id = \(row.assignmentId)
                    """)
            }
            if !issues.isEmpty { throw FundError.importRejected(issues) }
            return rows.count
        }
    }

    /// An admin reopens a final review so its reviewer can change it; the reason is kept.
    public func reopen(assignmentId: Int64, reason: String) async throws {
        let reason = try TextRule.reason.cleaned(reason)
        guard !reason.isEmpty else {
            throw FundError.validation([FieldIssue(field: "reason", reason: "say why the review is reopened")])
        }
        let rows = try await database.query(
            """
            UPDATE reviews SET final = false, reopened_reason = \(reason)
            WHERE assignment_id = \(assignmentId) AND final
            RETURNING assignment_id
            """)
        guard !rows.isEmpty else {
            throw FundError.validation([
                FieldIssue(field: "assignment", reason: "assignment \(assignmentId) has no final review to reopen")
            ])
        }
    }

    /// The grid of the call an assignment belongs to.
    public func callId(ofAssignment assignmentId: Int64) async throws -> Int64 {
        let rows = try await database.query("SELECT call_id FROM assignments WHERE id = \(assignmentId)")
        guard let id = try rows.first?.decode(Int64.self) else {
            throw FundError.notFound(kind: "assignment", reference: String(assignmentId))
        }
        return id
    }
}
