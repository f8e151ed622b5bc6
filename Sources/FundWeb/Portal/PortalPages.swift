import Foundation
import FundCore

/// The applicants' portal pages as their templates read them (`Templates/portal/*.mustache`):
/// every word from the catalogue of the reader's language, every amount and moment written the
/// way that language writes them.
public enum PortalPage {
    /// The page for someone not signed in, or whose link did not work, with the form that mails a
    /// new link; `formToken` stands in for a session's CSRF token (no one is signed in yet).
    public struct SignIn: Sendable {
        let chrome: Chrome
        let problem: String?
        let formToken: String
        let email: String
        let emailError: String?

        public init(chrome: Chrome, problem: String?, formToken: String, email: String = "", emailError: String? = nil)
        {
            self.chrome = chrome
            self.problem = problem
            self.formToken = formToken
            self.email = email
            self.emailError = emailError
        }
    }

    /// An open call as the home page shows it to an organisation.
    public struct CallCard: Sendable {
        let id: Int64
        let title: String
        let deadline: String
        let timeLeft: String
        let budget: String
        let maxRequest: String
        let held: String
        let files: String
        let eligible: Bool
        let reasons: [String]

        public init(call: Call, held: Int, reasons: [Message], now: Date, wording: Wording) {
            id = call.id
            title = call.title
            deadline = wording.deadline(call)
            timeLeft = wording.timeLeft(until: call.closesAt, now: now)
            budget = wording.money(call.budget)
            maxRequest = call.rules.maxRequest.map(wording.money) ?? wording.text("web_none")
            self.held = Message(
                "web_held", ["held": .number(held), "cap": .number(call.rules.maxSubmissionsPerOrganisation)]
            ).text(in: wording.language)
            files =
                call.attachments.required.isEmpty
                ? wording.text("web_none") : call.attachments.required.map(wording.kind).joined(separator: ", ")
            let all = reasons + (held >= call.rules.maxSubmissionsPerOrganisation ? [Message("web_cap_reached")] : [])
            eligible = all.isEmpty
            self.reasons = all.map { $0.text(in: wording.language) }
        }
    }

    public struct DraftLine: Sendable {
        let id: Int64
        let label: String
        let callTitle: String
        let updated: String

        public init(draft: Draft, call: Call, wording: Wording) {
            id = draft.id
            label = draft.title.isEmpty ? wording.text("web_untitled") : draft.title
            callTitle = call.title
            updated = Message("web_updated", ["when": .instant(draft.updatedAt, zone: call.timeZone)])
                .text(in: wording.language)
        }
    }

    public struct Home: Sendable {
        let chrome: Chrome
        let lead: String
        let calls: [CallCard]
        let drafts: [DraftLine]

        public init(chrome: Chrome, organisation: String, calls: [CallCard], drafts: [DraftLine], wording: Wording) {
            self.chrome = chrome
            lead = Message("web_home_lead", ["organisation": .text(organisation)]).text(in: wording.language)
            self.calls = calls
            self.drafts = drafts
        }
    }

    /// A form field with what was typed and what is wrong with it.
    struct Field: Sendable {
        let id: String
        let name: String
        let label: String
        let hint: String
        let value: String
        let error: String?
        let multiline: Bool
        let numeric: Bool
        let type: String
        let autocomplete: String
        let describedBy: String
    }

    struct Choice: Sendable {
        let value: String
        let label: String
        let checked: Bool
    }

    struct ErrorLink: Sendable {
        let anchor: String
        let label: String
        let message: String
    }

    public struct FileLine: Sendable {
        let id: Int64
        let draftId: Int64?
        let kind: String
        let name: String
        let type: String
        let size: String
        let sha256: String

        public init(_ file: AttachmentSummary, draftId: Int64? = nil, wording: Wording) {
            id = file.id
            self.draftId = draftId
            kind = wording.kind(file.kind)
            name = file.fileName
            type = file.type.label
            size = wording.bytes(file.size)
            sha256 = file.sha256
        }
    }

    /// What a person typed into the draft form, as text: kept as typed when it is refused.
    public struct DraftInput: Sendable {
        public var title: String
        public var summary: String
        public var requested: String
        public var totalCost: String
        public var ambitions: [String]
        public var contactName: String
        public var contactEmail: String

        public init(
            title: String, summary: String, requested: String, totalCost: String, ambitions: [String],
            contactName: String, contactEmail: String
        ) {
            self.title = title
            self.summary = summary
            self.requested = requested
            self.totalCost = totalCost
            self.ambitions = ambitions
            self.contactName = contactName
            self.contactEmail = contactEmail
        }

        /// A stored draft as the form shows it.
        public init(_ draft: Draft, language: Language) {
            func amount(_ money: Money?) -> String {
                guard let money else { return "" }
                return language == .fr ? money.frenchNumber : money.plain
            }
            self.init(
                title: draft.title, summary: draft.summary, requested: amount(draft.requested),
                totalCost: amount(draft.totalCost), ambitions: draft.ambitions.map(\.rawValue),
                contactName: draft.contactName, contactEmail: draft.contactEmail)
        }
    }

