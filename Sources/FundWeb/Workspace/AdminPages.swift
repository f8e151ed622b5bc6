import Foundation
import FundCore
import FundStore

/// The programme team's pages as their templates read them (`Templates/admin/*.mustache`):
/// where every call stands, and one page per call.
public enum AdminPage {
    struct Figure: Sendable {
        let label: String
        let value: String
    }

    /// One call on the overview.
    struct CallLine: Sendable {
        let id: Int64
        let title: String
        let status: String
        let statusLabel: String
        let budget: String
        let closes: String
        let reviewsDue: String
        let received: Int
        let eligible: Int
        let reviews: String
        let decision: String
    }

    public struct Calls: Sendable {
        let chrome: Chrome
        let calls: [CallLine]

        public init(chrome: Chrome, overviews: [CallOverview], wording: Wording) {
            self.chrome = chrome
            calls = overviews.map { overview in
                let call = overview.call
                return CallLine(
                    id: call.id, title: call.title, status: call.status.rawValue,
                    statusLabel: wording.text("web_call_status_\(call.status.rawValue)"),
                    budget: wording.money(call.budget), closes: wording.deadline(call),
                    reviewsDue: call.reviewsDueAt.map {
                        wording.moment($0.addingTimeInterval(-0.001), zone: call.zone)
                    } ?? wording.text("web_none"),
                    received: overview.received, eligible: overview.eligible,
                    reviews: AdminPage.reviews(overview, wording: wording),
                    decision: AdminPage.decision(overview, wording: wording))
            }
        }
    }

    /// "12 final, 3 missing".
    static func reviews(_ overview: CallOverview, wording: Wording) -> String {
        Message(
            "web_admin_reviews",
            [
                "final": .number(overview.finalReviews), "draft": .number(overview.draftReviews),
                "missing": .number(overview.missingReviews),
            ]
        ).text(in: wording.language)
    }

    /// "448 500,00 € to 9 submissions", or that nothing is decided.
    static func decision(_ overview: CallOverview, wording: Wording) -> String {
        guard overview.call.status == .decided else { return wording.text("web_admin_undecided") }
        return Message("web_admin_granted", ["amount": .money(overview.granted), "count": .number(overview.grants)])
            .text(in: wording.language)
    }

    struct ReviewerLine: Sendable {
        let name: String
        let load: Int
        let final: Int
        let missing: Int
        let progress: String
        let mean: String
        let lean: String?
        let leanKind: String?
    }

    struct RecusalLine: Sendable {
        let reviewer: String
        let submissionId: Int64
        let organisation: String
        let declared: String
        let reason: String
    }

    struct RankLine: Sendable {
        let rank: Int
        let submissionId: Int64
        let organisation: String
        let title: String
        let total: String
        let normalised: String
        let reviews: Int
        let fundable: Bool
        let notes: String
        let requested: String
        let awarded: String
        let funding: String
        let fundingKind: String
        let fundingLine: String?
    }

    struct Download: Sendable {
        let href: String
        let label: String
        let hint: String
    }

    /// What the call page is built from, as the store gives it.
    public struct CallFacts: Sendable {
        public let overview: CallOverview
        public let envelopeName: String
        public let reviewers: [ReviewerProgress]
        public let recusals: [RecusalInfo]
        public let ranking: CallRanking
        public let normalisation: Normalisation.Result
        /// The standing decision's page, once the call is decided.
        public let report: CallReportPage?
        /// What a decision taken now would give, before the call is decided.
        public let plan: AllocationPlan?

        public init(
            overview: CallOverview, envelopeName: String, reviewers: [ReviewerProgress], recusals: [RecusalInfo],
            ranking: CallRanking, normalisation: Normalisation.Result, report: CallReportPage?, plan: AllocationPlan?
        ) {
            self.overview = overview
            self.envelopeName = envelopeName
            self.reviewers = reviewers
            self.recusals = recusals
            self.ranking = ranking
            self.normalisation = normalisation
            self.report = report
            self.plan = plan
        }
    }

    /// One call: where it stands, its reviewers, its ranking and funding line, its reports.
    public struct CallView: Sendable {
        let chrome: Chrome
        let id: Int64
        let title: String
        let status: String
        let statusLabel: String
        let facts: [Figure]
        let figures: [Figure]
        let reviewers: [ReviewerLine]
        let calibrationLead: String
        let recusals: [RecusalLine]
        let ranking: [RankLine]
        let rankingLead: String
        let excluded: [RankLine]
        let report: CallReportView?
        let downloads: [Download]
        let canAssign: Bool

