import Foundation
import FundCore

/// The call report page (`call-report.mustache`) as the template reads it: every figure already
/// worded and every bar already measured, since a template holds no logic.
public struct CallReportView: Sendable {
    struct Figure: Sendable {
        let label: String
        let value: String
        let kind: String
    }

    struct Row: Sendable {
        let position: Int
        let submissionId: Int64
        let organisation: String
        let title: String
        let reason: String
        let requested: String
        let awarded: String
        let status: String
        let statusLabel: String
        /// The funding line drawn above this row: where the money ran out.
        let fundingLine: FundingLine?
        let score: Score?
    }

    struct FundingLine: Sendable {
        let left: String
        let next: String
    }

    struct Score: Sendable {
        let text: String
        let spread: String
        let level: String
        let low: String
        let high: String
    }

    struct Reviewer: Sendable {
        let name: String
        let mean: String
        let panel: String
        let dot: String
        let flagged: Bool
        let bias: String?
    }

    struct Bars: Sendable {
        let label: String
        let envelope: String
        let envelopeName: String
        let budget: String
        let granted: String
        let remaining: String
        let reserve: String
        let otherCalls: String
        let unreserved: String
        let thisCallWidth: String
        let othersX: String
        let othersWidth: String
        let freeX: String
        let freeWidth: String
        let grantedWidth: String
        let remainingWidth: String
        let reserveWidth: String
    }

    let callTitle: String
    let decisionId: Int64
    let policy: String
    let envelopeName: String
    let figures: [Figure]
    let bars: Bars
    let rows: [Row]
    let rankedCount: Int
    let requestedTotal: String
    let awardedTotal: String
    let reviewers: [Reviewer]
    let scaleMax: String
    let panelMean: String
    let excluded: [Row]

    public init(_ page: CallReportPage) {
        callTitle = page.callTitle
        decisionId = page.decisionId
        policy = page.policy
        envelopeName = page.envelopeName
        figures = [
            Figure(label: "Call budget", value: page.budget.french, kind: ""),
            Figure(label: "Granted", value: page.granted.french, kind: "granted"),
            Figure(label: "Remaining", value: page.remaining.french, kind: "remaining"),
            Figure(label: "Reserve list", value: page.reserveTotal.french, kind: "reserve"),
        ]
        let width = 640.0
        let envelopeScale = width / Double(max(page.envelopeTotal.cents, 1))
        let callScale = width / Double(max(page.budget.cents, page.reserveTotal.cents, 1))
        let thisCall = Double(page.budget.cents) * envelopeScale
        let others = Double(page.otherCalls.cents) * envelopeScale
        bars = Bars(
            label: "Envelope \(page.envelopeTotal.french), call budget \(page.budget.french), "
                + "granted \(page.granted.french)",
            envelope: page.envelopeTotal.french, envelopeName: page.envelopeName, budget: page.budget.french,
            granted: page.granted.french, remaining: page.remaining.french, reserve: page.reserveTotal.french,
            otherCalls: page.otherCalls.french, unreserved: page.unreserved.french,
            thisCallWidth: Self.svg(thisCall), othersX: Self.svg(thisCall), othersWidth: Self.svg(others),
            freeX: Self.svg(thisCall + others), freeWidth: Self.svg(width - thisCall - others),
            grantedWidth: Self.svg(Double(page.granted.cents) * callScale),
            remainingWidth: Self.svg(Double(page.remaining.cents) * callScale),
            reserveWidth: Self.svg(Double(page.reserveTotal.cents) * callScale))
        let ranked = page.ranked
        let fundingLine = page.fundingLineBefore
        rows = ranked.enumerated().map { index, line in
            Self.row(
                line,
                fundingLine: index == fundingLine
                    ? FundingLine(left: page.remaining.french, next: line.requested.french) : nil)
        }
        rankedCount = ranked.count
        requestedTotal = Money.total(ranked.map(\.requested)).french
        awardedTotal = Money.total(ranked.map(\.awarded)).french
        let panel = page.reviewers.first?.panelMean ?? 0
        let scale = max(page.scaleMax, 1)
        reviewers = page.reviewers.map { reviewer in
            Reviewer(
                name: reviewer.name, mean: Self.decimal(reviewer.mean, places: 2), panel: Self.svg(panel / scale * 300),
                dot: Self.svg(reviewer.mean / scale * 300), flagged: reviewer.flagged,
                bias: reviewer.flagged ? (reviewer.mean < reviewer.panelMean ? "harsh" : "lenient") : nil)
        }
        scaleMax = Self.decimal(page.scaleMax)
        panelMean = Self.decimal(panel)
        excluded = page.excluded.map { Self.row($0, fundingLine: nil) }
    }

    static func row(_ line: CallReportPage.Line, fundingLine: FundingLine?) -> Row {
        Row(
            position: line.position, submissionId: line.submissionId, organisation: line.organisation,
            title: line.title, reason: line.reason, requested: line.requested.french,
            awarded: line.awarded.cents > 0 ? line.awarded.french : "—", status: line.status,
            statusLabel: statusLabel(line.status), fundingLine: fundingLine,
            score: line.total.map { total in
                let spread = line.dispersion ?? 0
                return Score(
                    text: decimal(total), spread: decimal(spread), level: svg(total * 1.6),
                    low: svg(max(0, total - spread) * 1.6), high: svg(min(100, total + spread) * 1.6))
            })
    }

    static func statusLabel(_ status: String) -> String {
        switch status {
        case "funded": return "funded"
        case "partially_funded": return "partially funded"
        case "reserve": return "reserve list"
        case "rejected": return "not funded"
        case "declined": return "declined"
        default: return status
        }
    }

    /// SVG coordinates: one decimal, a point whatever the locale.
    static func svg(_ value: Double) -> String { String(format: "%.1f", max(0, value)) }

    /// "72,5": one decimal, French decimal comma, as the amounts.
    static func decimal(_ value: Double, places: Int = 1) -> String {
        String(format: "%.\(places)f", value).replacingOccurrences(of: ".", with: ",")
    }
}

extension WebTemplates {
    /// The one-page summary of a decided call: self-contained (inline CSS and SVG, no scripts, no
    /// fonts or images from elsewhere) so it can be mailed or archived as it is.
    public func callReport(_ page: CallReportPage) throws -> String {
        try render(CallReportView(page), template: "call-report")
    }
}
