import FundStore
import HTTPTypes
import Hummingbird

/// With a read replica, a browser that has just changed something carries the primary's WAL
/// position from then (`cfund_seen`), so that its next pages wait for the replica to have it or
/// read the primary (`WebGate.reads`): nobody is shown a page from before their own change.
/// Without a replica this middleware is not installed.
struct ReadYourWritesMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookie = "cfund_seen"
    let database: Database

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        // The API's clients keep no cookies, and its reads of one's own records use the primary.
        guard request.method != .get, request.method != .head, response.status.code < 400,
            !request.uri.path.hasPrefix("/v1/"), let position = await database.writePosition()
        else { return response }
        let secure = request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        // Ten minutes: far longer than a healthy replica lags; a page read after that may read it.
        response.setCookie(
            Cookie(
                name: Self.cookie, value: position, maxAge: 600, path: "/", secure: secure, httpOnly: true,
                sameSite: .lax))
        return response
    }
}

extension WebGate {
    /// The database a read-only page reads: the replica once it has what this browser last
    /// wrote, else the primary.
    func reads(_ request: Request) async -> Database {
        await database.reads(seeing: request.cookies[ReadYourWritesMiddleware.cookie]?.value)
    }
}
