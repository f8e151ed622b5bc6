import Hummingbird

/// A known path asked with a method it does not have is answered 405 with `Allow`, as HTTP
/// says, rather than the router's 404: "no such route" would send a client looking for the
/// wrong mistake.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Each route's path segments ("{name}" matches any one segment) and method.
    let routes: [(segments: [Substring], method: HTTPRequest.Method)]

    init(routes: [Router<AppRequestContext>.RouteDescription]) {
        self.routes = routes.map { route in
            (route.path.description.split(separator: "/"), route.method)
        }
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = methods(for: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            throw Problem(
                status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                detail: "\(request.method) is not allowed here; use \(allowed.joined(separator: ", ")).",
                headers: [.allow: allowed.joined(separator: ", ")])
        }
    }

    /// The methods the routes matching `path` accept, in the router's order.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        var found: [String] = []
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == segment
            }
            if matches && !found.contains(route.method.rawValue) { found.append(route.method.rawValue) }
        }
        return found
    }
}
