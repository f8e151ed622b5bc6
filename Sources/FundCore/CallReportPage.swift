import Foundation

/// The one-page summary of a decided call that `cfund report html` writes: budget bars, the
/// ranking with its funding line, score dispersion, reviewer bias and the submissions left out.
/// Self-contained (inline CSS and SVG, no scripts, no fonts from elsewhere) so it can be mailed
/// or archived as it is.
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
    static let funded: Set<String> = ["funded", "partially_funded"]

    /// Where the money ran out: before the first ranked submission sent to the reserve list.
    public var fundingLineBefore: Int? {
        lines.firstIndex { $0.status == "reserve" }
    }

    public func render() -> String {
        let ranked = lines.filter { !Self.leftOut.contains($0.status) }
        let excluded = lines.filter { Self.leftOut.contains($0.status) }
        var html = """
            <!DOCTYPE html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(callTitle.htmlEscaped) — decision \(decisionId)</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
            <h1>\(callTitle.htmlEscaped)</h1>
            <p class="sub">Decision \(decisionId) · policy \(policy.htmlEscaped) · envelope “\(envelopeName.htmlEscaped)”</p>
            </header>
            <section class="figures">
            \(figure("Call budget", budget.french))
            \(figure("Granted", granted.french, "granted"))
            \(figure("Remaining", remaining.french, "remaining"))
            \(figure("Reserve list", reserveTotal.french, "reserve"))
            </section>
            <section>
            <h2>Budget</h2>
            \(budgetBars())
            </section>
            <section>
            <h2>Ranking and decision</h2>
            <table class="ranking">
            <thead><tr><th>#</th><th>Organisation</th><th>Project</th><th class="num">Requested</th>\
            <th class="num">Awarded</th><th>Status</th><th>Score (± reviewers' spread)</th></tr></thead>
            <tbody>

            """
        let fundingLine = ranked.firstIndex { $0.status == "reserve" }
        for (index, line) in ranked.enumerated() {
            if index == fundingLine {
                let left = remaining.french
                html += """
                    <tr class="funding-line"><td colspan="7"><span>Funding line — the money ran out here: \(left) \
                    left, not enough for the next request (\(line.requested.french))</span></td></tr>

                    """
            }
            html += """
                <tr class="\(line.status)"><td class="num">\(line.position)</td><td>\(line.organisation.htmlEscaped)</td>\
                <td>\(line.title.htmlEscaped)<div class="why">\(line.reason.htmlEscaped)</div></td>\
                <td class="num">\(line.requested.french)</td><td class="num">\(line.awarded.cents > 0 ? line.awarded.french : "—")</td>\
                <td><span class="badge \(line.status)">\(Self.statusLabel(line.status))</span></td>\
                <td>\(scoreCell(line))</td></tr>

                """
        }
        html += """
            </tbody>
            <tfoot><tr><td></td><td colspan="2">Total (\(ranked.count) ranked)</td>\
            <td class="num">\(Money.total(ranked.map(\.requested)).french)</td><td class="num">\(Money.total(ranked.map(\.awarded)).french)</td>\
            <td colspan="2"></td></tr></tfoot>
            </table>
            </section>

            """
        html += reviewerSection()
        if !excluded.isEmpty {
            html += """
                <section>
                <h2>Not ranked</h2>
                <table>
                <thead><tr><th>Submission</th><th>Organisation</th><th>Project</th><th>Status</th><th>Why</th></tr></thead>
                <tbody>

                """
            for line in excluded {
                html += """
                    <tr><td class="num">\(line.submissionId)</td><td>\(line.organisation.htmlEscaped)</td>\
                    <td>\(line.title.htmlEscaped)</td><td><span class="badge \(line.status)">\(Self.statusLabel(line.status))</span></td>\
                    <td>\(line.reason.htmlEscaped)</td></tr>

                    """
            }
            html += "</tbody>\n</table>\n</section>\n"
        }
        html += """
            <footer>Amounts in euros, exact to the cent. Written by cfund from the standing decision; \
            the allocations report (CSV) holds the same figures.</footer>
            </body>
            </html>

            """
        return html
    }

    private func figure(_ label: String, _ value: String, _ kind: String = "") -> String {
        "<div class=\"figure \(kind)\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div></div>"
    }

    /// The envelope split between this call, other calls and what no call reserved; below it
    /// the call's budget split between granted and remaining, and the reserve list on the same
    /// scale as the call.
    private func budgetBars() -> String {
        let width = 640.0
        func rect(_ x: Double, _ y: Int, _ w: Double, _ height: Int, _ css: String) -> String {
            "<rect x=\"\(Self.svgNumber(x))\" y=\"\(y)\" width=\"\(Self.svgNumber(max(0, w)))\" "
                + "height=\"\(height)\" class=\"\(css)\"/>"
        }
        let envelopeScale = width / Double(max(envelopeTotal.cents, 1))
        let callScale = width / Double(max(budget.cents, reserveTotal.cents, 1))
        let thisCall = Double(budget.cents) * envelopeScale
        let others = Double(otherCalls.cents) * envelopeScale
        let given = Double(granted.cents) * callScale
        return """
            <svg class="bars" viewBox="0 0 1000 170" role="img" \
            aria-label="Envelope \(envelopeTotal.french), call budget \(budget.french), granted \(granted.french)">
            <text x="0" y="14" class="caption">Envelope “\(envelopeName.htmlEscaped)”: \(envelopeTotal.french)</text>
            \(rect(0, 22, thisCall, 26, "call"))\(rect(thisCall, 22, others, 26, "other"))\
            \(rect(thisCall + others, 22, width - thisCall - others, 26, "free"))
            <text x="656" y="33" class="legend"><tspan class="key call">■</tspan> this call \(budget.french)</text>
            <text x="656" y="49" class="legend"><tspan class="key free">■</tspan> other calls \(otherCalls.french), \
            unreserved \(unreserved.french)</text>
            <text x="0" y="84" class="caption">This call: \(budget.french)</text>
            \(rect(0, 92, given, 26, "granted"))\(rect(given, 92, Double(remaining.cents) * callScale, 26, "remaining"))
            <text x="656" y="103" class="legend"><tspan class="key granted">■</tspan> granted \(granted.french)</text>
            <text x="656" y="119" class="legend"><tspan class="key remaining">■</tspan> remaining \(remaining.french)</text>
            \(rect(0, 130, Double(reserveTotal.cents) * callScale, 14, "reserve"))
            <text x="656" y="142" class="legend"><tspan class="key reserve">■</tspan> reserve list \(reserveTotal.french) \
            requested</text>
            </svg>
            """
    }

    /// The total as a bar out of 100, with the reviewers' spread (± one standard deviation) as a whisker.
    private func scoreCell(_ line: Line) -> String {
        guard let score = line.total else { return "<span class=\"muted\">not scored</span>" }
        let spread = line.dispersion ?? 0
        let low = max(0, score - spread) * 1.6
        let high = min(100, score + spread) * 1.6
        return """
            <svg class="score" viewBox="0 0 250 18" role="img" aria-label="\(Self.decimal(score)) ± \(Self.decimal(spread))">\
            <rect x="0" y="5" width="160" height="8" class="track"/>\
            <rect x="0" y="5" width="\(Self.svgNumber(score * 1.6))" height="8" class="level"/>\
            <line x1="\(Self.svgNumber(low))" x2="\(Self.svgNumber(high))" y1="9" y2="9" class="spread"/>\
            <text x="166" y="14">\(Self.decimal(score)) ±\(Self.decimal(spread))</text></svg>
            """
    }

    private func reviewerSection() -> String {
        guard !reviewers.isEmpty else { return "" }
        let panel = reviewers.first?.panelMean ?? 0
        var html = """
            <section>
            <h2>Reviewers against the panel</h2>
            <p class="sub">Mean score per criterion, on a scale to \(Self.decimal(scaleMax)); the panel's mean is \
            \(Self.decimal(panel)). Flagged when more than half the panel's spread away.</p>
            <table class="reviewers"><tbody>

            """
        for reviewer in reviewers {
            let x = reviewer.mean / max(scaleMax, 1) * 300
            let p = panel / max(scaleMax, 1) * 300
            let flag =
                reviewer.flagged
                ? (reviewer.mean < reviewer.panelMean
                    ? "<span class=\"badge harsh\">harsh</span>" : "<span class=\"badge lenient\">lenient</span>")
                : ""
            html += """
                <tr><td>\(reviewer.name.htmlEscaped)</td><td class="num">\(Self.decimal(reviewer.mean, places: 2))</td>\
                <td><svg viewBox="0 0 310 16" class="bias"><rect x="0" y="6" width="300" height="4" class="track"/>\
                <line x1="\(Self.svgNumber(p))" x2="\(Self.svgNumber(p))" y1="0" y2="16" class="panel"/>\
                <circle cx="\(Self.svgNumber(x))" cy="8" r="5" class="\(reviewer.flagged ? "flagged" : "dot")"/></svg></td>\
                <td>\(flag)</td></tr>

                """
        }
        return html + "</tbody></table>\n</section>\n"
    }

    static func statusLabel(_ status: String) -> String {
        switch status {
        case "funded": return "funded"
        case "partially_funded": return "partially funded"
        case "reserve": return "reserve list"
        case "rejected": return "not funded"
        case "declined": return "declined"
        default: return status.htmlEscaped
        }
    }

    /// SVG coordinates: one decimal, a point whatever the locale.
    static func svgNumber(_ value: Double) -> String { String(format: "%.1f", value) }

    /// "72,5": one decimal, French decimal comma, as the amounts.
    static func decimal(_ value: Double, places: Int = 1) -> String {
        String(format: "%.\(places)f", value).replacingOccurrences(of: ".", with: ",")
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;\
        color:#1d2433;padding:0 1rem}
        h1{font-size:1.6rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:2px solid #e3e7ef;padding-bottom:.3rem}
        .sub{color:#5b6478;margin:.3rem 0}
        .figures{display:flex;gap:1rem;margin-top:1.2rem;flex-wrap:wrap}
        .figure{flex:1;min-width:180px;background:#f4f6fa;border-radius:8px;padding:.8rem 1rem;border-left:6px solid #9aa5b8}
        .figure.granted{border-color:#1f8a5b}.figure.remaining{border-color:#c9d3e3}.figure.reserve{border-color:#d9962b}
        .figure .label{font-size:.8rem;color:#5b6478;text-transform:uppercase;letter-spacing:.04em}
        .figure .value{font-size:1.35rem;font-weight:600;margin-top:.2rem}
        svg.bars{width:100%;height:auto}svg.bars .caption{font-size:13px;fill:#1d2433}svg.bars .legend{font-size:12px;fill:#5b6478}
        rect.call{fill:#2b5fb4}.key.call{fill:#2b5fb4}.key.free{fill:#8fa9d6}.key.granted{fill:#1f8a5b}\
        .key.remaining{fill:#c9d3e3}.key.reserve{fill:#d9962b}
        rect.other{fill:#8fa9d6}rect.free{fill:#e3e7ef}
        rect.granted{fill:#1f8a5b}rect.remaining{fill:#c9d3e3}rect.reserve{fill:#d9962b}
        table{width:100%;border-collapse:collapse;font-size:.9rem}
        th{text-align:left;font-weight:600;color:#5b6478;border-bottom:1px solid #c9d3e3;padding:.4rem}
        td{padding:.35rem .4rem;border-bottom:1px solid #eef1f6;vertical-align:top}
        .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
        tfoot td{font-weight:600;border-top:2px solid #c9d3e3}
        .why{color:#5b6478;font-size:.78rem}
        tr.funding-line td{border-top:3px solid #c0392b;border-bottom:none;padding:.2rem .4rem}
        tr.funding-line span{color:#c0392b;font-weight:600;font-size:.82rem}
        .badge{display:inline-block;border-radius:10px;padding:.05rem .55rem;font-size:.78rem;background:#e3e7ef}
        .badge.funded{background:#d3f0e2;color:#14633f}.badge.partially_funded{background:#e4f4d0;color:#3f6312}
        .badge.reserve{background:#fbe7c6;color:#8a5a10}.badge.rejected{background:#eef1f6;color:#5b6478}
        .badge.ineligible,.badge.withdrawn,.badge.declined{background:#f7dcd9;color:#8c2a1f}
        .badge.harsh{background:#dbe6fb;color:#23427d}.badge.lenient{background:#fbe1ef;color:#7d2352}
        svg.score{width:250px;height:18px}svg.score text{font-size:12px;fill:#1d2433}
        rect.track{fill:#eef1f6}rect.level{fill:#2b5fb4}line.spread{stroke:#1d2433;stroke-width:2}
        svg.bias{width:310px;height:16px}line.panel{stroke:#c0392b;stroke-width:2}circle.dot{fill:#2b5fb4}circle.flagged{fill:#d9962b}
        .muted{color:#9aa5b8}
        footer{margin-top:2rem;color:#5b6478;font-size:.8rem}
        @media print{body{margin:0}}
        """
}

extension String {
    /// The text made safe to place in HTML content and attribute values.
    var htmlEscaped: String {
        var out = ""
        out.reserveCapacity(count)
        for character in self {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
