import Foundation
import FundCore

/// Where a reviewer is with one assignment.
public enum ReviewState: String, Sendable {
    case toDo = "todo"
    case draft
    case final

    public init(scores: [String: Double], comments: [String: String], final: Bool) {
        if final {
            self = .final
        } else {
            self = scores.isEmpty && comments.isEmpty ? .toDo : .draft
        }
    }
}

/// The reviewers' workspace as its templates read it (`Templates/review/*.mustache`).
public enum ReviewPage {
    /// One assignment of the reviewer, as the list shows it.
    public struct Line: Sendable {
        let assignmentId: Int64
        let title: String
        let organisation: String
        let requested: String
        let state: String
        let stateLabel: String
        let action: String

        public init(
            assignmentId: Int64, submission: Submission, state: ReviewState, wording: Wording
        ) {
            self.assignmentId = assignmentId
            title = submission.content.title
            organisation = submission.organisationName
            requested = wording.money(submission.content.requested)
            self.state = state.rawValue
            stateLabel = wording.text("web_review_state_\(state.rawValue)")
            action = wording.text(state == .final ? "web_review_open" : "web_review_do")
        }
    }

    /// A call's assignments, under its grid and its deadline.
    public struct CallGroup: Sendable {
        let title: String
        let deadline: String
        let progress: String
        let criteria: [String]
        let lines: [Line]

        public init(call: Call, lines: [Line], finals: Int, now: Date, wording: Wording) {
            title = call.title
            deadline = ReviewPage.deadline(call, now: now, wording: wording)
            progress = Message("web_review_progress", ["final": .number(finals), "total": .number(lines.count)])
                .text(in: wording.language)
            criteria = call.grid.criteria.map { criterion in
                Message(
                    "web_review_criterion_line",
                    [
                        "name": .text(criterion.name), "weight": .number(criterion.weight),
                        "min": .score(criterion.min), "max": .score(criterion.max),
                    ]
                ).text(in: wording.language)
            }
            self.lines = lines
        }
    }

    public struct Assignments: Sendable {
        let chrome: Chrome
        let calls: [CallGroup]

        public init(chrome: Chrome, calls: [CallGroup]) {
            self.chrome = chrome
            self.calls = calls
        }
    }

    /// "Reviews are due by 31/01/2025 at 23:59 (Paris time), 3 days and 4 hours left", or why
    /// finalising is closed.
    static func deadline(_ call: Call, now: Date, wording: Wording) -> String {
        guard let due = call.reviewsDueAt else { return wording.text("web_review_no_deadline") }
        let values: [String: Message.Value] = [
            "when": .instant(due.addingTimeInterval(-0.001), zone: call.timeZone),
            "left": .text(wording.timeLeft(until: due, now: now)),
        ]
        return Message(now < due ? "web_review_due" : "web_review_due_passed", values).text(in: wording.language)
    }

    /// A file of the submission: downloaded, or viewed in the browser when it can show it safely.
    struct FileLink: Sendable {
        let id: Int64
        let kind: String
        let name: String
        let type: String
        let size: String
        let viewable: Bool
    }

    struct Option: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    /// One criterion of the grid as the form shows it: its scale as the only choices.
    struct CriterionField: Sendable {
        let key: String
        let name: String
        let help: String
        let weight: Int
        let min: String
        let max: String
        let options: [Option]
        let score: String
        let comment: String
        let error: String?
        let describedBy: String
    }

    struct ErrorLink: Sendable {
        let anchor: String
        let label: String
        let message: String
    }

    /// What the reviewer typed, as text: kept as typed when it is refused.
    public struct SheetInput: Sendable {
        public var scores: [String: String]
        public var comments: [String: String]

        public init(scores: [String: String], comments: [String: String]) {
            self.scores = scores
            self.comments = comments
        }

        /// A stored review as the form shows it.
        public init(scores: [String: Double], comments: [String: String]) {
            self.scores = scores.mapValues { String($0) }
            self.comments = comments
        }
    }

    /// The review page: the submission as it stands, its files, and the grid to fill in.
    public struct Sheet: Sendable {
        let chrome: Chrome
        let assignmentId: Int64
        let title: String
        let organisation: String
        let callTitle: String
        let version: Int
        let requested: String
        let totalCost: String
        let ambitions: String
        let received: String
        let summary: String
        let files: [FileLink]
        let deadline: String
        let canFinalise: Bool
        let final: Bool
        let criteria: [CriterionField]
        let errors: [ErrorLink]
        let total: String
        let totalHelp: String
        let totalWeight: Int

