import FundCore
import FundStore
import Hummingbird
import Logging
import NIOCore

/// The router behind the server's promises about time and size (`ServerLimits`), kept outside it
/// so that they hold whatever a route or the database does:
/// - a body announced larger than the limit is refused (413) before a byte of it is read, and
///   any body is read whole, within `bodyTimeout` (else 408), before a route sees it;
/// - the moment the body was complete is the request's arrival, from which the database times
///   the receipt (`Arrival`);
/// - the route then has `requestTimeout` to answer; past it the client gets 503 at once, even if
///   the database never answers: the route's work goes on in its own task, cancelled, and
///   whatever it was doing is either committed before its reply or not at all.
public struct GuardedRouter: HTTPResponderBuilder {
    let router: Router<AppRequestContext>
    let limits: ServerLimits

    /// The routes, as the router has them.
    public var routes: [Router<AppRequestContext>.RouteDescription] { router.routes }

    public func buildResponder() -> GuardedResponder<Router<AppRequestContext>.Responder> {
        GuardedResponder(base: router.buildResponder(), limits: limits)
    }
}

public struct GuardedResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == AppRequestContext {
    let base: Base
    let limits: ServerLimits

    public func respond(to request: Request, context: AppRequestContext) async throws -> Response {
        var request = request
        var context = context
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limits.bodyLimit {
            return try Self.tooLarge(limits).response(from: request, context: context)
        }
        do {
            let body = try await Self.collect(request.body, limits: limits)
            request.body = .init(buffer: body)
            context.arrival = Arrival()
        } catch let problem as Problem {
            if problem.status == .requestTimeout {
                ServerMetrics.timedOut(.body)
                context.logger.notice(
                    "the client stalled its request body", metadata: ["limit": "\(limits.bodyTimeout)"])
            }
            return try problem.response(from: request, context: context)
        }
        let base = base
        let (finalRequest, finalContext) = (request, context)
        guard
            let response = try await Deadline.run(
                within: limits.requestTimeout,
                {
                    try await base.respond(to: finalRequest, context: finalContext)
                })
        else {
            ServerMetrics.timedOut(.response)
            context.logger.error(
                "no answer within the request timeout; answered 503", metadata: ["limit": "\(limits.requestTimeout)"])
            return try Problem(
                .databaseUnavailable("The request did not complete within \(limits.requestTimeout).")
            ).response(from: request, context: context)
        }
        return response
    }

    /// The whole body, or 413 past the limit, or 408 when it does not arrive in time. Reading is
    /// cancelled at the deadline and the task group waits for it: the body's stream stops on
    /// cancellation, and nothing else may read it while this does.
    static func collect(_ body: RequestBody, limits: ServerLimits) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: limits.bodyLimit)
                } catch is NIOTooManyBytesError {
                    throw tooLarge(limits)
                }
            }
            group.addTask {
                try await Task.sleep(for: limits.bodyTimeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let buffer = try await group.next() ?? nil else {
                throw Problem(
                    status: .requestTimeout, type: "request-timeout", title: "Request timeout",
                    detail: "The request body did not arrive within \(limits.bodyTimeout); send it at once.",
                    headers: [.connection: "close"])
            }
            return buffer
        }
    }

    static func tooLarge(_ limits: ServerLimits) -> Problem {
        Problem(
            status: .contentTooLarge, type: "too-large", title: "Body too large",
            detail: "The request body is over \(limits.bodyLimit / 1024) KiB; send less.",
            headers: [.connection: "close"])
    }
}
