import Foundation

/// What the one-page summary of a decided call shows (`cfund report html`): budgets, the ranking
/// with its funding line, score dispersion, reviewer bias and the submissions left out. FundWeb
/// renders it.
public struct CallReportPage: Sendable {
    public struct Line: Sendable {
        public let position: Int
        public let submissionId: Int64
        public let organisation: String
        public let title: String
        public let requested: Money
        public let awarded: Money
        public let status: String
        public let reason: String
        /// Out of 100; nil without the required final reviews.
        public let total: Double?
        /// Standard deviation of the reviewers' totals, out of 100.
        public let dispersion: Double?

        public init(
            position: Int, submissionId: Int64, organisation: String, title: String, requested: Money, awarded: Money,
            status: String, reason: String, total: Double?, dispersion: Double?
        ) {
            self.position = position
            self.submissionId = submissionId
            self.organisation = organisation
            self.title = title
            self.requested = requested
            self.awarded = awarded
            self.status = status
            self.reason = reason
            self.total = total
            self.dispersion = dispersion
        }
    }

    public struct Reviewer: Sendable {
        public let name: String
        public let mean: Double
        public let panelMean: Double
        public let flagged: Bool

        public init(name: String, mean: Double, panelMean: Double, flagged: Bool) {
            self.name = name
            self.mean = mean
            self.panelMean = panelMean
            self.flagged = flagged
        }
    }

    public let callTitle: String
    public let envelopeName: String
    public let envelopeTotal: Money
    /// What the envelope's other calls reserved.
    public let otherCalls: Money
    public let budget: Money
    public let granted: Money
    public let reserveTotal: Money
    public let decisionId: Int64
    public let policy: String
    /// In decision order: ranked submissions first, then the ones left out.
    public let lines: [Line]
    public let reviewers: [Reviewer]
    public let scaleMax: Double

    public init(
        callTitle: String, envelopeName: String, envelopeTotal: Money, otherCalls: Money, budget: Money,
        granted: Money, reserveTotal: Money, decisionId: Int64, policy: String, lines: [Line], reviewers: [Reviewer],
        scaleMax: Double
    ) {
        self.callTitle = callTitle
        self.envelopeName = envelopeName
        self.envelopeTotal = envelopeTotal
        self.otherCalls = otherCalls
        self.budget = budget
        self.granted = granted
        self.reserveTotal = reserveTotal
        self.decisionId = decisionId
        self.policy = policy
        self.lines = lines
        self.reviewers = reviewers
        self.scaleMax = scaleMax
    }

    public var remaining: Money { budget.subtracting(granted) }
    public var unreserved: Money { envelopeTotal.subtracting(budget).subtracting(otherCalls) }

    static let leftOut: Set<String> = ["ineligible", "withdrawn"]

    /// Ranked submissions, in decision order.
    public var ranked: [Line] { lines.filter { !Self.leftOut.contains($0.status) } }
    /// Submissions left out of the ranking (ineligible, withdrawn).
    public var excluded: [Line] { lines.filter { Self.leftOut.contains($0.status) } }

    /// Where the money ran out: before the first ranked submission sent to the reserve list.
    public var fundingLineBefore: Int? {
        ranked.firstIndex { $0.status == "reserve" }
    }
}
