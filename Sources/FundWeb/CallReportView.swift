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
        /// The funding line drawn above this row, said in the page's language.
        let fundingLine: String?
        let score: Score?
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
        let bias: Bias?
    }

    /// A reviewer's lean: `kind` for the badge's colour, `label` in the page's language.
    struct Bias: Sendable {
        let kind: String
        let label: String
    }

    struct Bars: Sendable {
        let label: String
        let envelopeCaption: String
        let thisCall: String
        let others: String
        let callCaption: String
        let grantedLegend: String
        let remainingLegend: String
        let reserveLegend: String
        let thisCallWidth: String
        let othersX: String
        let othersWidth: String
        let freeX: String
        let freeWidth: String
        let grantedWidth: String
        let remainingWidth: String
        let reserveWidth: String
    }

    let lang: String
    /// The catalogue of the page's language, as the template reads it (`{{t.report_total}}`).
    let t: [String: String]
    let callTitle: String
    let decisionId: Int64
    let subtitle: String
    let totalLine: String
    let reviewersLead: String
    let figures: [Figure]
    let bars: Bars
    let rows: [Row]
    let rankedCount: Int
    let requestedTotal: String
    let awardedTotal: String
    let reviewers: [Reviewer]
    let excluded: [Row]

    /// - Parameter language: the page's words, amounts and decimals.
    public init(_ page: CallReportPage, language: Language = .fr) {
        let wording = Wording(language)
        func say(_ key: String, _ values: [String: Message.Value] = [:]) -> String {
            Message(key, values).text(in: language)
        }
        lang = language.rawValue
        t = Catalogue.strings(language)
        callTitle = page.callTitle
        decisionId = page.decisionId
        subtitle = say(
            "report_decision",
            ["id": .number(Int(page.decisionId)), "policy": .text(page.policy), "envelope": .text(page.envelopeName)])
        figures = [
            Figure(label: say("report_call_budget"), value: wording.money(page.budget), kind: ""),
            Figure(label: say("report_granted"), value: wording.money(page.granted), kind: "granted"),
            Figure(label: say("report_remaining"), value: wording.money(page.remaining), kind: "remaining"),
            Figure(label: say("report_reserve"), value: wording.money(page.reserveTotal), kind: "reserve"),
        ]
        let width = 640.0
        let envelopeScale = width / Double(max(page.envelopeTotal.cents, 1))
        let callScale = width / Double(max(page.budget.cents, page.reserveTotal.cents, 1))
        let thisCall = Double(page.budget.cents) * envelopeScale
        let others = Double(page.otherCalls.cents) * envelopeScale
        bars = Bars(
            label: say(
                "report_bars_label",
                [
                    "envelope": .money(page.envelopeTotal), "budget": .money(page.budget),
                    "granted": .money(page.granted),
                ]),
            envelopeCaption: say(
                "report_envelope_caption", ["name": .text(page.envelopeName), "amount": .money(page.envelopeTotal)]),
            thisCall: say("report_this_call", ["amount": .money(page.budget)]),
            others: say("report_other_calls", ["other": .money(page.otherCalls), "free": .money(page.unreserved)]),
            callCaption: say("report_call_caption", ["amount": .money(page.budget)]),
            grantedLegend: say("report_granted_legend", ["amount": .money(page.granted)]),
            remainingLegend: say("report_remaining_legend", ["amount": .money(page.remaining)]),
            reserveLegend: say("report_reserve_legend", ["amount": .money(page.reserveTotal)]),
            thisCallWidth: Self.svg(thisCall), othersX: Self.svg(thisCall), othersWidth: Self.svg(others),
            freeX: Self.svg(thisCall + others), freeWidth: Self.svg(width - thisCall - others),
            grantedWidth: Self.svg(Double(page.granted.cents) * callScale),
            remainingWidth: Self.svg(Double(page.remaining.cents) * callScale),
            reserveWidth: Self.svg(Double(page.reserveTotal.cents) * callScale))
        let ranked = page.ranked
        let fundingLine = page.fundingLineBefore
        rows = ranked.enumerated().map { index, line in
            Self.row(
                line, wording: wording,
                fundingLine: index == fundingLine
                    ? say("report_funding_line", ["left": .money(page.remaining), "next": .money(line.requested)])
                    : nil)
        }
        rankedCount = ranked.count
        totalLine = say("report_total", ["count": .number(ranked.count)])
        requestedTotal = wording.money(Money.total(ranked.map(\.requested)))
        awardedTotal = wording.money(Money.total(ranked.map(\.awarded)))
        let panel = page.reviewers.first?.panelMean ?? 0
        let scale = max(page.scaleMax, 1)
        reviewers = page.reviewers.map { reviewer in
            let kind = reviewer.mean < reviewer.panelMean ? "harsh" : "lenient"
            return Reviewer(
                name: reviewer.name, mean: Self.decimal(reviewer.mean, places: 2, language),
                panel: Self.svg(panel / scale * 300), dot: Self.svg(reviewer.mean / scale * 300),
                flagged: reviewer.flagged,
                bias: reviewer.flagged ? Bias(kind: kind, label: say("report_\(kind)")) : nil)
        }
        reviewersLead = say(
            "report_reviewers_lead",
            ["max": .text(Self.decimal(page.scaleMax, language)), "panel": .text(Self.decimal(panel, language))])
        excluded = page.excluded.map { Self.row($0, wording: wording, fundingLine: nil) }
    }

    static func row(_ line: CallReportPage.Line, wording: Wording, fundingLine: String?) -> Row {
        Row(
            position: line.position, submissionId: line.submissionId, organisation: line.organisation,
            title: line.title, reason: line.reason, requested: wording.money(line.requested),
            awarded: line.awarded.cents > 0 ? wording.money(line.awarded) : "—", status: line.status,
            statusLabel: wording.text("status.\(line.status)"), fundingLine: fundingLine,
            score: line.total.map { total in
                let spread = line.dispersion ?? 0
                return Score(
                    text: decimal(total, wording.language), spread: decimal(spread, wording.language),
                    level: svg(total * 1.6), low: svg(max(0, total - spread) * 1.6),
                    high: svg(min(100, total + spread) * 1.6))
            })
    }

    /// SVG coordinates: one decimal, a point whatever the locale.
    static func svg(_ value: Double) -> String { String(format: "%.1f", max(0, value)) }

    /// "72,5" in French, "72.5" in English: one decimal, as the language writes it.
    static func decimal(_ value: Double, places: Int = 1, _ language: Language) -> String {
        Wording(language).decimal(value, places: places)
    }
}

extension WebTemplates {
    /// The one-page summary of a decided call: self-contained (inline CSS and SVG, no scripts, no
    /// fonts or images from elsewhere) so it can be mailed or archived as it is.
    public func callReport(_ page: CallReportPage, language: Language = .fr) throws -> String {
        try render(CallReportView(page, language: language), template: "call-report")
    }
}
