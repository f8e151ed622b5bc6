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
        // Sort keys computed once: the comparator then touches no dictionary.
        let missing = Fraction(-1, 1)
        let keys = entries.map { entry in
            SortKey(
                total: entry.score.total, means: grid.criteria.map { entry.score.means[$0.key] ?? missing },
                receivedAt: entry.receivedAt, id: entry.score.submissionId)
        }
        let order = keys.indices.sorted { keys[$0].precedes(keys[$1]) }
        var ranked: [RankedSubmission] = []
        ranked.reserveCapacity(entries.count)
        for (position, index) in order.enumerated() {
            var rule: String?
            if position > 0 {
                let previous = entries[order[position - 1]]
                if previous.score.total == entries[index].score.total {
                    rule = tieRule(previous, entries[index], grid: grid)
                }
            }
            ranked.append(RankedSubmission(rank: position + 1, entry: entries[index], tieBrokenBy: rule))
        }
        return ranked
    }

    struct SortKey {
        let total: Fraction?
        let means: [Fraction]
        let receivedAt: Date
        let id: Int64

        func precedes(_ other: SortKey) -> Bool {
            switch (total, other.total) {
            case (let x?, let y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            for (x, y) in zip(means, other.means) where x != y { return x > y }
            if receivedAt != other.receivedAt { return receivedAt < other.receivedAt }
            return id < other.id
        }
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
