import Foundation
import FundCore
import FundWeb
import Testing

@Suite("The HTML summary page")
struct CallReportPageTests {
    static func line(_ position: Int, _ status: String, requested: Int64, awarded: Int64, organisation: String = "Org")
        -> CallReportPage.Line
    {
        CallReportPage.Line(
            position: position, submissionId: Int64(position), organisation: organisation, title: "Project \(position)",
            requested: Money(cents: requested), awarded: Money(cents: awarded), status: status, reason: "why",
            total: 80 - Double(position), dispersion: 2)
    }

    static func page(_ lines: [CallReportPage.Line]) -> CallReportPage {
        CallReportPage(
            callTitle: "Call <2024> & co", envelopeName: "Fund", envelopeTotal: Money(cents: 150_000_000),
            otherCalls: Money(cents: 50_000_000), budget: Money(cents: 10_000_000),
            granted: Money(cents: lines.reduce(0) { $0 + $1.awarded.cents }), reserveTotal: Money(cents: 4_000_000),
            decisionId: 3, policy: "skip", lines: lines,
            reviewers: [CallReportPage.Reviewer(name: "Chloé", mean: 2.1, panelMean: 3.2, flagged: true)],
            scaleMax: 5)
    }

    @Test func theFundingLineSitsBeforeTheFirstReserveAndTotalsAddUp() async throws {
        let page = Self.page([
            Self.line(1, "funded", requested: 5_000_000, awarded: 5_000_000),
            Self.line(2, "funded", requested: 4_000_000, awarded: 4_000_000),
            Self.line(3, "reserve", requested: 4_000_000, awarded: 0),
            Self.line(4, "funded", requested: 500_000, awarded: 500_000),
            Self.line(5, "withdrawn", requested: 1_000_000, awarded: 0),
        ])
        let html = try await WebTemplates.load().callReport(page, language: .en)
        let funding = html.range(of: "Funding line")!.lowerBound
        #expect(html.range(of: "Project 2")!.lowerBound < funding)
        #expect(funding < html.range(of: "Project 3")!.lowerBound)
        // Footer: the ranked lines only (the withdrawn one is listed apart), awarded = granted.
        #expect(html.contains("Total (4 ranked)"))
        #expect(html.contains("<td class=\"num\">\(Money(cents: 9_500_000).english)</td>"))
        #expect(page.remaining == Money(cents: 500_000))
        #expect(page.unreserved == Money(cents: 90_000_000))
        #expect(html.contains("Not ranked"))
        // The same page in French, French first: its words and amounts as French readers write them.
        let french = try await WebTemplates.load().callReport(page)
        #expect(french.contains("<html lang=\"fr\">"))
        #expect(french.contains("Ligne de financement — l&#39;argent s&#39;arrête ici"))
        #expect(french.contains("Total (4 classés)"))
        #expect(french.contains("<td class=\"num\">\(Money(cents: 9_500_000).french)</td>"))
        #expect(french.contains("Non classés"))
        #expect(!french.contains("Funding line"))
    }

    @Test func textIsEscapedAndNothingComesFromElsewhere() async throws {
        let html = try await WebTemplates.load().callReport(
            Self.page([Self.line(1, "funded", requested: 100, awarded: 100, organisation: "A&B <script>")]),
            language: .en)
        #expect(html.contains("Call &lt;2024&gt; &amp; co"))
        #expect(html.contains("A&amp;B &lt;script&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src="))
        #expect(html.contains("harsh"))
        // No reserve list: no funding line.
        #expect(!html.contains("Funding line"))
    }
}
