import Foundation
import FundCore
import FundStore
import FundWeb
import HTTPTypes
import Hummingbird

/// A form of the portal: whatever its fields, it carries the session's CSRF token back.
protocol PortalForm: Decodable, Sendable {
    var _csrf: String? { get }
}

/// The applicants' portal: server-rendered pages in French (English on request) over the same
/// rules and code paths as the API (`Intake`). Every page answers in HTML, errors included.
struct PortalController {
    var database: Database
    let calls: CallCache
    let templates: TemplateStore
    let gate: WebGate

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: home)
        routes.post("calls/:callId/drafts", use: startDraft)
        routes.get("drafts/:draftId", use: showDraft)
        routes.post("drafts/:draftId", use: saveDraft)
        routes.post("drafts/:draftId/files", use: addFile)
        routes.post("drafts/:draftId/files/:fileId/remove", use: removeFile)
        routes.get("files/:fileId", use: downloadFile)
        routes.get("applications", use: applications)
        routes.get("applications/:id", use: application)
        routes.get("applications/:id/receipt", use: receipt)
        routes.get("applications/:id/letters/:letterId", use: letter)
        routes.get("organisation", use: organisation)
        routes.post("organisation", use: identifyOrganisation)
        routes.get("applications/:id/final-report", use: finalReportForm)
        routes.post("applications/:id/final-report", use: fileFinalReport)
        routes.post("applications/:id/amend", use: amend)
        routes.get("applications/:id/withdraw", use: confirmWithdrawal)
        routes.post("applications/:id/withdraw", use: withdraw)
        return routes
    }

    // MARK: Calls and drafts

    /// An applicant's calls and drafts; reviewers and admins start on their own pages.
    @Sendable func home(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .anyone) { visit, session in
            guard let contact = session.contact else { return visit.redirect(SignInController.home(of: session)) }
            let wording = visit.wording
            let organisations = OrganisationRepository(database)
            let organisation = try await organisations.find(String(contact.organisationId))
            let now = try await SimulatedClock(database).now()
            let held = try await SubmissionRepository(database).liveCounts(organisationId: organisation.id)
            var cards: [PortalPage.CallCard] = []
            for call in try await CallRepository(database).list(status: .open) where call.closesAt > now {
                let reasons = Eligibility.reasons(
                    for: organisation, rules: call.rules, deadlineDay: call.deadlineDay)
                cards.append(
                    PortalPage.CallCard(
                        call: call, held: held[call.id] ?? 0, reasons: reasons, now: now, wording: wording))
            }
            var drafts: [PortalPage.DraftLine] = []
            for draft in try await DraftRepository(database).open(organisationId: organisation.id) {
                let call = try await calls.call(draft.callId, database: database)
                drafts.append(PortalPage.DraftLine(draft: draft, call: call, wording: wording))
            }
            let html = try await templates.templates().render(
                PortalPage.Home(
                    chrome: visit.chrome("web_home_title", notice: visit.notice(request)),
                    organisation: organisation.name, calls: cards, drafts: drafts, wording: wording))
            return visit.page(html)
        }
    }

    @Sendable func startDraft(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, FormToken.self) { visit, contact, _ in
            let call = try await calls.call(try context.identifier("callId", kind: "call"), database: database)
            guard call.status == .open else { throw FundError.notFound(kind: "call", reference: String(call.id)) }
            let draft = try await DraftRepository(database).create(callId: call.id, contact: contact)
            return visit.redirect("/drafts/\(draft.id)")
        }
    }

    @Sendable func showDraft(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let draft = try await DraftRepository(database).find(
                try context.identifier("draftId", kind: "draft"), organisationId: contact.organisationId)
            return try await draftPage(
                visit, draft: draft, input: PortalPage.DraftInput(draft, language: visit.language), issues: [],
                notice: visit.notice(request))
        }
    }

    /// The draft form's fields, as posted.
    struct DraftFields: PortalForm {
        var _csrf: String?
        var action: String?
        var title: String?
        var summary: String?
        var requested: String?
        var total_cost: String?
        var ambitions: [String]?
        var contact_name: String?
        var contact_email: String?

        var input: PortalPage.DraftInput {
            PortalPage.DraftInput(
                title: title ?? "", summary: summary ?? "", requested: requested ?? "", totalCost: total_cost ?? "",
                ambitions: ambitions ?? [], contactName: contact_name ?? "", contactEmail: contact_email ?? "")
        }
    }

    /// Saves the draft; with `action=submit`, then submits it. Refusals come back on the form,
    /// next to their fields and summed up at the top, with what was typed kept.
    @Sendable func saveDraft(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, DraftFields.self) { visit, contact, fields in
            let drafts = DraftRepository(database)
            var draft = try await drafts.find(
                try context.identifier("draftId", kind: "draft"), organisationId: contact.organisationId)
            // Submitted already (a second click, a page sent again): its receipt is the answer.
            if draft.submittedAt != nil, let submissionId = draft.submissionId {
                return visit.redirect("/applications/\(submissionId)/receipt")
            }
            let input = fields.input
            var typing: [FieldIssue] = []
            func amount(_ text: String, field: String) -> Money? {
                let trimmed = text.trimmingWhitespace()
                guard !trimmed.isEmpty else { return nil }
                guard let money = try? Money(parsing: trimmed) else {
                    typing.append(FieldIssue(field: field, Message("web_amount_invalid")))
                    return nil
                }
                return money
            }
            draft.title = input.title
            draft.summary = input.summary
            draft.requested = amount(input.requested, field: "requestedCents")
            draft.totalCost = amount(input.totalCost, field: "totalCostCents")
            draft.ambitions = input.ambitions.compactMap(Ambition.init(rawValue:))
            draft.contactName = input.contactName
            draft.contactEmail = input.contactEmail
            do {
                draft = try await drafts.save(draft)
            } catch FundError.validation(let issues) {
                return try await draftPage(
                    visit, draft: draft, input: input, issues: typing + issues, status: .unprocessableContent)
            }
            guard fields.action == "submit" else {
                guard typing.isEmpty else {
                    return try await draftPage(
                        visit, draft: draft, input: input, issues: typing, status: .unprocessableContent)
                }
                return visit.redirect("/drafts/\(draft.id)", notice: "web_saved")
            }
            let call = try await calls.call(draft.callId, database: database)
            let organisation = try await OrganisationRepository(database).find(String(contact.organisationId))
            do {
                let (submission, _) = try await Intake(database).submit(
                    draft: draft, call: call, organisation: organisation, contact: contact,
                    typingIssues: typing,
                    arrival: context.arrival)
                return visit.redirect(
                    "/applications/\(submission.id)/receipt",
                    notice: draft.submissionId == nil ? "web_submitted" : "web_amended")
            } catch FundError.validation(let issues) {
                return try await draftPage(
                    visit, draft: draft, input: input, issues: issues, status: .unprocessableContent)
            }
        }
    }

    @Sendable func addFile(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .applicant) { visit, session in
            guard let contact = session.contact else { throw FundError.notFound(kind: "page", reference: "") }
            let upload = try MultipartUpload(request)
            let (fields, fileName) = try await upload.fieldsUntilFile()
            guard CSRFCheck.passes(fields["_csrf"], session: session) else { return try await gate.csrfRefused(visit) }
            let drafts = DraftRepository(database)
            let draft = try await drafts.find(
                try context.identifier("draftId", kind: "draft"), organisationId: contact.organisationId)
            guard draft.submittedAt == nil else {
                throw FundError.conflict([FieldIssue(field: "draft", Message("draft.submitted"))])
            }
            let call = try await calls.call(draft.callId, database: database)
            do {
                guard let fileName else {
                    throw FundError.validation([FieldIssue(field: "file", Message("web_file_missing"))])
                }
                let kind = try AttachmentKind(parsing: fields["kind"] ?? "")
                let files = AttachmentRepository(database)
                let stored = try await files.store(
                    organisationId: draft.organisationId, kind: kind, fileName: fileName,
                    maxBytes: call.attachments.maxFileBytes, uploadedBy: AuditActor.contact(contact.id),
                    bytes: upload.file)
                try await files.addToDraft(draft.id, attachmentId: stored.id)
                return visit.redirect("/drafts/\(draft.id)", notice: "web_file_added")
            } catch FundError.validation(let issues) {
                var response = try await draftPage(
                    visit, draft: draft, input: PortalPage.DraftInput(draft, language: visit.language), issues: [],
                    fileError: issues.first?.reason(in: visit.language), status: .unprocessableContent)
                // The rest of the refused file is not read: the connection cannot carry another request.
                response.headers[.connection] = "close"
                return response
            }
        }
    }

    @Sendable func removeFile(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, FormToken.self) { visit, contact, _ in
            let draft = try await DraftRepository(database).find(
                try context.identifier("draftId", kind: "draft"), organisationId: contact.organisationId)
            guard draft.submittedAt == nil else {
                throw FundError.conflict([FieldIssue(field: "draft", Message("draft.submitted"))])
            }
            try await AttachmentRepository(database).removeFromDraft(
                draft.id, attachmentId: try context.identifier("fileId", kind: "attachment"))
            return visit.redirect("/drafts/\(draft.id)", notice: "web_file_removed")
        }
    }

    @Sendable func downloadFile(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let files = AttachmentRepository(database)
            let file = try await files.find(
                try context.identifier("fileId", kind: "attachment"),
                organisationId: contact.organisationId)
            return try await Response.file(file, from: files)
        }
    }

    // MARK: Applications

    @Sendable func applications(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let portal = await reading(request)
            var lines: [PortalPage.ApplicationLine] = []
            for submission in try await SubmissionRepository(portal.database).forOrganisation(
                contact.organisationId)
            {
                let call = try await calls.call(submission.callId, database: portal.database)
                lines.append(PortalPage.ApplicationLine(submission, call: call, wording: visit.wording))
            }
            let html = try await templates.templates().render(
                PortalPage.Applications(chrome: visit.chrome("web_applications_title"), applications: lines))
            return visit.page(html)
        }
    }

    @Sendable func application(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let portal = await reading(request)
            let submission = try await portal.ownSubmission(context, contact)
            let call = try await calls.call(submission.callId, database: portal.database)
            let loaded = try await templates.templates()
            let letters = try await portal.letterWriter(loaded).letterLines(
                try await Outbox(portal.database).letters(submissionId: submission.id), wording: visit.wording,
                zone: call.zone)
            let html = try loaded.render(
                PortalPage.Application(
                    chrome: visit.chrome(title: submission.content.title, notice: visit.notice(request)),
                    submission: submission, call: call,
                    history: try await SubmissionRepository(portal.database).history(submission.id),
                    open: try await CallRepository(portal.database).takesChanges(call.id), letters: letters,
                    grant: try await portal.grantBlock(submission, visit.wording), wording: visit.wording))
            return visit.page(html)
        }
    }

    @Sendable func organisation(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let portal = await reading(request)
            let html = try await templates.templates().render(
                PortalPage.OrganisationIdentity(
                    chrome: visit.chrome(
                        title: visit.wording.text("web_nav_organisation"), notice: visit.notice(request)),
                    organisation: try await OrganisationRepository(portal.database).find(
                        String(contact.organisationId)),
                    wording: visit.wording))
            return visit.page(html)
        }
    }

    struct IdentityFields: PortalForm {
        var _csrf: String?
        var siret: String?
        var rna: String?
    }

    /// Records the organisation's SIRET and RNA number; an empty field clears it.
    @Sendable func identifyOrganisation(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, IdentityFields.self) { visit, contact, fields in
            let organisations = OrganisationRepository(database)
            do {
                _ = try await organisations.identify(
                    contact.organisationId, siret: fields.siret ?? "", rna: fields.rna ?? "",
                    actor: AuditActor.contact(contact.id))
            } catch FundError.validation(let issues), FundError.conflict(let issues) {
                let html = try await templates.templates().render(
                    PortalPage.OrganisationIdentity(
                        chrome: visit.chrome(title: visit.wording.text("web_nav_organisation")),
                        organisation: try await organisations.find(String(contact.organisationId)),
                        siret: fields.siret ?? "", rna: fields.rna ?? "", issues: issues, wording: visit.wording))
                return visit.page(html, status: .unprocessableContent)
            }
            return visit.redirect("/organisation", notice: "web_organisation_saved")
        }
    }

    /// The application's active grant, as its page shows it.
    private func grantBlock(_ submission: Submission, _ wording: Wording) async throws -> PortalPage.GrantBlock? {
        guard let account = try await FinanceRepository(database).accounts(submissionId: submission.id).first else {
            return nil
        }
        let reason = try await FinalReportRepository(database).reports(grantId: account.id).last?.reason
        return PortalPage.GrantBlock(account: account, reason: reason, wording: wording)
    }

    /// The grant of an application, when a final report may be filed for it now.
    private func grantOpenToReport(_ submission: Submission) async throws -> GrantAccount {
        guard let account = try await FinanceRepository(database).accounts(submissionId: submission.id).first,
            account.finalReport == nil || account.finalReport == "returned"
        else {
            throw FundError.conflict([
                FieldIssue(
                    field: "report",
                    reason: "this application has no grant awaiting its final report (it is filed or accepted already)")
            ])
        }
        return account
    }

    @Sendable func finalReportForm(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let submission = try await ownSubmission(context, contact)
            _ = try await grantOpenToReport(submission)
            let html = try await templates.templates().render(
                PortalPage.FinalReportForm(
                    chrome: visit.chrome("web_final_report_title"), submission: submission, actualCost: "", lines: [],
                    narrative: "", issues: [], wording: visit.wording))
            return visit.page(html)
        }
    }

    /// The largest supporting file of a final report.
    static let finalReportFileBytes: Int64 = 10 * 1_048_576

    /// The report's form, with one optional supporting file after its fields (multipart, so the
    /// file streams into PostgreSQL as it arrives).
    @Sendable func fileFinalReport(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .applicant) { visit, session in
            guard let contact = session.contact else { throw FundError.notFound(kind: "page", reference: "") }
            let upload = try MultipartUpload(request)
            let (fields, fileName) = try await upload.fieldsUntilFile()
            guard CSRFCheck.passes(fields["_csrf"], session: session) else { return try await gate.csrfRefused(visit) }
            let submission = try await ownSubmission(context, contact)
            let account = try await grantOpenToReport(submission)
            let typed = (0..<8).map { (fields["label\($0)"] ?? "", fields["amount\($0)"] ?? "") }
                .filter {
                    !$0.0.trimmingCharacters(in: .whitespaces).isEmpty
                        || !$0.1.trimmingCharacters(in: .whitespaces).isEmpty
                }
            var issues: [FieldIssue] = []
            var cost = Money.zero
            do { cost = try Money(parsing: fields["actualCost"] ?? "") } catch {
                issues.append(FieldIssue(field: "actualCost", Message("web_amount_invalid")))
            }
            var lines: [FinalReport.Line] = []
            for (index, (label, amount)) in typed.enumerated() {
                do { lines.append(FinalReport.Line(line: label, amount: try Money(parsing: amount))) } catch {
                    issues.append(FieldIssue(field: "spending[\(index)].amount", Message("web_amount_invalid")))
                }
            }
            func again(_ issues: [FieldIssue]) async throws -> Response {
                let html = try await templates.templates().render(
                    PortalPage.FinalReportForm(
                        chrome: visit.chrome("web_final_report_title"), submission: submission,
                        actualCost: fields["actualCost"] ?? "", lines: typed, narrative: fields["narrative"] ?? "",
                        issues: issues, wording: visit.wording))
                var response = visit.page(html, status: .unprocessableContent)
                // The rest of a file not read: the connection cannot carry another request.
                if fileName != nil { response.headers[.connection] = "close" }
                return response
            }
            guard issues.isEmpty else { return try await again(issues) }
            var attachments: [Int64] = []
            if let fileName {
                do {
                    let stored = try await AttachmentRepository(database).store(
                        organisationId: contact.organisationId, kind: .other, fileName: fileName,
                        maxBytes: Self.finalReportFileBytes, uploadedBy: AuditActor.contact(contact.id),
                        bytes: upload.file)
                    attachments = [stored.id]
                } catch FundError.validation(let found) {
                    return try await again(
                        found.map { FieldIssue(field: "file", reason: $0.reason(in: visit.language)) })
                }
            }
            do {
                _ = try await FinalReportRepository(database).file(
                    grantId: account.id, organisationId: contact.organisationId, actualCost: cost, spending: lines,
                    narrative: fields["narrative"] ?? "", attachmentIds: attachments,
                    actor: AuditActor.contact(contact.id))
            } catch FundError.validation(let found) {
                return try await again(found)
            }
            return visit.redirect("/applications/\(submission.id)", notice: "web_final_report_filed")
        }
    }

    /// A decision letter of the organisation's, to read and print; another's is not found.
    @Sendable func letter(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let portal = await reading(request)
            let submission = try await portal.ownSubmission(context, contact)
            let call = try await calls.call(submission.callId, database: portal.database)
            guard let letterId = context.parameters.get("letterId", as: Int64.self),
                let entry = try await Outbox(portal.database).letters(submissionId: submission.id).first(where: {
                    $0.id == letterId
                })
            else { throw FundError.notFound(kind: "letter", reference: context.parameters.get("letterId") ?? "") }
            let loaded = try await templates.templates()
            let page = try await portal.letterWriter(loaded).letter(
                entry, about: submission, chrome: visit.chrome("web_letter"), wording: visit.wording, zone: call.zone)
            return visit.page(try loaded.render(page))
        }
    }

    /// Letters are the outbox's messages written for the page; they carry no link to follow.
    private func letterWriter(_ templates: WebTemplates) -> MailRenderer {
        MailRenderer(templates: templates, database: database, publicURL: "")
    }

    @Sendable func receipt(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let portal = await reading(request)
            let submission = try await portal.ownSubmission(context, contact)
            let call = try await calls.call(submission.callId, database: portal.database)
            let html = try await templates.templates().render(
                PortalPage.Receipt(
                    chrome: visit.chrome("web_receipt_title", notice: visit.notice(request)), submission: submission,
                    call: call, hash: Digest.sha256(submission.receiptText), wording: visit.wording))
            return visit.page(html)
        }
    }

    @Sendable func amend(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, FormToken.self) { visit, contact, _ in
            let submission = try await ownSubmission(context, contact)
            guard submission.status == .submitted, try await CallRepository(database).takesChanges(submission.callId)
            else { throw FundError.submissionNotChangeable(id: submission.id, status: submission.status) }
            let draft = try await DraftRepository(database).create(
                callId: submission.callId, contact: contact, amending: submission)
            return visit.redirect("/drafts/\(draft.id)")
        }
    }

    @Sendable func confirmWithdrawal(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, contact in
            let submission = try await ownSubmission(context, contact)
            let html = try await templates.templates().render(
                PortalPage.Withdraw(
                    chrome: visit.chrome("web_withdraw_title"), submission: submission, wording: visit.wording))
            return visit.page(html)
        }
    }

    @Sendable func withdraw(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, FormToken.self) { visit, contact, _ in
            let submission = try await ownSubmission(context, contact)
            _ = try await SubmissionRepository(database).withdraw(
                submission.id, organisationId: contact.organisationId,
                actor: AuditActor.contact(contact.id), arrival: context.arrival)
            return visit.redirect("/applications/\(submission.id)", notice: "web_withdrawn")
        }
    }

    // MARK: Pages, forms and errors

    struct FormToken: PortalForm {
        var _csrf: String?
    }

    private func ownSubmission(_ context: AppRequestContext, _ contact: Contact) async throws -> Submission {
        try await SubmissionRepository(database).find(
            try context.identifier("id", kind: "submission"), organisationId: contact.organisationId)
    }

    /// This portal reading the replica for a page that only reads, once the replica has what this
    /// browser last wrote (`WebGate.reads`); the primary otherwise.
    private func reading(_ request: Request) async -> PortalController {
        var portal = self
        portal.database = await gate.reads(request)
        return portal
    }

    /// A page of the portal, for a contact of an applicant organisation.
    private func page(
        _ request: Request, _ context: AppRequestContext,
        _ body: @escaping @Sendable (WebVisit, Contact) async throws -> Response
    ) async throws -> Response {
        try await gate.page(request, context, for: .applicant) { visit, session in
            guard let contact = session.contact else { throw FundError.notFound(kind: "page", reference: "") }
            return try await body(visit, contact)
        }
    }

    /// A form of the portal, for a contact of an applicant organisation.
    private func form<Fields: PortalForm>(
        _ request: Request, _ context: AppRequestContext, _ type: Fields.Type,
        _ body: @escaping @Sendable (WebVisit, Contact, Fields) async throws -> Response
    ) async throws -> Response {
        try await gate.form(request, context, for: .applicant, type) { visit, session, fields in
            guard let contact = session.contact else { throw FundError.notFound(kind: "page", reference: "") }
            return try await body(visit, contact, fields)
        }
    }

    private func draftPage(
        _ visit: WebVisit, draft: Draft, input: PortalPage.DraftInput, issues: [FieldIssue],
        fileError: String? = nil, notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let call = try await calls.call(draft.callId, database: database)
        let html = try await templates.templates().render(
            PortalPage.DraftForm(
                chrome: visit.chrome(title: call.title, notice: notice), draft: draft, call: call, input: input,
                issues: issues, files: try await AttachmentRepository(database).forDraft(draft.id),
                fileError: fileError, now: try await SimulatedClock(database).now(), wording: visit.wording))
        return visit.page(html, status: status)
    }

}
