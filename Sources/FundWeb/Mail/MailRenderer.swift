import Foundation
import FundCore
import FundStore

/// The words of the outbox's messages, in the recipient's language: a subject, a plain-text body
/// and an HTML body made from the same parts (the HTML escaped by the template engine).
public struct MailRenderer: Sendable {
    let templates: WebTemplates
    let database: Database
    /// Where links in messages point (CFUND_PUBLIC_URL).
    let publicURL: String
    /// Each call's ranking, loaded once for all the letters of a decision that need its reasons.
    private let rankings = Rankings()

    public init(templates: WebTemplates, database: Database, publicURL: String) {
        self.templates = templates
        self.database = database
        self.publicURL = publicURL
    }

    /// One message's parts, before they are written as text and as HTML.
    struct Parts {
        struct Fact {
            let label: String
            let value: String
        }

        struct Link {
            let label: String
            let url: String
        }

        let language: String
        let fund: String
        let subject: String
        let greeting: String
        let paragraphs: [String]
        let facts: [Fact]
        let link: Link?
        let footer: String

        /// A message to the entry's recipient, in their language, with the fund's name, the
        /// greeting and the footer every message shares.
        init(
            to entry: OutboxEntry, subject: String, paragraphs: [String], facts: [Fact] = [], link: Link?,
            footer: String = "mail_footer"
        ) {
            let wording = Wording(entry.language)
            language = entry.language.rawValue
            fund = wording.text("web_site")
            self.subject = subject
            greeting = Message("mail_greeting", ["name": .text(entry.recipient.name ?? entry.recipient.address)])
                .text(in: entry.language)
            self.paragraphs = paragraphs
            self.facts = facts
            self.link = link
            self.footer = wording.text(footer)
        }
    }

    public func render(_ entry: OutboxEntry) async throws -> RenderedMail {
        let parts = try await parts(entry)
        return RenderedMail(
            subject: parts.subject, text: Self.text(parts), html: try templates.render(parts, template: "mail/message"))
    }

    /// What a message says, before it is written as text or HTML (a letter's page shows it too).
    func parts(_ entry: OutboxEntry) async throws -> Parts {
        let parts: Parts
        switch entry.template {
        case "submission.received", "submission.amended", "submission.withdrawn":
            parts = try await submission(entry)
        case "decision.funded", "decision.partially_funded", "decision.reserve", "decision.rejected",
            "grant.promoted", "grant.declined":
            parts = try await decision(entry)
        case "reminder.deadline":
            parts = try await reminder(entry)
        case "final_report.accepted", "final_report.returned":
            parts = try await finalReport(entry)
        case "reminder.final_report":
            parts = try await finalReportReminder(entry)
        case "review.assigned", "review.reopened", "reminder.reviews":
            parts = try await reviewer(entry)
        case "sign-in":
            let wording = Wording(entry.language)
            parts = Parts(
                to: entry, subject: wording.text("mail_sign_in_subject"),
                paragraphs: [wording.text("mail_sign_in_lead")],
                link: Parts.Link(
                    label: wording.text("mail_sign_in_link"),
                    url: "\(publicURL)/sign-in/\(entry.texts["link"] ?? "")"),
                footer: "mail_sign_in_footer")
        default:
            throw FundError.notFound(kind: "mail template", reference: entry.template)
        }
        return parts
    }

