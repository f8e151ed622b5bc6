/// A finalised review's scores, in thousandths of a point so that sums and means stay exact.
public struct ReviewScores: Hashable, Sendable {
    public let reviewerId: Int64
    /// Criterion key → score × 1000 (2.5 → 2500).
    public let thousandths: [String: Int64]

    public init(reviewerId: Int64, thousandths: [String: Int64]) {
        self.reviewerId = reviewerId
        self.thousandths = thousandths
    }

    public init(reviewerId: Int64, scores: [String: Double]) {
        self.init(reviewerId: reviewerId, thousandths: scores.mapValues { Int64(($0 * 1000).rounded()) })
    }
}

/// An exact non-negative fraction, for totals that must compare equal when they are equal.
public struct Fraction: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let numerator: Int128
    public let denominator: Int128

    public init(_ numerator: Int128, _ denominator: Int128) {
        precondition(denominator > 0)
        let divisor = Fraction.gcd(numerator.magnitude, denominator.magnitude)
        self.numerator = numerator / Int128(divisor)
        self.denominator = denominator / Int128(divisor)
    }

    public static func < (lhs: Fraction, rhs: Fraction) -> Bool {
        lhs.numerator * rhs.denominator < rhs.numerator * lhs.denominator
    }

    public static func == (lhs: Fraction, rhs: Fraction) -> Bool {
        lhs.numerator * rhs.denominator == rhs.numerator * lhs.denominator
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(numerator)
        hasher.combine(denominator)
    }

    public var value: Double { Double(numerator) / Double(denominator) }

    /// One decimal, as reports show scores.
    public var description: String {
        let tenths = (numerator * 10 * 2 + denominator) / (2 * denominator)
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return max(a, 1)
    }
}

/// What the finalised reviews say about one submission on a grid.
public struct SubmissionScore: Hashable, Sendable {
    public let submissionId: Int64
    public let finalReviews: Int
    /// Criterion key → the exact mean of the finalised reviews (nil with no review).
    public let means: [String: Fraction]
    /// Weighted sum scaled to 100.
    public let total: Fraction?
    /// Empty when the submission can be funded; otherwise each rule it fails.
    public let unfundableReasons: [String]
    public var isFundable: Bool { unfundableReasons.isEmpty }
}

/// Criterion means, totals and thresholds.
public enum Scoring {
    /// - Parameter required: finalised reviews a submission needs to be fundable.
    public static func score(
        submissionId: Int64, reviews: [ReviewScores], grid: ScoringGrid, required: Int
    ) -> SubmissionScore {
        var reasons: [String] = []
        if reviews.count < required {
            reasons.append("\(reviews.count) of \(required) required reviews are final")
        }
        var means: [String: Fraction] = [:]
        var weighted = Fraction(0, 1)
        var complete = !reviews.isEmpty
        let totalWeight = Int128(grid.criteria.reduce(0) { $0 + $1.weight })
        for criterion in grid.criteria {
            let values = reviews.compactMap { $0.thousandths[criterion.key] }
            guard !values.isEmpty else {
                complete = false
                continue
            }
            let count = Int128(values.count)
            let sum = Int128(values.reduce(0, +))
            let mean = Fraction(sum, count * 1000)
            means[criterion.key] = mean
            if let threshold = criterion.threshold {
                let thresholdThousandths = Int128((threshold * 1000).rounded())
                if sum < thresholdThousandths * count {
                    reasons.append("\(criterion.key) scores \(mean) below its threshold \(threshold)")
                }
            }
            // (mean − min) / (max − min), weighted: exact in thousandths.
            let minimum = Int128((criterion.min * 1000).rounded())
            let span = Int128(((criterion.max - criterion.min) * 1000).rounded())
            let part = Fraction((sum - minimum * count) * Int128(criterion.weight) * 100, count * span * totalWeight)
            weighted = Fraction(
                weighted.numerator * part.denominator + part.numerator * weighted.denominator,
                weighted.denominator * part.denominator)
        }
        let total = complete ? weighted : nil
        if let total {
            let threshold = Fraction(Int128((grid.overallThreshold * 1000).rounded()), 1000)
            if total < threshold {
                reasons.append("total \(total) below the overall threshold \(grid.overallThreshold)")
            }
        } else if reviews.count >= required {
            reasons.append("some criteria have no score")
        }
        return SubmissionScore(
            submissionId: submissionId, finalReviews: reviews.count, means: means, total: total,
            unfundableReasons: reasons)
    }
}

/// Checks a reviewer's scores against the grid before anything is stored.
public enum ReviewValidation {
    /// - Parameter final: a final review must score every criterion; a draft may be partial.
    public static func issues(scores: [String: Double], grid: ScoringGrid, final: Bool) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        let criteria = Dictionary(uniqueKeysWithValues: grid.criteria.map { ($0.key, $0) })
        for key in scores.keys.sorted() where criteria[key] == nil {
            issues.append(
                FieldIssue(
                    field: key,
                    reason: "not a criterion of this call; use \(grid.criteria.map(\.key).joined(separator: ", "))"))
        }
        for criterion in grid.criteria {
            guard let score = scores[criterion.key] else {
                if final {
                    issues.append(FieldIssue(field: criterion.key, reason: "a final review scores every criterion"))
                }
                continue
            }
            if score < criterion.min || score > criterion.max {
                issues.append(
                    FieldIssue(
                        field: criterion.key,
                        reason: "\(score) is off the scale \(criterion.min)..\(criterion.max)"))
            } else if !criterion.accepts(score) {
                issues.append(
                    FieldIssue(field: criterion.key, reason: "\(score) is off-step; scores go by \(criterion.step)"))
            }
        }
        return issues
    }
}
