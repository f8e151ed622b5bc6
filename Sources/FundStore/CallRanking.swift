import Foundation
import FundCore

/// A call's ranking as the database has it: live submissions scored from their finalised
/// reviews, and the ones left out (ineligible, withdrawn).
public struct CallRanking: Sendable {
    public let call: Call
    public let ranked: [RankedSubmission]
    public let excluded: [SubmissionSummary]
    public let submissions: [Int64: SubmissionSummary]

    public static func load(_ call: Call, database: Database) async throws -> CallRanking {
        // The two reads are independent: run them side by side on two connections.
        async let listed = SubmissionRepository(database).list(callId: call.id)
        let scores = try await ReviewRepository(database).scores(
            callId: call.id, grid: call.grid, required: call.reviewsPerSubmission)
        let submissions = try await listed
        let none = [CriterionTally?](repeating: nil, count: call.grid.criteria.count)
        var entries: [RankingEntry] = []
        var excluded: [SubmissionSummary] = []
        entries.reserveCapacity(submissions.count)
        for submission in submissions {
            if submission.status == .withdrawn || submission.status == .ineligible {
                excluded.append(submission)
                continue
            }
            let score =
                scores[submission.id]
                ?? Scoring.score(
                    submissionId: submission.id, tallies: none, finalReviews: 0, grid: call.grid,
                    required: call.reviewsPerSubmission)
            entries.append(RankingEntry(score: score, receivedAt: submission.receivedAt))
        }
        return CallRanking(
            call: call, ranked: Ranking.rank(entries, grid: call.grid), excluded: excluded,
            submissions: Dictionary(uniqueKeysWithValues: submissions.map { ($0.id, $0) }))
    }

    /// Allocation's view: fundable submissions in rank order, then the others with why not.
    public var candidates: [AllocationCandidate] {
        ranked.map { item in
            let summary = submissions[item.entry.score.submissionId]!
            let score = item.entry.score
            return AllocationCandidate(
                submissionId: summary.id, organisationId: summary.organisationId, requested: summary.requested,
                refusal: score.isFundable
                    ? nil
                    : .init(status: .rejected, reason: score.unfundableReasons.joined(separator: "; ")))
        }
            + excluded.map { summary in
                AllocationCandidate(
                    submissionId: summary.id, organisationId: summary.organisationId, requested: summary.requested,
                    refusal: .init(status: summary.status, reason: summary.status.rawValue))
            }
    }
}
