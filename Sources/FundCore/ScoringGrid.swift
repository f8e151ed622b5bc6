/// One line of a scoring grid.
public struct Criterion: Hashable, Sendable, Codable {
    public var key: String
    public var name: String
    public var weight: Int
    public var min: Double
    public var max: Double
    public var step: Double
    /// A submission whose mean score on this criterion is below it cannot be funded.
    public var threshold: Double?

    public init(
        key: String, name: String, weight: Int, min: Double = 0, max: Double = 5, step: Double = 0.5,
        threshold: Double? = nil
    ) {
        self.key = key
        self.name = name
        self.weight = weight
        self.min = min
        self.max = max
        self.step = step
        self.threshold = threshold
    }

    /// Whether a score sits on the scale and on a step of it (0, 0.5, ... 5).
    public func accepts(_ score: Double) -> Bool {
        guard score >= min, score <= max else { return false }
        let steps = (score - min) / step
        return abs(steps - steps.rounded()) < 1e-9
    }
}

/// How reviewers score a call: criteria in priority order (the order breaks ranking ties), each
/// with a weight, and an overall threshold on the total scaled to 100.
public struct ScoringGrid: Hashable, Sendable, Codable {
    public var criteria: [Criterion]
    public var overallThreshold: Double

    public init(criteria: [Criterion], overallThreshold: Double) {
        self.criteria = criteria
        self.overallThreshold = overallThreshold
    }

    /// The grid used when a call is created without one, shaped on the Mission's ambitions.
    public static let standard = ScoringGrid(
        criteria: [
            Criterion(key: "impact", name: "Impact on the ecosystem", weight: 3, threshold: 2.5),
            Criterion(key: "ambitions", name: "Fit with the Mission's four ambitions", weight: 2, threshold: 2),
            Criterion(key: "feasibility", name: "Feasibility and budget", weight: 2, threshold: 2),
            Criterion(key: "inclusion", name: "Opening to all talents and territories", weight: 1),
        ],
        overallThreshold: 50)

    public func validate() -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if criteria.isEmpty { issues.append(FieldIssue(field: "grid", reason: "a grid needs at least one criterion")) }
        var keys = Set<String>()
        for criterion in criteria {
            let field = "grid.\(criterion.key)"
            if criterion.key.isEmpty
                || !criterion.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                issues.append(FieldIssue(field: field, reason: "keys use letters, digits and _ only"))
            }
            if !keys.insert(criterion.key).inserted {
                issues.append(FieldIssue(field: field, reason: "the key appears twice"))
            }
            if criterion.weight < 1 { issues.append(FieldIssue(field: field, reason: "the weight must be at least 1")) }
            if !(criterion.min < criterion.max) {
                issues.append(FieldIssue(field: field, reason: "the scale's min must be below its max"))
            }
            let stepsPerSpan = (criterion.max - criterion.min) / criterion.step
            if !(criterion.step > 0) || abs(stepsPerSpan - stepsPerSpan.rounded()) > 1e-9 {
                issues.append(FieldIssue(field: field, reason: "the step must divide the scale evenly"))
            }
            if let threshold = criterion.threshold, threshold < criterion.min || threshold > criterion.max {
                issues.append(FieldIssue(field: field, reason: "the threshold lies outside the scale"))
            }
        }
        if !(0...100).contains(overallThreshold) {
            issues.append(FieldIssue(field: "grid.overallThreshold", reason: "the overall threshold is out of 100"))
        }
        return issues
    }
}
