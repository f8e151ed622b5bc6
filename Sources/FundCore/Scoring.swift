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
        // Scores fit in 64 bits, where division is one instruction instead of a routine.
        if let small = Int64(exactly: numerator), let smallDenominator = Int64(exactly: denominator) {
            let divisor = Int64(Fraction.gcd(UInt128(small.magnitude), UInt128(smallDenominator.magnitude)))
            self.numerator = Int128(small / divisor)
            self.denominator = Int128(smallDenominator / divisor)
            return
        }
        let divisor = Fraction.gcd(numerator.magnitude, denominator.magnitude)
        self.numerator = numerator / Int128(divisor)
        self.denominator = denominator / Int128(divisor)
    }

    public static func < (lhs: Fraction, rhs: Fraction) -> Bool {
        lhs.numerator * rhs.denominator < rhs.numerator * lhs.denominator
    }

    /// Fractions are always stored reduced with a positive denominator, so equal values have
    /// equal parts: no 128-bit multiplication needed.
    public static func == (lhs: Fraction, rhs: Fraction) -> Bool {
        lhs.numerator == rhs.numerator && lhs.denominator == rhs.denominator
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(numerator)
        hasher.combine(denominator)
    }

    public var value: Double {
        // Scores fit in 64 bits: converting from Int64 is one instruction, from Int128 a routine.
        if let numerator = Int64(exactly: numerator), let denominator = Int64(exactly: denominator) {
            return Double(numerator) / Double(denominator)
        }
        return Double(numerator) / Double(denominator)
    }

    /// `places` decimals, rounded half up, by integer arithmetic ("4.167").
    public func decimal(places: Int) -> String {
        // Scores fit in 64 bits, where division is one instruction instead of a routine.
        if places <= 6, let numerator = Int64(exactly: numerator), let denominator = Int64(exactly: denominator),
            numerator.magnitude < UInt64(Int64.max / 2_000_000), denominator < Int64.max / 2
        {
            return Self.decimal(numerator, denominator, places: places)
        }
        return Self.decimal(numerator, denominator, places: places)
    }

    private static func decimal<Integer: BinaryInteger>(_ numerator: Integer, _ denominator: Integer, places: Int)
        -> String
    {
        var scale: Integer = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (numerator * scale * 2 + denominator) / (2 * denominator)
        let whole = scaled / scale
        let fraction = String(scaled % scale)
        return places == 0
            ? "\(whole)" : "\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// One decimal, as reports show scores (half up).
    public var description: String { decimal(places: 1) }

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        // Scores keep numbers small: 64-bit division is much cheaper than 128-bit.
        if a <= UInt128(UInt64.max), b <= UInt128(UInt64.max) {
            var (x, y) = (UInt64(a), UInt64(b))
            while y != 0 { (x, y) = (y, x % y) }
            return UInt128(max(x, 1))
        }
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
    public let means: CriterionMeans
    /// Weighted sum scaled to 100.
    public let total: Fraction?
    /// Empty when the submission can be funded; otherwise each rule it fails.
    public let unfundableReasons: [String]
    public var isFundable: Bool { unfundableReasons.isEmpty }
}

/// A submission's criterion means in the grid's order, read by key like a dictionary. An array
/// costs far less than a dictionary for a handful of criteria, and ranking reads it by position.
public struct CriterionMeans: Hashable, Sendable {
    public let keys: [String]
    public let values: [Fraction?]

    public init(keys: [String], values: [Fraction?]) {
        self.keys = keys
        self.values = values
    }

    public subscript(key: String) -> Fraction? {
        keys.firstIndex(of: key).flatMap { values[$0] }
    }
}

/// The finalised scores of one criterion of one submission, summed: all a mean needs.
public struct CriterionTally: Hashable, Sendable {
    public var sumThousandths: Int64
    public var count: Int

    public init(sumThousandths: Int64, count: Int) {
        self.sumThousandths = sumThousandths
        self.count = count
    }
}

/// Criterion means, totals and thresholds.
public enum Scoring {
    /// A grid's decimal setting in thousandths. Through Int64: converting a Double straight to
    /// Int128 takes a slow generic routine, and scoring does it for every submission.
    @inline(__always)
    static func thousandths(_ value: Double) -> Int128 { Int128(Int64((value * 1000).rounded())) }

