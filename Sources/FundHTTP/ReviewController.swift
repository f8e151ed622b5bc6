import Foundation
import FundCore
import FundStore
import FundWeb
import HTTPTypes
import Hummingbird

/// The reviewers' workspace: their assignments, the review page, finalising with a confirmation,
/// and recusal. Scores go through `ReviewRepository.save`, as the API's do; an assignment that is
/// not the reviewer's (or was withdrawn by a conflict) is not found, whatever address is typed.
struct ReviewController {
    let database: Database
    let templates: TemplateStore
    let gate: WebGate

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("review", use: assignments)
        routes.get("review/:assignmentId", use: sheet)
        routes.post("review/:assignmentId", use: save)
        routes.post("review/:assignmentId/finalise", use: finalise)
        routes.get("review/:assignmentId/files/:fileId", use: file)
        routes.get("review/:assignmentId/recuse", use: recusal)
        routes.post("review/:assignmentId/recuse", use: recuse)
        return routes
    }

    @Sendable func assignments(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, reviewerId in
            let now = try await SimulatedClock(database).now()
            let views = try await ReviewRepository(database).assignments(reviewerId: reviewerId)
            var groups: [ReviewPage.CallGroup] = []
            for callId in views.map(\.callId).uniqued() {
                let call = try await CallRepository(database).find(id: callId)
                let mine = views.filter { $0.callId == callId }
                groups.append(
                    ReviewPage.CallGroup(
                        call: call,
                        lines: mine.map { view in
                            ReviewPage.Line(
                                assignmentId: view.assignmentId, submission: view.submission,
                                state: ReviewState(scores: view.scores, comments: view.comments, final: view.final),
                                wording: visit.wording)
                        }, finals: mine.filter(\.final).count, now: now, wording: visit.wording))
            }
            let html = try await templates.templates().render(
                ReviewPage.Assignments(
                    chrome: visit.chrome("web_reviews_title", notice: visit.notice(request)), calls: groups))
            return visit.page(html)
        }
    }

    @Sendable func sheet(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, reviewerId in
            let view = try await assignment(context, reviewerId)
            return try await sheetPage(
                visit, view: view, input: ReviewPage.SheetInput(scores: view.scores, comments: view.comments),
                issues: [], notice: visit.notice(request))
        }
    }

    /// The review form's fields, as posted: `score_KEY` and `comment_KEY` per criterion.
    struct SheetFields: PortalForm {
        var _csrf: String?
        var action: String?
        var scores: [String: String] = [:]
        var comments: [String: String] = [:]

        struct Key: CodingKey {
            let stringValue: String
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                let value = try container.decode(String.self, forKey: key)
                switch key.stringValue {
                case "_csrf": _csrf = value
                case "action": action = value
                case let name where name.hasPrefix("score_"): scores[String(name.dropFirst(6))] = value
                case let name where name.hasPrefix("comment_"): comments[String(name.dropFirst(8))] = value
                default: continue
                }
            }
        }

        var input: ReviewPage.SheetInput { ReviewPage.SheetInput(scores: scores, comments: comments) }
    }

    /// Saves the draft; with `action=finalise`, then asks to confirm. Refusals come back on the
    /// form, next to their criteria, with what was chosen kept.
    @Sendable func save(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, SheetFields.self) { visit, session, reviewerId, fields in
            let view = try await assignment(context, reviewerId)
            guard !view.final else { throw FundError.reviewFinal(assignmentId: view.assignmentId) }
            let call = try await CallRepository(database).find(id: view.callId)
            var typing: [FieldIssue] = []
            var scores: [String: Double] = [:]
            for criterion in call.grid.criteria {
                let text = (fields.scores[criterion.key] ?? "").trimmingWhitespace()
                guard !text.isEmpty else { continue }
                if let score = Double(text.replacingOccurrences(of: ",", with: ".")), score.isFinite {
                    scores[criterion.key] = score
                } else {
                    typing.append(FieldIssue(field: criterion.key, Message("web_score_invalid")))
                }
            }
            let comments = fields.comments.filter { key, _ in call.grid.criteria.contains { $0.key == key } }
            let finalising = fields.action == "finalise"
            let wanted =
                finalising ? ReviewValidation.validate(scores: scores, grid: call.grid, final: true).issues : []
            do {
                guard typing.isEmpty else { throw FundError.validation(typing) }
                try await ReviewRepository(database).save(
                    assignmentId: view.assignmentId, reviewerId: reviewerId, scores: scores, comments: comments,
                    final: false, grid: call.grid, actor: session.actor)
                guard wanted.isEmpty else { throw FundError.validation(wanted) }
            } catch FundError.validation(let issues) {
                return try await sheetPage(
                    visit, view: view, input: fields.input, issues: issues, status: .unprocessableContent)
            }
            guard finalising else { return visit.redirect("/review/\(view.assignmentId)", notice: "web_review_saved") }
            let sheet = try await sheetView(visit, view: view, input: fields.input, issues: [])
            let html = try await templates.templates().render(
                ReviewPage.Confirm(sheet: sheet, chrome: visit.chrome("web_review_confirm_title")))
            return visit.page(html)
        }
    }

    /// Makes the saved draft final, as the confirmation showed it.
    @Sendable func finalise(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, SignInController.FormToken.self) { visit, session, reviewerId, _ in
            let view = try await assignment(context, reviewerId)
            guard !view.final else { return visit.redirect("/review/\(view.assignmentId)") }
            let call = try await CallRepository(database).find(id: view.callId)
            do {
                try await ReviewRepository(database).save(
                    assignmentId: view.assignmentId, reviewerId: reviewerId, scores: view.scores,
                    comments: view.comments, final: true, grid: call.grid, actor: session.actor)
            } catch FundError.validation(let issues) {
                return try await sheetPage(
                    visit, view: view, input: ReviewPage.SheetInput(scores: view.scores, comments: view.comments),
                    issues: issues, status: .unprocessableContent)
            }
            return visit.redirect("/review", notice: "web_review_finalised")
        }
    }

    /// A file of the submission's current version; `?view=1` shows a PDF or an image in the
    /// browser, sandboxed.
    @Sendable func file(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { _, reviewerId in
            let view = try await assignment(context, reviewerId)
            let fileId = try context.identifier("fileId", kind: "attachment")
            let files = AttachmentRepository(database)
            guard
                let file = try await files.forSubmission(view.submission.id, version: view.submission.version)
                    .first(where: { $0.id == fileId })
            else { throw FundError.notFound(kind: "attachment", reference: String(fileId)) }
            let inline = request.uri.queryParameters.get("view") == "1" && [.pdf, .png, .jpeg].contains(file.type)
            return try await Response.file(file, from: files, inline: inline)
        }
    }

    @Sendable func recusal(request: Request, context: AppRequestContext) async throws -> Response {
        try await page(request, context) { visit, reviewerId in
            let view = try await assignment(context, reviewerId)
            let html = try await templates.templates().render(
                ReviewPage.Recuse(
                    chrome: visit.chrome("web_recuse_title"), assignmentId: view.assignmentId,
                    submission: view.submission, reason: "", error: nil, wording: visit.wording))
            return visit.page(html)
        }
    }

    struct RecusalFields: PortalForm {
        var _csrf: String?
        var reason: String?
    }

    @Sendable func recuse(request: Request, context: AppRequestContext) async throws -> Response {
        try await form(request, context, RecusalFields.self) { visit, session, reviewerId, fields in
            let view = try await assignment(context, reviewerId)
            do {
                try await ReviewRepository(database).recuse(
                    assignmentId: view.assignmentId, reviewerId: reviewerId, reason: fields.reason ?? "",
                    actor: session.actor)
            } catch FundError.validation(let issues) {
                let html = try await templates.templates().render(
                    ReviewPage.Recuse(
                        chrome: visit.chrome("web_recuse_title"), assignmentId: view.assignmentId,
                        submission: view.submission, reason: fields.reason ?? "",
                        error: issues.first?.reason(in: visit.language), wording: visit.wording))
                return visit.page(html, status: .unprocessableContent)
            }
            return visit.redirect("/review", notice: "web_recused")
        }
    }

    // MARK: Pages

    /// The reviewer's own assignment named in the address; anyone else's is not found.
    private func assignment(_ context: AppRequestContext, _ reviewerId: Int64) async throws -> AssignmentView {
        let id = try context.identifier("assignmentId", kind: "assignment")
        guard
            let view = try await ReviewRepository(database).assignments(reviewerId: reviewerId, assignmentId: id).first
        else { throw FundError.notFound(kind: "assignment", reference: String(id)) }
        return view
    }

    private func sheetView(
        _ visit: WebVisit, view: AssignmentView, input: ReviewPage.SheetInput, issues: [FieldIssue],
        notice: String? = nil
    ) async throws -> ReviewPage.Sheet {
        let call = try await CallRepository(database).find(id: view.callId)
        return ReviewPage.Sheet(
            chrome: visit.chrome(title: view.submission.content.title, notice: notice),
            assignmentId: view.assignmentId, submission: view.submission,
            files: try await AttachmentRepository(database).forSubmission(
                view.submission.id, version: view.submission.version),
            call: call, input: input, final: view.final, issues: issues,
            now: try await SimulatedClock(database).now(), wording: visit.wording)
    }

    private func sheetPage(
        _ visit: WebVisit, view: AssignmentView, input: ReviewPage.SheetInput, issues: [FieldIssue],
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let sheet = try await sheetView(visit, view: view, input: input, issues: issues, notice: notice)
        return visit.page(try await templates.templates().render(sheet), status: status)
    }

    /// A page of the workspace, for a reviewer.
    private func page(
        _ request: Request, _ context: AppRequestContext,
        _ body: @escaping @Sendable (WebVisit, Int64) async throws -> Response
    ) async throws -> Response {
        try await gate.page(request, context, for: .reviewer) { visit, session in
            guard let reviewerId = session.reviewerId else { throw FundError.notFound(kind: "page", reference: "") }
            return try await body(visit, reviewerId)
        }
    }

    /// A form of the workspace, for a reviewer.
    private func form<Fields: PortalForm>(
        _ request: Request, _ context: AppRequestContext, _ type: Fields.Type,
        _ body: @escaping @Sendable (WebVisit, WebSession, Int64, Fields) async throws -> Response
    ) async throws -> Response {
        try await gate.form(request, context, for: .reviewer, type) { visit, session, fields in
            guard let reviewerId = session.reviewerId else { throw FundError.notFound(kind: "page", reference: "") }
            return try await body(visit, session, reviewerId, fields)
        }
    }
}

extension Sequence where Element: Hashable {
    /// The elements in their first order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
