import FundWeb
import HTTPTypes
import Hummingbird

/// A person who mistypes a page's address gets a page, in their language, rather than the API's
/// JSON: for a GET that accepts HTML outside the API's paths.
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let templates: TemplateStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method == .get, request.headers[.accept]?.contains("text/html") == true,
                !request.uri.path.hasPrefix("/v1/")
            else { throw error }
            let visit = WebVisit(request, session: nil)
            let html = try await templates.templates().render(
                PortalPage.Failure(
                    chrome: visit.chrome("web_not_found_title"), heading: visit.wording.text("web_not_found_title"),
                    message: visit.wording.text("web_not_found")))
            return visit.page(html, status: .notFound)
        }
    }
}