    public struct DraftForm: Sendable {
        let chrome: Chrome
        let id: Int64
        let heading: String
        let callTitle: String
        let deadline: String
        let timeLeft: String
        let readOnly: Bool
        let fields: [Field]
        let ambitions: [Choice]
        let ambitionsError: String?
        let errors: [ErrorLink]
        let submitLabel: String
        let files: [FileLine]
        let filesHint: String
        let fileError: String?
        let kinds: [Choice]

        /// - Parameter issues: what the rules found, by field as the API names them.
        public init(
            chrome: Chrome, draft: Draft, call: Call, input: DraftInput, issues: [FieldIssue],
            files: [AttachmentSummary], fileError: String?, now: Date, wording: Wording
        ) {
            let language = wording.language
            func issue(_ field: String) -> String? {
                issues.first { $0.field == field || $0.field.hasPrefix(field + ".") }?.reason(in: language)
            }
            func field(
                _ name: String, _ apiField: String, value: String, multiline: Bool = false, numeric: Bool = false,
                type: String = "text", autocomplete: String = "off"
            ) -> Field {
                let error = issue(apiField)
                return Field(
                    id: name, name: name, label: wording.text("web_field_\(name)"),
                    hint: wording.text("web_field_\(name)_hint"), value: value, error: error, multiline: multiline,
                    numeric: numeric, type: type, autocomplete: autocomplete,
                    describedBy: "\(name)-hint" + (error == nil ? "" : " \(name)-error"))
            }
            self.chrome = chrome
            id = draft.id
            heading = wording.text(draft.submissionId == nil ? "web_draft_title" : "web_amend_title")
            callTitle = call.title
            deadline = wording.deadline(call)
            timeLeft = wording.timeLeft(until: call.closesAt, now: now)
            readOnly = draft.submittedAt != nil
            fields = [
                field("title", "title", value: input.title),
                field("summary", "summary", value: input.summary, multiline: true),
                field("requested", "requestedCents", value: input.requested, numeric: true),
                field("total_cost", "totalCostCents", value: input.totalCost, numeric: true),
                field("contact_name", "contact.name", value: input.contactName, autocomplete: "name"),
                field(
                    "contact_email", "contact.email", value: input.contactEmail, type: "email", autocomplete: "email"),
            ]
            ambitions = Ambition.allCases.map { ambition in
                Choice(
                    value: ambition.rawValue, label: wording.ambition(ambition),
                    checked: input.ambitions.contains(ambition.rawValue))
            }
            ambitionsError = issue("ambitions")
            let anchors: [String: (String, String)] = [
                "title": ("title", "web_field_title"), "summary": ("summary", "web_field_summary"),
                "requestedCents": ("requested", "web_field_requested"),
                "totalCostCents": ("total_cost", "web_field_total_cost"),
                "contact.name": ("contact_name", "web_field_contact_name"),
                "contact.email": ("contact_email", "web_field_contact_email"),
                "ambitions": ("ambitions", "web_field_ambitions"),
            ]
            errors = issues.map { issue in
                let (anchor, label) =
                    anchors[issue.field]
                    ?? (issue.field.hasPrefix("attachments") ? ("file", "web_files") : ("main", ""))
                return ErrorLink(
                    anchor: anchor, label: label.isEmpty ? issue.field : wording.text(label),
                    message: issue.reason(in: language))
            }
            submitLabel = wording.text(draft.submissionId == nil ? "web_submit" : "web_submit_amendment")
            self.files = files.map { FileLine($0, draftId: draft.id, wording: wording) }
            let required =
                call.attachments.required.isEmpty
                ? wording.text("web_none") : call.attachments.required.map(wording.kind).joined(separator: ", ")
            filesHint = Message(
                "web_files_hint",
                [
                    "required": .text(required), "max": .bytes(call.attachments.maxFileBytes),
                    "total": .bytes(call.attachments.maxSubmissionBytes),
                ]
            ).text(in: language)
            self.fileError = fileError
            kinds = AttachmentKind.allCases.map { Choice(value: $0.rawValue, label: wording.kind($0), checked: false) }
        }
    }

    public struct ApplicationLine: Sendable {
        let id: Int64
        let title: String
        let call: String
        let status: String
        let statusLabel: String
        let requested: String
        let received: String

        public init(_ submission: Submission, call: Call, wording: Wording) {
            id = submission.id
            title = submission.content.title
            self.call = call.title
            status = submission.status.rawValue
            statusLabel = wording.status(submission.status)
            requested = wording.money(submission.content.requested)
            received = wording.moment(submission.receivedAt, zone: call.zone)
        }
    }

    public struct Applications: Sendable {
        let chrome: Chrome
        let applications: [ApplicationLine]

        public init(chrome: Chrome, applications: [ApplicationLine]) {
            self.chrome = chrome
            self.applications = applications
        }
    }

    struct VersionLine: Sendable {
        let version: Int
        let title: String
        let requested: String
        let received: String
    }