    static func text(_ parts: Parts) -> String {
        var blocks = [parts.greeting] + parts.paragraphs
        let colon = parts.language == "fr" ? " : " : ": "
        if !parts.facts.isEmpty {
            blocks.append(parts.facts.map { $0.label + colon + $0.value }.joined(separator: "\n"))
        }
        if let link = parts.link { blocks.append(link.label + (parts.language == "fr" ? " :" : ":") + "\n" + link.url) }
        blocks.append("-- \n" + parts.footer)
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// A reviewer's news: submissions assigned, or a final review reopened by the programme team.
    private func reviewer(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let reviews = ReviewRepository(database)
        var values: [String: Message.Value] = [:]
        var paragraphs: [String] = []
        let link: Parts.Link
        if entry.template != "review.reopened" {
            let call = try await CallRepository(database).find(id: entry.data["call"] ?? 0)
            values = ["call": .text(call.title), "count": .number(Int(entry.data["count"] ?? 0))]
            let kind = entry.template == "review.assigned" ? "assigned" : "reviews_due"
            paragraphs.append(Message("mail_\(kind)_lead", values).text(in: language))
            if let due = call.reviewsDueAt {
                paragraphs.append(
                    Message(
                        "mail_assigned_due", ["when": .instant(due.addingTimeInterval(-0.001), zone: call.timeZone)]
                    )
                    .text(in: language))
            }
            paragraphs.append(wording.text("mail_assigned_conflicts"))
            link = Parts.Link(label: wording.text("mail_reviews_link"), url: "\(publicURL)/review")
        } else {
            let id = entry.data["assignment"] ?? 0
            guard
                let (reviewer, reason) = try await database.query(
                    """
                    SELECT a.reviewer_id, coalesce(r.reopened_reason, '')
                    FROM assignments a JOIN reviews r ON r.assignment_id = a.id WHERE a.id = \(id)
                    """
                ).decode((Int64, String).self).first(where: { _ in true }),
                let view = try await reviews.assignments(reviewerId: reviewer, assignmentId: id).first
            else { throw FundError.notFound(kind: "assignment", reference: String(id)) }
            let call = try await CallRepository(database).find(id: view.callId)
            values = [
                "call": .text(call.title), "title": .text(view.submission.content.title), "reason": .text(reason),
            ]
            paragraphs.append(Message("mail_reopened_lead", values).text(in: language))
            link = Parts.Link(label: wording.text("mail_review_link"), url: "\(publicURL)/review/\(id)")
        }
        let kind =
            [
                "review.assigned": "assigned", "review.reopened": "reopened", "reminder.reviews": "reviews_due",
            ][entry.template] ?? ""
        return Parts(
            to: entry, subject: Message("mail_\(kind)_subject", values).text(in: language), paragraphs: paragraphs,
            link: link)
    }

    /// A reminder that a call closes soon, to an organisation that may apply and has not.
    private func reminder(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let call = try await CallRepository(database).find(id: entry.data["call"] ?? 0)
        let organisation = try await OrganisationRepository(database).find(String(entry.data["organisation"] ?? 0))
        let values: [String: Message.Value] = [
            "call": .text(call.title), "organisation": .text(organisation.name),
            "days": .number(Int(entry.data["days"] ?? 0)),
            "when": .instant(call.closesAt.addingTimeInterval(-0.001), zone: call.timeZone),
        ]
        return Parts(
            to: entry, subject: Message("mail_reminder_subject", values).text(in: language),
            paragraphs: [
                Message("mail_reminder_lead", values).text(in: language), wording.text("mail_reminder_draft"),
            ],
            facts: [
                Parts.Fact(label: wording.text("web_deadline"), value: Message.render(values["when"]!, in: language)),
                Parts.Fact(label: wording.text("web_budget"), value: wording.money(call.budget)),
            ],
            link: Parts.Link(label: wording.text("mail_portal_link"), url: "\(publicURL)/"))
    }

    /// The decision on a final report: accepted, with what the grant comes to and what is left to
    /// pay or to pay back; or returned, with what to change.
    private func finalReport(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let account = try await FinanceRepository(database).account(grantId: entry.data["grant"] ?? 0)
        let report = try await FinalReportRepository(database).report(id: entry.data["report"] ?? 0)
        let netPaid = account.paid.subtracting(account.recovered)
        let values: [String: Message.Value] = [
            "title": .text(account.title), "amount": .money(account.amount), "settled": .money(account.comesTo),
            "reason": .text(report.reason),
            "balance": .money(Money(cents: max(0, account.comesTo.cents - netPaid.cents))),
            "recover": .money(account.schedule.toRecover),
        ]
        let kind = entry.template == "final_report.accepted" ? "accepted" : "returned"
        var paragraphs = [Message("mail_final_report_\(kind)_lead", values).text(in: language)]
        var facts: [Parts.Fact] = []
        if kind == "accepted" {
            if account.schedule.toRecover.cents > 0 {
                paragraphs.append(Message("mail_final_report_recover", values).text(in: language))
            } else if account.comesTo.cents > netPaid.cents {
                paragraphs.append(Message("mail_final_report_balance", values).text(in: language))
            }
            if !report.reason.isEmpty { paragraphs.append(report.reason) }
            facts = [
                Parts.Fact(label: wording.text("mail_fact_awarded"), value: wording.money(account.amount)),
                Parts.Fact(label: wording.text("mail_fact_settled"), value: wording.money(account.comesTo)),
                Parts.Fact(label: wording.text("mail_fact_paid"), value: wording.money(netPaid)),
            ]
        }
        return Parts(
            to: entry, subject: Message("mail_final_report_\(kind)_subject", values).text(in: language),
            paragraphs: paragraphs, facts: facts,
            link: Parts.Link(
                label: wording.text("mail_applications_link"), url: "\(publicURL)/applications/\(account.submissionId)")
        )
    }

    /// A final report to file: 30 days before the day, or late.
    private func finalReportReminder(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let account = try await FinanceRepository(database).account(grantId: entry.data["grant"] ?? 0)
        let due = DeadlineReminders.finalReportDue(decidedIn: account.decidedOn.year)
        let kind = entry.data["late"] == 1 ? "late" : "soon"
        let values: [String: Message.Value] = [
            "title": .text(account.title), "day": .text(language == .fr ? due.french : due.description),
        ]
        return Parts(
            to: entry, subject: Message("mail_final_report_\(kind)_subject", values).text(in: language),
            paragraphs: [Message("mail_final_report_\(kind)_lead", values).text(in: language)],
            link: Parts.Link(
                label: wording.text("mail_applications_link"), url: "\(publicURL)/applications/\(account.submissionId)")
        )
    }

    /// A decision letter: what the standing decision (or a later grant) means for one submission.
    private func decision(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let id = entry.data["submission"] ?? 0
        let run = entry.data["run"] ?? 0
        let submission = try await SubmissionRepository(database).find(id)
        let call = try await CallRepository(database).find(id: submission.callId)
        guard
            let (position, awarded) = try await database.query(
                "SELECT position, awarded_cents FROM allocation_lines WHERE run_id = \(run) AND submission_id = \(id)"
            ).decode((Int, Int64).self).first(where: { _ in true })
        else { throw FundError.notFound(kind: "decision line", reference: "\(run)/\(id)") }
        var amount = Money(cents: awarded)
        if let grant = entry.data["grant"] {
            amount = Money(
                cents: try await database.query("SELECT amount_cents FROM grants WHERE id = \(grant)")
                    .decode(Int64.self).first(where: { _ in true }) ?? 0)
        }
        let kind = entry.template.replacingOccurrences(of: ".", with: "_")
        var values: [String: Message.Value] = [
            "title": .text(submission.content.title), "organisation": .text(submission.organisationName),
            "call": .text(call.title), "amount": .money(amount), "requested": .money(submission.content.requested),
            "position": .number(position),
        ]
        var paragraphs: [String] = []
        if entry.template == "decision.rejected" {
            // The ranking's own reasons, in the reader's language; none means the money ran out first.
            let ranking = try await rankings.ranking(of: call, database: database)
            let reasons =
                ranking.ranked.first { $0.entry.score.submissionId == id }?.entry.score.unfundableReasons ?? []
            values["reasons"] = .text(
                reasons.isEmpty
                    ? Message("mail_reason_budget", ["position": .number(position)]).text(in: language)
                    : reasons.map { $0.text(in: language) }.joined(separator: language == .fr ? " ; " : "; "))
        }
        paragraphs.append(Message("mail_\(kind)_lead", values).text(in: language))
        if ["decision.funded", "decision.partially_funded", "grant.promoted"].contains(entry.template) {
            paragraphs.append(wording.text("mail_next_steps"))
        }
        var facts = [
            Parts.Fact(label: wording.text("mail_fact_submission"), value: String(id)),
            Parts.Fact(label: wording.text("mail_fact_requested"), value: wording.money(submission.content.requested)),
        ]
        if amount.cents > 0 {
            facts.append(Parts.Fact(label: wording.text("mail_fact_awarded"), value: wording.money(amount)))
        }
        return Parts(
            to: entry, subject: Message("mail_\(kind)_subject", values).text(in: language), paragraphs: paragraphs,
            facts: facts,
            link: Parts.Link(label: wording.text("mail_applications_link"), url: "\(publicURL)/applications/\(id)"))
    }

    private func submission(_ entry: OutboxEntry) async throws -> Parts {
        let language = entry.language
        let wording = Wording(language)
        let id = entry.data["submission"] ?? 0
        let version = Int(entry.data["version"] ?? 0)
        let submission = try await SubmissionRepository(database).find(id)
        let call = try await CallRepository(database).find(id: submission.callId)
        // The version the message is about; a later amendment does not change what it said.
        let current = submission.version == version
        let history = current ? [] : try await SubmissionRepository(database).history(id)
        let content =
            current ? submission.content : (history.first { $0.version == version }?.content ?? submission.content)
        let receivedAt =
            current
            ? submission.receivedAt : (history.first { $0.version == version }?.receivedAt ?? submission.receivedAt)
        let happened = entry.template.replacingOccurrences(of: "submission.", with: "")
        let values: [String: Message.Value] = [
            "title": .text(content.title), "organisation": .text(submission.organisationName),
            "call": .text(call.title),
            "version": .number(version),
        ]
        func say(_ key: String) -> String { Message(key, values).text(in: language) }
        var facts = [
            Parts.Fact(
                label: wording.text("mail_fact_submission"), value: "\(id) · \(wording.text("web_version")) \(version)"),
            Parts.Fact(label: wording.text("mail_fact_requested"), value: wording.money(content.requested)),
        ]
        var link: Parts.Link?
        if happened != "withdrawn" {
            facts.insert(
                Parts.Fact(
                    label: wording.text("mail_fact_received"),
                    value: wording.moment(receivedAt, zone: call.zone, milliseconds: true)),
                at: 1)
            if current {
                facts.append(
                    Parts.Fact(label: wording.text("mail_fact_receipt"), value: Digest.sha256(submission.receiptText)))
            }
            link = Parts.Link(
                label: wording.text("mail_receipt_link"), url: "\(publicURL)/applications/\(id)/receipt")
        }
        return Parts(
            to: entry, subject: say("mail_\(happened)_subject"), paragraphs: [say("mail_\(happened)_lead")],
            facts: facts, link: link)
    }
}

/// The rankings a renderer has loaded, by call.
private final class Rankings: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: [Int64: CallRanking] = [:]

    func ranking(of call: Call, database: Database) async throws -> CallRanking {
        if let known = lock.withLock({ loaded[call.id] }) { return known }
        let ranking = try await CallRanking.load(call, database: database)
        lock.withLock { loaded[call.id] = ranking }
        return ranking
    }
}
