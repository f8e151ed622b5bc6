import Foundation

/// One submission as ranking sees it.
public struct RankingEntry: Hashable, Sendable {
    public let score: SubmissionScore
    public let receivedAt: Date

    public init(score: SubmissionScore, receivedAt: Date) {
        self.score = score
        self.receivedAt = receivedAt
    }
}

/// A ranked submission and, when it tied with the one above on the total, the rule that
/// separated them.
public struct RankedSubmission: Hashable, Sendable {
    public let rank: Int
    public let entry: RankingEntry
    public let tieBrokenBy: String?
}

/// Orders submissions: total descending, then the grid's criteria in priority order, then
/// earlier receipt, then submission id. The order depends on nothing else, so shuffling the
/// input or the reviews never changes it.
public enum Ranking {
    public static func rank(_ entries: [RankingEntry], grid: ScoringGrid) -> [RankedSubmission] {
        let sorted = entries.sorted { precedes($0, $1, grid: grid) }
        var ranked: [RankedSubmission] = []
        for (index, entry) in sorted.enumerated() {
            var rule: String?
            if index > 0 {
                let previous = sorted[index - 1]
                if previous.score.total == entry.score.total {
                    rule = tieRule(previous, entry, grid: grid)
                }
            }
            ranked.append(RankedSubmission(rank: index + 1, entry: entry, tieBrokenBy: rule))
        }
        return ranked
    }

    /// Whether `a` ranks above `b`. Submissions without a total come last.
    static func precedes(_ a: RankingEntry, _ b: RankingEntry, grid: ScoringGrid) -> Bool {
        switch (a.score.total, b.score.total) {
        case (let x?, let y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        for criterion in grid.criteria {
            let x = a.score.means[criterion.key] ?? Fraction(-1, 1)
            let y = b.score.means[criterion.key] ?? Fraction(-1, 1)
            if x != y { return x > y }
        }
        if a.receivedAt != b.receivedAt { return a.receivedAt < b.receivedAt }
        return a.score.submissionId < b.score.submissionId
    }

    /// The rule that put `b` below `a` when their totals are equal.
    static func tieRule(_ a: RankingEntry, _ b: RankingEntry, grid: ScoringGrid) -> String {
        for criterion in grid.criteria {
            let x = a.score.means[criterion.key] ?? Fraction(-1, 1)
            let y = b.score.means[criterion.key] ?? Fraction(-1, 1)
            if x != y { return "tied on total with #\(a.score.submissionId); \(criterion.key) \(x) > \(y)" }
        }
        if a.receivedAt != b.receivedAt {
            return "tied on total and every criterion with #\(a.score.submissionId); received earlier"
        }
        return "tied on everything with #\(a.score.submissionId); lower submission id"
    }
}