        public init(
            chrome: Chrome, assignmentId: Int64, submission: Submission, files: [AttachmentSummary], call: Call,
            input: SheetInput, final: Bool, issues: [FieldIssue], now: Date, wording: Wording
        ) {
            let language = wording.language
            self.chrome = chrome
            self.assignmentId = assignmentId
            let content = submission.content
            title = content.title
            organisation = submission.organisationName
            callTitle = call.title
            version = submission.version
            requested = wording.money(content.requested)
            totalCost = wording.money(content.totalCost)
            ambitions = content.ambitions.map(wording.ambition).joined(separator: ", ")
            received = wording.moment(submission.receivedAt, zone: call.zone)
            summary = content.summary
            self.files = files.map { file in
                FileLink(
                    id: file.id, kind: wording.kind(file.kind), name: file.fileName, type: file.type.label,
                    size: wording.bytes(file.size), viewable: [.pdf, .png, .jpeg].contains(file.type))
            }
            deadline = ReviewPage.deadline(call, now: now, wording: wording)
            canFinalise = call.reviewsDueAt.map { now < $0 } ?? true
            self.final = final
            func issue(_ field: String) -> String? {
                issues.first { $0.field == field }?.reason(in: language)
            }
            criteria = call.grid.criteria.map { criterion in
                let typed = input.scores[criterion.key] ?? ""
                let chosen = Double(typed.replacingOccurrences(of: ",", with: "."))
                var options = [Option(value: "", label: wording.text("web_review_unscored"), selected: chosen == nil)]
                // Counted in steps from the minimum, so that a step of 0.1 never drifts to 0.30000000000000004.
                let steps = Int(((criterion.max - criterion.min) / criterion.step).rounded())
                for index in 0...max(0, steps) {
                    let score = criterion.min + Double(index) * criterion.step
                    options.append(
                        Option(
                            value: String(score), label: Message.render(.score(score), in: language),
                            selected: chosen.map { abs($0 - score) < 1e-9 } ?? false))
                }
                let error = issue(criterion.key) ?? issue("comments.\(criterion.key)")
                var help = Message(
                    "web_review_scale",
                    [
                        "min": .score(criterion.min), "max": .score(criterion.max), "step": .score(criterion.step),
                        "weight": .number(criterion.weight),
                    ]
                ).text(in: language)
                if let threshold = criterion.threshold {
                    help += " " + Message("web_review_threshold", ["threshold": .score(threshold)]).text(in: language)
                }
                return CriterionField(
                    key: criterion.key, name: criterion.name, help: help, weight: criterion.weight,
                    min: String(criterion.min), max: String(criterion.max), options: options,
                    score: chosen.map { Message.render(.score($0), in: language) } ?? "—",
                    comment: input.comments[criterion.key] ?? "", error: error,
                    describedBy: "help-\(criterion.key)" + (error == nil ? "" : " error-\(criterion.key)"))
            }
            let names = Dictionary(uniqueKeysWithValues: call.grid.criteria.map { ($0.key, $0.name) })
            errors = issues.map { issue in
                let key = issue.field.hasPrefix("comments.") ? String(issue.field.dropFirst(9)) : issue.field
                return ErrorLink(
                    anchor: names[key] == nil ? "main" : "score-\(key)", label: names[key] ?? issue.field,
                    message: issue.reason(in: language))
            }
            total = ReviewPage.total(input, grid: call.grid, wording: wording)
            totalHelp = Message("web_review_total_help", ["threshold": .score(call.grid.overallThreshold)])
                .text(in: language)
            totalWeight = call.grid.criteria.reduce(0) { $0 + $1.weight }
        }
    }

    /// The weighted total out of 100 of one review, as the ranking computes it; what is missing
    /// when some criterion has no score yet.
    static func total(_ input: SheetInput, grid: ScoringGrid, wording: Wording) -> String {
        var thousandths: [String: Int64] = [:]
        for criterion in grid.criteria {
            guard let text = input.scores[criterion.key],
                let score = Double(text.replacingOccurrences(of: ",", with: ".")), criterion.accepts(score)
            else { return wording.text("web_review_total_incomplete") }
            thousandths[criterion.key] = Int64((score * 1000).rounded())
        }
        let scored = Scoring.score(
            submissionId: 0, reviews: [ReviewScores(reviewerId: 0, thousandths: thousandths)], grid: grid, required: 1)
        guard let total = scored.total else { return wording.text("web_review_total_incomplete") }
        return Message.render(.decimal(total.decimal(places: 1)), in: wording.language) + " / 100"
    }

    /// Before a review becomes final: what will be recorded, and that it cannot change after.
    public struct Confirm: Sendable {
        let chrome: Chrome
        let assignmentId: Int64
        let title: String
        let criteria: [CriterionField]
        let total: String

        public init(sheet: Sheet, chrome: Chrome) {
            self.chrome = chrome
            assignmentId = sheet.assignmentId
            title = sheet.title
            criteria = sheet.criteria
            total = sheet.total
        }
    }

    /// Stepping back from a submission: why, and what follows.
    public struct Recuse: Sendable {
        let chrome: Chrome
        let assignmentId: Int64
        let title: String
        let explanation: String
        let reason: String
        let error: String?

        public init(
            chrome: Chrome, assignmentId: Int64, submission: Submission, reason: String, error: String?,
            wording: Wording
        ) {
            self.chrome = chrome
            self.assignmentId = assignmentId
            title = submission.content.title
            explanation = Message("web_recuse_explanation", ["organisation": .text(submission.organisationName)])
                .text(in: wording.language)
            self.reason = reason
            self.error = error
        }
    }
}

extension WebTemplates {
    public func render(_ page: ReviewPage.Assignments) throws -> String {
        try render(page, template: "review/assignments")
    }
    public func render(_ page: ReviewPage.Sheet) throws -> String { try render(page, template: "review/sheet") }
    public func render(_ page: ReviewPage.Confirm) throws -> String { try render(page, template: "review/confirm") }
    public func render(_ page: ReviewPage.Recuse) throws -> String { try render(page, template: "review/recuse") }
}