        public init(chrome: Chrome, facts input: CallFacts, acting: Bool, wording: Wording) {
            let language = wording.language
            let overview = input.overview
            let call = overview.call
            func say(_ key: String, _ values: [String: Message.Value] = [:]) -> String {
                Message(key, values).text(in: language)
            }
            self.chrome = chrome
            id = call.id
            title = call.title
            status = call.status.rawValue
            statusLabel = wording.text("web_call_status_\(call.status.rawValue)")
            facts = [
                Figure(label: wording.text("web_admin_envelope"), value: input.envelopeName),
                Figure(label: wording.text("web_budget"), value: wording.money(call.budget)),
                Figure(label: wording.text("web_admin_opens"), value: wording.moment(call.opensAt, zone: call.zone)),
                Figure(label: wording.text("web_deadline"), value: wording.deadline(call)),
                Figure(
                    label: wording.text("web_admin_reviews_due"),
                    value: call.reviewsDueAt.map { wording.moment($0.addingTimeInterval(-0.001), zone: call.zone) }
                        ?? wording.text("web_none")),
                Figure(
                    label: wording.text("web_admin_reviews_wanted"), value: String(call.reviewsPerSubmission)),
                Figure(
                    label: wording.text("web_admin_policy"), value: wording.text("web_policy_\(call.policy.rawValue)")),
            ]
            figures = [
                Figure(label: wording.text("web_admin_received"), value: String(overview.received)),
                Figure(label: wording.text("web_admin_eligible"), value: String(overview.eligible)),
                Figure(label: wording.text("web_admin_ineligible"), value: String(overview.ineligible)),
                Figure(label: wording.text("web_admin_withdrawn"), value: String(overview.withdrawn)),
                Figure(label: wording.text("web_admin_final_reviews"), value: String(overview.finalReviews)),
                Figure(label: wording.text("web_admin_missing_reviews"), value: String(overview.missingReviews)),
                Figure(label: wording.text("web_admin_recusals"), value: String(overview.recusals)),
                Figure(
                    label: wording.text("web_admin_decision"), value: AdminPage.decision(overview, wording: wording)),
            ]
            let bias = Dictionary(uniqueKeysWithValues: input.normalisation.reviewers.map { ($0.reviewerId, $0) })
            reviewers = input.reviewers.map { reviewer in
                let lean = bias[reviewer.reviewerId]
                let kind = lean.flatMap { $0.flagged ? ($0.mean < $0.panelMean ? "harsh" : "lenient") : nil }
                return ReviewerLine(
                    name: reviewer.name, load: reviewer.load, final: reviewer.final,
                    missing: reviewer.load - reviewer.final,
                    progress: reviewer.load == 0 ? "—" : "\(reviewer.final * 100 / reviewer.load) %",
                    mean: lean.map { wording.decimal($0.mean, places: 2) } ?? "—",
                    lean: kind.map { say("report_\($0)") },
                    leanKind: kind)
            }
            calibrationLead = say(
                "web_admin_calibration",
                [
                    "panel": .text(
                        input.normalisation.reviewers.first.map { wording.decimal($0.panelMean, places: 2) } ?? "—")
                ])
            recusals = input.recusals.map {
                RecusalLine(
                    reviewer: $0.reviewer, submissionId: $0.submissionId, organisation: $0.organisation,
                    declared: wording.moment($0.declaredAt, zone: call.zone), reason: $0.reason)
            }
            // The funding column: the standing decision once there is one, else what a decision
            // taken now would give. A decision's lines also say which grants were declined since.
            var funding: [Int64: (status: String, awarded: Money)] = [:]
            if let report = input.report {
                for line in report.lines { funding[line.submissionId] = (line.status, line.awarded) }
            } else if let plan = input.plan {
                for line in plan.lines { funding[line.submissionId] = (line.status.rawValue, line.awarded) }
            }
            let left = input.report?.remaining ?? input.plan?.left
            let ranked = input.ranking.ranked
            // Where the money ran out: before the first submission sent to the reserve list.
            let reserve = SubmissionStatus.reserve.rawValue
            let firstUnfunded = ranked.firstIndex { funding[$0.entry.score.submissionId]?.status == reserve }
            ranking = ranked.enumerated().map { index, item in
                let score = item.entry.score
                let summary = input.ranking.submissions[score.submissionId]
                let found = funding[score.submissionId]
                let notes =
                    (score.unfundableReasons.map { $0.text(in: language) } + [item.tieBrokenBy].compactMap { $0 })
                    .joined(separator: " ; ")
                return RankLine(
                    rank: item.rank, submissionId: score.submissionId, organisation: summary?.organisation ?? "",
                    title: summary?.title ?? "",
                    total: score.total.map { wording.decimal($0.value) } ?? "—",
                    normalised: input.normalisation.totals[score.submissionId].map { wording.decimal($0) } ?? "—",
                    reviews: score.finalReviews, fundable: score.isFundable, notes: notes,
                    requested: summary.map { wording.money($0.requested) } ?? "",
                    awarded: found.map { $0.awarded.cents > 0 ? wording.money($0.awarded) : "—" } ?? "—",
                    funding: found.map { wording.text("status.\($0.status)") } ?? "—", fundingKind: found?.status ?? "",
                    fundingLine: index == firstUnfunded
                        ? say(
                            "report_funding_line",
                            ["left": .money(left ?? .zero), "next": .money(summary?.requested ?? .zero)])
                        : nil)
            }
            rankingLead = say(
                input.report != nil ? "web_admin_ranking_decided" : "web_admin_ranking_provisional",
                ["required": .number(call.reviewsPerSubmission)])
            excluded = input.ranking.excluded.map { summary in
                RankLine(
                    rank: 0, submissionId: summary.id, organisation: summary.organisation, title: summary.title,
                    total: "—", normalised: "—", reviews: 0, fundable: false, notes: "",
                    requested: wording.money(summary.requested), awarded: "—", funding: wording.status(summary.status),
                    fundingKind: summary.status.rawValue, fundingLine: nil)
            }
            report = input.report.map { CallReportView($0, language: language) }
            let base = "/admin/calls/\(call.id)/reports/"
            var downloads = [
                Download(href: base + "reviews.csv", label: "reviews.csv", hint: say("web_download_reviews")),
                Download(
                    href: base + "reviews-excel.csv", label: "reviews-excel.csv", hint: say("web_download_excel")),
            ]
            if input.report != nil {
                downloads =
                    [
                        Download(
                            href: base + "allocations.csv", label: "allocations.csv",
                            hint: say("web_download_allocations")),
                        Download(
                            href: base + "allocations-excel.csv", label: "allocations-excel.csv",
                            hint: say("web_download_excel")),
                        Download(
                            href: base + "allocations.json", label: "allocations.json", hint: say("web_download_json")),
                    ] + downloads + [
                        Download(
                            href: base + "summary.html", label: "summary.html", hint: say("web_download_summary"))
                    ]
            }
            self.downloads = downloads
            canAssign = acting && Assign.possible(overview)
        }
    }