    /// - Parameter required: finalised reviews a submission needs to be fundable.
    public static func score(
        submissionId: Int64, reviews: [ReviewScores], grid: ScoringGrid, required: Int
    ) -> SubmissionScore {
        var tallies: [String: CriterionTally] = [:]
        for criterion in grid.criteria {
            let values = reviews.compactMap { $0.thousandths[criterion.key] }
            if !values.isEmpty {
                tallies[criterion.key] = CriterionTally(sumThousandths: values.reduce(0, +), count: values.count)
            }
        }
        return score(
            submissionId: submissionId, tallies: tallies, finalReviews: reviews.count, grid: grid, required: required)
    }

    /// The same from sums the database computed: exact, and without moving every review.
    public static func score(
        submissionId: Int64, tallies: [String: CriterionTally], finalReviews: Int, grid: ScoringGrid, required: Int
    ) -> SubmissionScore {
        score(
            submissionId: submissionId, tallies: grid.criteria.map { tallies[$0.key] }, finalReviews: finalReviews,
            grid: grid, required: required)
    }

    /// The same with one tally per criterion of the grid, in its order (nil: no score).
    public static func score(
        submissionId: Int64, tallies found: [CriterionTally?], finalReviews: Int, grid: ScoringGrid, required: Int
    ) -> SubmissionScore {
        var reasons: [String] = []
        if finalReviews < required {
            reasons.append("\(finalReviews) of \(required) required reviews are final")
        }
        var means: [Fraction?] = []
        means.reserveCapacity(grid.criteria.count)
        var complete = finalReviews > 0
        let totalWeight = Int128(grid.criteria.reduce(0) { $0 + $1.weight })
        var parts: [Fraction] = []
        for (criterion, tally) in zip(grid.criteria, found) {
            guard let tally, tally.count > 0 else {
                complete = false
                means.append(nil)
                continue
            }
            let count = Int128(tally.count)
            let sum = Int128(tally.sumThousandths)
            let mean = Fraction(sum, count * 1000)
            means.append(mean)
            if let threshold = criterion.threshold {
                let thresholdThousandths = thousandths(threshold)
                if sum < thresholdThousandths * count {
                    reasons.append("\(criterion.key) scores \(mean) below its threshold \(threshold)")
                }
            }
            // (mean − min) / (max − min), weighted: exact in thousandths.
            let minimum = thousandths(criterion.min)
            let span = thousandths((criterion.max - criterion.min))
            parts.append(Fraction((sum - minimum * count) * Int128(criterion.weight) * 100, count * span * totalWeight))
        }
        var weighted = Fraction(0, 1)
        // The usual case (every review scores every criterion on one scale): one fraction,
        // Σ wᵢ·(Sᵢ − n·min)·100 / (n·span·Σw), reduced once.
        let first = grid.criteria.first
        let count = found.first??.count ?? 0
        let uniform =
            complete && count > 0
            && zip(grid.criteria, found).allSatisfy { criterion, tally in
                tally?.count == count && criterion.min == first!.min && criterion.max == first!.max
            }
        if uniform, let first {
            let minimum = thousandths(first.min)
            let span = thousandths((first.max - first.min))
            var numerator: Int128 = 0
            for (criterion, tally) in zip(grid.criteria, found) {
                numerator += Int128(criterion.weight) * (Int128(tally!.sumThousandths) - minimum * Int128(count))
            }
            weighted = Fraction(numerator * 100, Int128(count) * span * totalWeight)
        } else {
            for part in parts {
                weighted = Fraction(
                    weighted.numerator * part.denominator + part.numerator * weighted.denominator,
                    weighted.denominator * part.denominator)
            }
        }
        let total = complete ? weighted : nil
        if let total {
            let threshold = Fraction(thousandths(grid.overallThreshold), 1000)
            if total < threshold {
                reasons.append("total \(total) below the overall threshold \(grid.overallThreshold)")
            }
        } else if finalReviews >= required {
            reasons.append("some criteria have no score")
        }
        return SubmissionScore(
            submissionId: submissionId, finalReviews: finalReviews,
            means: CriterionMeans(keys: grid.criteria.map(\.key), values: means), total: total,
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
