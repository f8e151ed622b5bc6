import Foundation
import FundCore

/// A call's ranking as the database has it: live submissions scored from their finalised
/// reviews, and the ones left out (ineligible, withdrawn).
public struct CallRanking: Sendable {
    public let call: Call
    public let ranked: [RankedSubmission]
    public let excluded: [SubmissionSummary]
    public let submissions: [Int64: SubmissionSummary]

    public static func load(_ call: Call, database: any QueryExecutor) async throws -> CallRanking {
        // The two reads are independent: run them side by side on two connections.
        async let listed = SubmissionRepository(database).list(callId: call.id)
        let scores = try await ReviewRepository(database).scores(
            callId: call.id, grid: call.grid, required: call.reviewsPerSubmission)
        let submissions = try await listed
        let live = submissions.filter { $0.status.isRanked }
        return CallRanking(
            call: call,
            ranked: Ranking.rank(
                Self.entries(live.map { ($0.id, $0.receivedAt) }, scores: scores, call: call), grid: call.grid),
            excluded: submissions.filter { !$0.status.isRanked },
            submissions: Dictionary(uniqueKeysWithValues: submissions.map { ($0.id, $0) }))
    }

    /// Allocation's view: fundable submissions in rank order, then the others with why not.
    /// Reads only what a plan needs (no names or titles), as planning a call of 100,000 must
    /// stay quick.
    public static func candidates(_ call: Call, database: any QueryExecutor) async throws -> [AllocationCandidate] {
        async let listed = SubmissionRepository(database).fundingFacts(callId: call.id)
        let scores = try await ReviewRepository(database).scores(
            callId: call.id, grid: call.grid, required: call.reviewsPerSubmission)
        let facts = try await listed
        var byId: [Int64: SubmissionRepository.FundingFacts] = [:]
        byId.reserveCapacity(facts.count)
        for fact in facts { byId[fact.id] = fact }
        let live = facts.filter { $0.status.isRanked }
        let ranked = Ranking.rank(
            Self.entries(live.map { ($0.id, $0.receivedAt) }, scores: scores, call: call), grid: call.grid)
        var candidates: [AllocationCandidate] = []
        candidates.reserveCapacity(facts.count)
        // Unfundable submissions mostly share their reasons (a score below the bar): each distinct
        // set is said once, not once per submission of 100,000.
        var said: [[Message]: String] = [:]
        func reason(_ messages: [Message]) -> String {
            if let text = said[messages] { return text }
            let text = messages.map { $0.text(in: .en) }.joined(separator: "; ")
            said[messages] = text
            return text
        }
        for item in ranked {
            let score = item.entry.score
            let fact = byId[score.submissionId]!
            candidates.append(
                AllocationCandidate(
                    submissionId: fact.id, organisationId: fact.organisationId, requested: fact.requested,
                    refusal: score.isFundable
                        ? nil
                        : .init(
                            status: .rejected,
                            reason: reason(score.unfundableReasons))))
        }
        for fact in facts where !fact.status.isRanked {
            candidates.append(
                AllocationCandidate(
                    submissionId: fact.id, organisationId: fact.organisationId, requested: fact.requested,
                    refusal: .init(status: fact.status, reason: fact.status.rawValue)))
        }
        return candidates
    }

    /// Ranking entries for live submissions; one without final reviews scores as such.
    private static func entries(
        _ live: [(id: Int64, receivedAt: Date)], scores: [Int64: SubmissionScore], call: Call
    ) -> [RankingEntry] {
        let none = [CriterionTally?](repeating: nil, count: call.grid.criteria.count)
        return live.map { submission in
            let score =
                scores[submission.id]
                ?? Scoring.score(
                    submissionId: submission.id, tallies: none, finalReviews: 0, grid: call.grid,
                    required: call.reviewsPerSubmission)
            return RankingEntry(score: score, receivedAt: submission.receivedAt)
        }
    }
}

extension SubmissionStatus {
    /// Withdrawn and ineligible submissions are left out of the ranking.
    var isRanked: Bool { self != .withdrawn && self != .ineligible }
}