    public struct Application: Sendable {
        let chrome: Chrome
        let id: Int64
        let title: String
        let status: String
        let statusLabel: String
        let statusReasons: [String]
        let version: Int
        let callTitle: String
        let changeable: Bool
        let closedNote: String
        let requested: String
        let totalCost: String
        let ambitions: String
        let contact: String
        let received: String
        let summary: String
        let files: [FileLine]
        let versions: [VersionLine]
        let letters: [LetterLine]
        let grant: GrantBlock?

        /// - Parameter open: whether the call still takes changes (by the database clock).
        public init(
            chrome: Chrome, submission: Submission, call: Call, history: [SubmissionVersion], open: Bool,
            letters: [LetterLine] = [], grant: GrantBlock? = nil, wording: Wording
        ) {
            self.letters = letters
            self.grant = grant
            let content = submission.content
            self.chrome = chrome
            id = submission.id
            title = content.title
            status = submission.status.rawValue
            statusLabel = wording.status(submission.status)
            statusReasons = submission.statusReasons
            version = submission.version
            callTitle = call.title
            changeable = open && submission.status == .submitted
            closedNote = wording.text(submission.status == .submitted ? "web_closed_note" : "web_final_note")
            requested = wording.money(content.requested)
            totalCost = wording.money(content.totalCost)
            ambitions = content.ambitions.map(wording.ambition).joined(separator: ", ")
            contact = "\(content.contactName) <\(content.contactEmail)>"
            received = wording.moment(submission.receivedAt, zone: call.zone)
            summary = content.summary
            files = submission.attachments.map { FileLine($0, wording: wording) }
            versions = history.reversed().map { item in
                VersionLine(
                    version: item.version, title: item.content.title, requested: wording.money(item.content.requested),
                    received: wording.moment(item.receivedAt, zone: call.zone))
            }
        }
    }

    public struct Withdraw: Sendable {
        let chrome: Chrome
        let id: Int64
        let title: String
        let question: String

        public init(chrome: Chrome, submission: Submission, wording: Wording) {
            self.chrome = chrome
            id = submission.id
            title = submission.content.title
            question = Message("web_withdraw_question", ["title": .text(submission.content.title)])
                .text(in: wording.language)
        }
    }

    /// The deposit receipt: one printed A4 page that proves what was received and when.
    public struct Receipt: Sendable {
        let chrome: Chrome
        let id: Int64
        let organisation: String
        let callTitle: String
        let title: String
        let reference: String
        let requested: String
        let totalCost: String
        let received: String
        let files: [FileLine]
        let hash: String
        let covers: String

        public init(chrome: Chrome, submission: Submission, call: Call, hash: String, wording: Wording) {
            self.chrome = chrome
            id = submission.id
            organisation = submission.organisationName
            callTitle = call.title
            title = submission.content.title
            reference = Message(
                "web_reference", ["id": .number(Int(submission.id)), "version": .number(submission.version)]
            ).text(in: wording.language)
            requested = wording.money(submission.content.requested)
            totalCost = wording.money(submission.content.totalCost)
            received = wording.moment(submission.receivedAt, zone: LocalTime.paris, milliseconds: true)
            files = submission.attachments.map { FileLine($0, wording: wording) }
            self.hash = hash
            covers = submission.receiptText
        }
    }

    public struct Failure: Sendable {
        let chrome: Chrome
        let heading: String
        let message: String

        public init(chrome: Chrome, heading: String, message: String) {
            self.chrome = chrome
            self.heading = heading
            self.message = message
        }
    }
}

extension WebTemplates {
    public func render(_ page: PortalPage.SignIn) throws -> String { try render(page, template: "portal/sign-in") }
    public func render(_ page: PortalPage.Home) throws -> String { try render(page, template: "portal/home") }
    public func render(_ page: PortalPage.DraftForm) throws -> String { try render(page, template: "portal/draft") }
    public func render(_ page: PortalPage.Applications) throws -> String {
        try render(page, template: "portal/applications")
    }
    public func render(_ page: PortalPage.Application) throws -> String {
        try render(page, template: "portal/application")
    }
    public func render(_ page: PortalPage.Withdraw) throws -> String { try render(page, template: "portal/withdraw") }
    public func render(_ page: PortalPage.Receipt) throws -> String { try render(page, template: "portal/receipt") }
    public func render(_ page: PortalPage.Failure) throws -> String { try render(page, template: "portal/error") }

    /// The web's stylesheet: the portal's, and the call report's parts that the call's page shows.
    public static let stylesheet: String = {
        func read(_ name: String, _ type: String, in folder: String) -> String {
            guard
                let url = Bundle.module.url(forResource: "\(folder)/\(name)", withExtension: type)
                    ?? Bundle.module.url(forResource: name, withExtension: type, subdirectory: folder),
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { return "" }
            return text
        }
        return read("cfund", "css", in: "Assets") + read("call-report-parts", "mustache", in: "Templates")
    }()

    /// The review page's one script: the weighted total as the reviewer types (the page works
    /// without it).
    public static let reviewScript: String = {
        guard
            let url = Bundle.module.url(forResource: "Assets/review", withExtension: "js")
                ?? Bundle.module.url(forResource: "review", withExtension: "js", subdirectory: "Assets"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }()
}