    /// Before assigning the missing reviews from the web.
    public struct Assign: Sendable {
        let chrome: Chrome
        let id: Int64
        let title: String
        let question: String
        /// False once every eligible submission has its reviewers or the call is decided: then
        /// the page says so instead of offering a button that would do nothing.
        let possible: Bool

        public init(chrome: Chrome, overview: CallOverview, wording: Wording) {
            self.chrome = chrome
            id = overview.call.id
            title = overview.call.title
            possible = Self.possible(overview)
            question = Message(
                "web_assign_question",
                [
                    "missing": .number(overview.unassigned), "eligible": .number(overview.eligible),
                    "wanted": .number(overview.call.reviewsPerSubmission),
                ]
            ).text(in: wording.language)
        }

        static func possible(_ overview: CallOverview) -> Bool {
            [.open, .closed, .reviewing].contains(overview.call.status)
                && (overview.call.status != .reviewing || overview.unassigned > 0)
        }
    }
}

extension WebTemplates {
    public func render(_ page: AdminPage.Calls) throws -> String { try render(page, template: "admin/calls") }
    public func render(_ page: AdminPage.CallView) throws -> String { try render(page, template: "admin/call") }
    public func render(_ page: AdminPage.Assign) throws -> String { try render(page, template: "admin/assign") }
}
