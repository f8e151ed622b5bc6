import Foundation

/// Counters harsh and lenient reviewers: each reviewer's scores on a criterion are z-scored over
/// their own reviews and mapped back onto the panel's mean and spread for that criterion, then
/// clamped to the scale. A reviewer who adds the same amount to every score changes nothing.
public enum Normalisation {
    public struct ReviewerBias: Hashable, Sendable {
        public let reviewerId: Int64
        /// The reviewer's mean across criteria (raw scale), and the panel's.
        public let mean: Double
        public let panelMean: Double
        /// Far from the panel: more than half the panel's standard deviation away.
        public let flagged: Bool
    }

    public struct Result: Sendable {
        /// Submission → normalised total out of 100.
        public let totals: [Int64: Double]
        /// Submission → standard deviation of its reviews' raw totals (out of 100).
        public let dispersion: [Int64: Double]
        public let reviewers: [ReviewerBias]
    }

    public static func apply(_ reviews: [Int64: [ReviewScores]], grid: ScoringGrid) -> Result {
        // Every (submission, reviewer, criterion, score) in a fixed order, so sums never depend
        // on the order reviews were stored in.
        let submissions = reviews.keys.sorted()
        var byReviewer: [Int64: [String: [Double]]] = [:]
        var panel: [String: [Double]] = [:]
        for submission in submissions {
            for review in reviews[submission]!.sorted(by: { $0.reviewerId < $1.reviewerId }) {
                for criterion in grid.criteria {
                    guard let value = review.thousandths[criterion.key] else { continue }
                    let score = Double(value) / 1000
                    byReviewer[review.reviewerId, default: [:]][criterion.key, default: []].append(score)
                    panel[criterion.key, default: []].append(score)
                }
            }
        }
        func stats(_ values: [Double]) -> (mean: Double, deviation: Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return (mean, variance.squareRoot())
        }
        let panelStats = panel.mapValues(stats)
        let reviewerStats = byReviewer.mapValues { $0.mapValues(stats) }
        let totalWeight = Double(grid.criteria.reduce(0) { $0 + $1.weight })

        func total(_ scores: [String: Double]) -> Double {
            grid.criteria.reduce(0) { sum, criterion in
                let value = scores[criterion.key] ?? criterion.min
                return sum + Double(criterion.weight) * (value - criterion.min) / (criterion.max - criterion.min)
            } / totalWeight * 100
        }

        var totals: [Int64: Double] = [:]
        var dispersion: [Int64: Double] = [:]
        for submission in submissions {
            let list = reviews[submission]!.sorted { $0.reviewerId < $1.reviewerId }
            var normalisedMeans: [String: Double] = [:]
            for criterion in grid.criteria {
                let values: [Double] = list.compactMap { review in
                    guard let value = review.thousandths[criterion.key],
                        let own = reviewerStats[review.reviewerId]?[criterion.key],
                        let group = panelStats[criterion.key]
                    else { return nil }
                    let z = own.deviation > 0 ? (Double(value) / 1000 - own.mean) / own.deviation : 0
                    return min(criterion.max, max(criterion.min, group.mean + z * group.deviation))
                }
                if !values.isEmpty { normalisedMeans[criterion.key] = values.reduce(0, +) / Double(values.count) }
            }
            totals[submission] = total(normalisedMeans)
            let rawTotals = list.map { review in total(review.thousandths.mapValues { Double($0) / 1000 }) }
            dispersion[submission] = rawTotals.isEmpty ? 0 : stats(rawTotals).deviation
        }

        let reviewerMeans = byReviewer.mapValues { criteria in stats(criteria.values.flatMap { $0 }).mean }
        let panelOverall = stats(panel.values.flatMap { $0 })
        let biases = reviewerMeans.keys.sorted().map { id in
            ReviewerBias(
                reviewerId: id, mean: reviewerMeans[id]!, panelMean: panelOverall.mean,
                flagged: abs(reviewerMeans[id]! - panelOverall.mean) > max(panelOverall.deviation / 2, 0.0001))
        }
        return Result(totals: totals, dispersion: dispersion, reviewers: biases)
    }
}
