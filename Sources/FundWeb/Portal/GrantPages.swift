import Foundation
import FundCore
import FundStore

extension PortalPage {
    /// A funded application's grant as its page shows it: the agreement, what is paid and due, and
    /// the final report.
    public struct GrantBlock: Sendable {
        let amount: String
        let agreement: String
        let paid: String
        let next: String
        let report: String
        let reportReason: String?
        /// A report may be filed: none yet, or the last one returned.
        let canFile: Bool
        let toRecover: String?

        public init(account: GrantAccount, reason: String?, wording: Wording) {
            let t = wording.text
            amount =
                account.released.cents > 0
                ? Message(
                    "web_grant_settled",
                    ["settled": .money(account.comesTo), "amount": .money(account.amount)]
                ).text(in: wording.language)
                : wording.money(account.amount)
            if let agreement = account.agreement {
                self.agreement =
                    agreement.signedOn.map {
                        Message(
                            "web_grant_signed",
                            ["reference": .text(agreement.reference), "day": .text(Self.day($0, wording))]
                        )
                        .text(in: wording.language)
                    }
                    ?? Message("web_grant_unsigned", ["reference": .text(agreement.reference)]).text(
                        in: wording.language)
            } else {
                agreement = t("web_grant_no_agreement")
            }
            paid = wording.money(account.paid.subtracting(account.recovered))
            switch account.schedule.instalments.first(where: { $0.state != .paid })?.state {
            case .due(_, let payBy, _):
                next = Message(
                    "web_grant_due", ["amount": .money(account.schedule.due), "day": .text(Self.day(payBy, wording))]
                ).text(in: wording.language)
            case .awaiting(.signature): next = t("web_grant_awaits_signature")
            case .awaiting(.finalReport): next = t("web_grant_awaits_report")
            case .paid, nil: next = t("web_grant_all_paid")
            }
            report = t("web_final_report_\(account.finalReport ?? "none")")
            reportReason = reason.flatMap { $0.isEmpty ? nil : $0 }
            canFile = account.status == "active" && (account.finalReport == nil || account.finalReport == "returned")
            toRecover = account.schedule.toRecover.cents > 0 ? wording.money(account.schedule.toRecover) : nil
        }

        static func day(_ day: CalendarDay, _ wording: Wording) -> String {
            wording.language == .fr ? day.french : day.description
        }
    }

    /// The final report form (compte rendu financier): the actual cost, up to eight spending lines
    /// in the layout of the planned budget, and what was done.
    public struct FinalReportForm: Sendable {
        struct Line: Sendable {
            let index: Int
            let number: Int
            let label: String
            let amount: String
        }

        let chrome: Chrome
        let id: Int64
        let title: String
        let planned: String
        let actualCost: String
        let actualError: String?
        let lines: [Line]
        let linesError: String?
        let narrative: String
        let narrativeError: String?
        let fileError: String?
        let errors: [ErrorLink]

        public init(
            chrome: Chrome, submission: Submission, actualCost: String, lines: [(String, String)], narrative: String,
            issues: [FieldIssue], wording: Wording
        ) {
            self.chrome = chrome
            id = submission.id
            title = submission.content.title
            planned = wording.money(submission.content.totalCost)
            self.actualCost = actualCost
            self.narrative = narrative
            let padded = lines + Array(repeating: ("", ""), count: max(0, 8 - lines.count))
            self.lines = padded.prefix(8).enumerated().map {
                Line(index: $0.offset, number: $0.offset + 1, label: $0.element.0, amount: $0.element.1)
            }
            func issue(_ prefix: String) -> String? {
                let found = issues.filter { $0.field.hasPrefix(prefix) }.map { $0.reason(in: wording.language) }
                return found.isEmpty ? nil : found.joined(separator: " ; ")
            }
            actualError = issue("actualCost")
            linesError = issue("spending")
            narrativeError = issue("narrative")
            fileError = issue("file") ?? issue("attachments")
            errors = [
                (actualError, "actual-cost", "web_final_report_actual"),
                (linesError, "line-0-label", "web_final_report_lines"),
                (narrativeError, "narrative", "web_final_report_narrative"),
                (fileError, "file", "web_final_report_file_label"),
            ].compactMap { error, anchor, key in
                error.map { ErrorLink(anchor: anchor, label: wording.text(key), message: $0) }
            }
        }
    }
}

extension WebTemplates {
    public func render(_ page: PortalPage.FinalReportForm) throws -> String {
        try render(page, template: "portal/final-report")
    }
}
