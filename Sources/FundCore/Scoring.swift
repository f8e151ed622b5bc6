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
    /// Empty when the submission can be funded; otherwise each rule it fails, said in either language.
    public let unfundableReasons: [Message]
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
        let tallies = grid.criteria.map { criterion -> CriterionTally? in
            let values = reviews.compactMap { $0.thousandths[criterion.key] }
            return values.isEmpty ? nil : CriterionTally(sumThousandths: values.reduce(0, +), count: values.count)
        }
        return score(
            submissionId: submissionId, tallies: tallies, finalReviews: reviews.count, grid: grid, required: required)
    }

    /// The same from sums the database computed, one tally per criterion of the grid in its
    /// order (nil: no score): exact, and without moving every review.
    public static func score(
        submissionId: Int64, tallies: [CriterionTally?], finalReviews: Int, grid: ScoringGrid, required: Int
    ) -> SubmissionScore {
        score(
            submissionId: submissionId, tallies: tallies, finalReviews: finalReviews, grid: PreparedGrid(grid),
            required: required)
    }

    /// A grid's numbers and texts worked out once for a whole call's scoring: thresholds and
    /// scales in thousandths, the words of each refusal, the keys every score shares.
    public struct PreparedGrid: Sendable {
        let keys: [String]
        let weights: [Int128]
        let thresholds: [Int128?]
        let thresholdTexts: [String]
        let minimums: [Int128]
        let spans: [Int128]
        let totalWeight: Int128
        let overall: Fraction
        let overallText: String
        /// Every criterion on the same scale: the total is then one fraction.
        let uniformScale: Bool

        public init(_ grid: ScoringGrid) {
            keys = grid.criteria.map(\.key)
            weights = grid.criteria.map { Int128($0.weight) }
            thresholds = grid.criteria.map { $0.threshold.map(thousandths) }
            thresholdTexts = grid.criteria.map { $0.threshold.map { "\($0)" } ?? "" }
            minimums = grid.criteria.map { thousandths($0.min) }
            spans = grid.criteria.map { thousandths($0.max - $0.min) }
            totalWeight = weights.reduce(0, +)
            overall = Fraction(thousandths(grid.overallThreshold), 1000)
            overallText = "\(grid.overallThreshold)"
            let first = grid.criteria.first
            uniformScale = grid.criteria.allSatisfy { $0.min == first?.min && $0.max == first?.max }
        }
    }

    /// The same on a prepared grid: what a call's ranking and exports use, row after row.
    public static func score(
        submissionId: Int64, tallies found: [CriterionTally?], finalReviews: Int, grid: PreparedGrid, required: Int
    ) -> SubmissionScore {
        var reasons: [Message] = []
        if finalReviews < required {
            reasons.append(Message("rank.reviews", ["final": .number(finalReviews), "required": .number(required)]))
        }
        var means: [Fraction?] = []
        means.reserveCapacity(grid.keys.count)
        var complete = finalReviews > 0
        let count = found.first??.count ?? 0
        var uniform = grid.uniformScale && count > 0
        for index in grid.keys.indices {
            guard let tally = found[index], tally.count > 0 else {
                complete = false
                means.append(nil)
                continue
            }
            if tally.count != count { uniform = false }
            let mean = Fraction(Int128(tally.sumThousandths), Int128(tally.count) * 1000)
            means.append(mean)
            if let threshold = grid.thresholds[index], Int128(tally.sumThousandths) < threshold * Int128(tally.count) {
                reasons.append(
                    Message(
                        "rank.criterion",
                        [
                            "criterion": .text(grid.keys[index]), "mean": .decimal("\(mean)"),
                            "threshold": .decimal(grid.thresholdTexts[index]),
                        ]))
            }
        }
        var total: Fraction?
        if complete && uniform {
            // Every review scored every criterion on one scale: one fraction,
            // Σ wᵢ·(Sᵢ − n·min)·100 / (n·span·Σw), reduced once.
            var numerator: Int128 = 0
            for index in grid.keys.indices {
                numerator +=
                    grid.weights[index] * (Int128(found[index]!.sumThousandths) - grid.minimums[index] * Int128(count))
            }
            total = Fraction(numerator * 100, Int128(count) * grid.spans[0] * grid.totalWeight)
        } else if complete {
            // Each criterion's (mean − min) / (max − min), weighted: exact in thousandths.
            var weighted = Fraction(0, 1)
            for index in grid.keys.indices {
                let tally = found[index]!
                let n = Int128(tally.count)
                let part = Fraction(
                    (Int128(tally.sumThousandths) - grid.minimums[index] * n) * grid.weights[index] * 100,
                    n * grid.spans[index] * grid.totalWeight)
                weighted = Fraction(
                    weighted.numerator * part.denominator + part.numerator * weighted.denominator,
                    weighted.denominator * part.denominator)
            }
            total = weighted
        }
        if let total {
            if total < grid.overall {
                reasons.append(
                    Message("rank.total", ["total": .decimal("\(total)"), "threshold": .decimal(grid.overallText)]))
            }
        } else if finalReviews >= required {
            reasons.append(Message("rank.unscored"))
        }
        return SubmissionScore(
            submissionId: submissionId, finalReviews: finalReviews,
            means: CriterionMeans(keys: grid.keys, values: means), total: total, unfundableReasons: reasons)
    }
}

/// Checks a reviewer's scores against the grid before anything is stored.
public enum ReviewValidation {
    /// The comments cleaned (see `TextRule`), and every issue of the scores and comments.
    /// - Parameter final: a final review must score every criterion; a draft may be partial.
    public static func validate(
        scores: [String: Double], comments: [String: String] = [:], grid: ScoringGrid, final: Bool
    ) -> (comments: [String: String], issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var clean: [String: String] = [:]
        for key in comments.keys.sorted() {
            let text = TextRule.comment(criterion: key).check(comments[key]!, into: &issues)
            if !text.isEmpty { clean[key] = text }
        }
        let criteria = Dictionary(uniqueKeysWithValues: grid.criteria.map { ($0.key, $0) })
        for key in scores.keys.sorted() where criteria[key] == nil {
            issues.append(
                FieldIssue(
                    field: key,
                    Message(
                        "review.criterion", ["criteria": .text(grid.criteria.map(\.key).joined(separator: ", "))])))
        }
        for criterion in grid.criteria {
            guard let score = scores[criterion.key] else {
                if final {
                    issues.append(FieldIssue(field: criterion.key, Message("review.unscored")))
                }
                continue
            }
            if score < criterion.min || score > criterion.max {
                issues.append(
                    FieldIssue(
                        field: criterion.key,
                        Message(
                            "review.scale",
                            ["score": .score(score), "min": .score(criterion.min), "max": .score(criterion.max)])))
            } else if !criterion.accepts(score) {
                issues.append(
                    FieldIssue(
                        field: criterion.key,
                        Message("review.step", ["score": .score(score), "step": .score(criterion.step)])))
            }
        }
        return (clean, issues)
    }
}
