import Foundation
import FundCore
import FundReports
import FundStore
import FundWeb
import HTTPTypes
import Hummingbird

/// The programme team's and finance's pages: where every call stands, one page per call with its
/// reports. Both roles read everything; one action changes state from the web, assigning the
/// missing reviews (the programme team only, confirmed, through the CLI's own code path, audited
/// with the person's identity). Everything else that acts stays in the CLI. The pages that only
/// read read the replica when there is one (`WebGate.reads`).
struct AdminController {
    let database: Database
    let templates: TemplateStore
    let gate: WebGate

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("admin", use: calls)
        routes.get("admin/calls/:callId", use: call)
        routes.get("admin/calls/:callId/reports/:report", use: report)
        routes.get("admin/calls/:callId/assign", use: confirmAssignment)
        routes.post("admin/calls/:callId/assign", use: assign)
        return routes
    }

    @Sendable func calls(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .admin(acting: false)) { visit, _ in
            let database = await gate.reads(request)
            let html = try await templates.templates().render(
                AdminPage.Calls(
                    chrome: visit.chrome("web_admin_calls_title"),
                    overviews: try await CallOverviewRepository(database).overviews(), wording: visit.wording))
            return visit.page(html)
        }
    }

    @Sendable func call(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .admin(acting: false)) { visit, session in
            let database = await gate.reads(request)
            let overview = try await overview(context, on: database)
            let call = overview.call
            let reviews = ReviewRepository(database)
            let (_, reviewers) = try await reviews.status(callId: call.id, wanted: call.reviewsPerSubmission)
            let ranking = try await CallRanking.load(call, database: database)
            let ranked = Set(ranking.ranked.map(\.entry.score.submissionId))
            let normalisation = Normalisation.apply(
                try await reviews.finalReviews(callId: call.id).filter { ranked.contains($0.key) }, grid: call.grid)
            var report: CallReportPage?
            var plan: AllocationPlan?
            if call.status == .decided {
                report = try await CallReportRepository(database).page(call: call)
            } else if !ranking.ranked.isEmpty {
                plan = AllocationPlanner.plan(
                    try await CallRanking.candidates(call, database: database),
                    parameters: AllocationParameters(
                        budget: call.budget, policy: call.policy, capPerProject: call.rules.maxRequest))
            }
            let facts = AdminPage.CallFacts(
                overview: overview,
                envelopeName: try await EnvelopeRepository(database).find(String(call.envelopeId)).envelope.name,
                reviewers: reviewers, recusals: try await reviews.recusals(callId: call.id), ranking: ranking,
                normalisation: normalisation, report: report, plan: plan)
            let html = try await templates.templates().render(
                AdminPage.CallView(
                    chrome: visit.chrome(title: call.title, notice: visit.notice(request)), facts: facts,
                    acting: session.adminRole == .programme, wording: visit.wording))
            return visit.page(html)
        }
    }

    /// The call's reports, the same files as `cfund report` writes: the allocations (CSV, the
    /// spreadsheet CSV, JSON) and the summary once decided, the reviews at any time.
    @Sendable func report(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .admin(acting: false)) { visit, _ in
            let database = await gate.reads(request)
            let call = try await overview(context, on: database).call
            let name = context.parameters.get("report") ?? ""
            let sink = TextSink()
            let type: String
            switch name {
            case "allocations.csv", "allocations-excel.csv", "allocations.json":
                guard call.status == .decided else { throw FundError.notFound(kind: "report", reference: name) }
                let json = name.hasSuffix(".json")
                try await CallReports.allocations(
                    call: call, format: json ? .json : .csv, excel: name.contains("excel"), database: database,
                    to: sink)
                type = json ? "application/json" : "text/csv; charset=utf-8"
            case "reviews.csv", "reviews-excel.csv":
                try await CallReports.reviews(call: call, excel: name.contains("excel"), database: database, to: sink)
                type = "text/csv; charset=utf-8"
            case "summary.html":
                guard call.status == .decided else { throw FundError.notFound(kind: "report", reference: name) }
                let page = try await CallReportRepository(database).page(call: call)
                sink.write(try await templates.templates().callReport(page, language: visit.language))
                type = "text/html; charset=utf-8"
            default:
                throw FundError.notFound(kind: "report", reference: name)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: type,
                    .contentDisposition: "attachment; filename=\"call-\(call.id)-\(name)\"",
                    .cacheControl: "private, no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: sink.text)))
        }
    }

    @Sendable func confirmAssignment(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.page(request, context, for: .admin(acting: true)) { visit, _ in
            let html = try await templates.templates().render(
                AdminPage.Assign(
                    chrome: visit.chrome("web_assign_title"), overview: try await overview(context, on: database),
                    wording: visit.wording))
            return visit.page(html)
        }
    }

    /// What `cfund review assign CALL` does, in one transaction recorded under the person's name.
    @Sendable func assign(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.form(request, context, for: .admin(acting: true), SignInController.FormToken.self) {
            visit, session, _ in
            let call = try await overview(context, on: database).call
            try await database.transaction(actor: session.actor) { transaction in
                let reviewing = try await CallRepository(transaction).startReviewing(call)
                _ = try await ReviewRepository(transaction).assign(
                    callId: reviewing.id, perSubmission: reviewing.reviewsPerSubmission, maxLoad: nil)
            }
            return visit.redirect("/admin/calls/\(call.id)", notice: "web_assigned")
        }
    }

    private func overview(_ context: AppRequestContext, on database: Database) async throws -> CallOverview {
        let id = try context.identifier("callId", kind: "call")
        guard let overview = try await CallOverviewRepository(database).overviews(callId: id).first else {
            throw FundError.notFound(kind: "call", reference: String(id))
        }
        return overview
    }
}
