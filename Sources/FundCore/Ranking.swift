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
        let keys = SortKeys(entries, grid: grid)
        let order = entries.indices.sorted { keys.precedes($0, $1) }
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

    /// Every entry's sort key in flat arrays, computed once: comparing touches no dictionary
    /// and copies nothing that is reference-counted.
    ///
    /// Each exact fraction has a `Double` beside it. Two doubles further apart than their
    /// rounding error (about 1e-16 relative, checked at 1e-9) order their fractions the same
    /// way, so the exact 128-bit comparison only runs when the doubles are that close: the
    /// order is the exact one, found faster.
    struct SortKeys {
        let criteria: Int
        let totals: [Fraction?]
        let approximateTotals: [Double]
        let means: [Fraction]
        let approximateMeans: [Double]
        let receivedAt: [Date]
        let ids: [Int64]

        init(_ entries: [RankingEntry], grid: ScoringGrid) {
            let missing = Fraction(-1, 1)
            let keys = grid.criteria.map(\.key)
            criteria = keys.count
            var totals: [Fraction?] = []
            var approximateTotals: [Double] = []
            var means: [Fraction] = []
            var receivedAt: [Date] = []
            var ids: [Int64] = []
            totals.reserveCapacity(entries.count)
            approximateTotals.reserveCapacity(entries.count)
            means.reserveCapacity(entries.count * keys.count)
            receivedAt.reserveCapacity(entries.count)
            ids.reserveCapacity(entries.count)
            for entry in entries {
                let score = entry.score
                totals.append(score.total)
                approximateTotals.append(score.total?.value ?? -.infinity)
                // Scores made on this grid hold their means in its order; others are looked up.
                if score.means.keys == keys {
                    for value in score.means.values { means.append(value ?? missing) }
                } else {
                    for key in keys { means.append(score.means[key] ?? missing) }
                }
                receivedAt.append(entry.receivedAt)
                ids.append(score.submissionId)
            }
            self.totals = totals
            self.approximateTotals = approximateTotals
            self.means = means
            approximateMeans = means.map { $0.value }
            self.receivedAt = receivedAt
            self.ids = ids
        }

        /// Whether `a` and `b` are far enough apart for their doubles to decide.
        @inline(__always)
        static func clearlyApart(_ a: Double, _ b: Double) -> Bool {
            abs(a - b) > 1e-9 * max(1, abs(a), abs(b))
        }

        func precedes(_ i: Int, _ j: Int) -> Bool {
            let (a, b) = (approximateTotals[i], approximateTotals[j])
            if a.isFinite && b.isFinite && Self.clearlyApart(a, b) { return a > b }
            switch (totals[i], totals[j]) {
            case (let x?, let y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            for k in 0..<criteria {
                let (x, y) = (approximateMeans[i * criteria + k], approximateMeans[j * criteria + k])
                if Self.clearlyApart(x, y) { return x > y }
                let (p, q) = (means[i * criteria + k], means[j * criteria + k])
                if p != q { return p > q }
            }
            if receivedAt[i] != receivedAt[j] { return receivedAt[i] < receivedAt[j] }
            return ids[i] < ids[j]
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
