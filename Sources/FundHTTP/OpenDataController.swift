import Foundation
import FundCore
import FundReports
import FundStore
import FundWeb
import Hummingbird

/// The public open-data page and its files (`/open-data`): the grants under a signed agreement,
/// in the national format, for anyone, signed in or not; read from the replica when there is one.
struct OpenDataController {
    let database: Database
    let templates: TemplateStore
    let gate: WebGate
    /// The fund as the files name it; without its SIRET the files are not written.
    let funder: Funder?

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("open-data", use: page)
        routes.get("open-data/subventions.csv") { request, context in
            try await file(OpenData.csv, type: "text/csv; charset=utf-8", name: "subventions.csv", request: request)
        }
        routes.get("open-data/subventions.json") { request, context in
            try await file(OpenData.json, type: "application/json", name: "subventions.json", request: request)
        }
        return routes
    }

    private func signed(_ database: Database) async throws -> [GrantAccount] {
        try await FinanceRepository(database).accounts().filter { $0.agreement?.signedOn != nil }
    }

    @Sendable func page(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.publicPage(request, context) { visit in
            let database = await gate.reads(request)
            let html = try await templates.templates().render(
                OpenDataPage(
                    chrome: visit.chrome("web_open_data_title"), accounts: try await signed(database),
                    available: funder?.siret != nil, wording: visit.wording))
            return visit.page(html)
        }
    }

    private func file(_ write: ([[String]]) -> String, type: String, name: String, request: Request) async throws
        -> Response
    {
        guard let funder, funder.siret != nil else {
            throw Problem(
                status: .serviceUnavailable, type: "open-data-unconfigured", title: "Open data not published",
                detail: "The fund's SIRET is not set on this server (CFUND_FUNDER_SIRET); the files name it.")
        }
        let rows = try OpenData.rows(
            accounts: try await signed(database), payments: try await FinanceRepository(database).payments(),
            funder: funder)
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: "inline; filename=\"\(name)\"",
                .cacheControl: "max-age=300",
            ],
            body: .init(byteBuffer: ByteBuffer(string: write(rows))))
    }
}
