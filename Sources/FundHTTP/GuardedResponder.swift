import Foundation
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
        if Self.streamsItsBody(request) { return try await upload(request, context: context) }
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

    /// Uploads are files, read by their route as they arrive and stored chunk by chunk: they are
    /// not read whole first. A stalled upload still gets 408: a watchdog cancels the route when no
    /// byte has come for `bodyTimeout` (cancelling the read ends the body's stream, and the route's
    /// database work is bounded by `Deadline` in the store, so the group never waits long).
    static func streamsItsBody(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        let path = request.uri.path.split(separator: "/")
        return (path.count == 3 && path[0] == "drafts" && path[2] == "files") || path == ["v1", "attachments"]
    }

    private func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > limits.uploadLimit {
            return try Self.tooLarge(limits, limit: limits.uploadLimit).response(from: request, context: context)
        }
        var request = request
        var context = context
        let activity = Activity()
        request.body = RequestBody(asyncSequence: WatchedBody(body: request.body, activity: activity))
        context.arrival = Arrival()
        let (base, limits) = (base, limits)
        let (finalRequest, finalContext) = (request, context)
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await base.respond(to: finalRequest, context: finalContext) }
            group.addTask {
                while !activity.stalled(after: limits.bodyTimeout) { try await Task.sleep(for: .milliseconds(500)) }
                return nil
            }
            defer { group.cancelAll() }
            guard let response = try await group.next() ?? nil else {
                ServerMetrics.timedOut(.body)
                context.logger.notice("the client stalled its upload", metadata: ["limit": "\(limits.bodyTimeout)"])
                return try Problem(
                    status: .requestTimeout, type: "request-timeout", title: "Request timeout",
                    detail: "The upload stalled for \(limits.bodyTimeout); send it again.",
                    headers: [.connection: "close"]
                ).response(from: request, context: context)
            }
            return response
        }
    }

    /// When bytes last came in, and whether the body is all in, for the upload watchdog.
    final class Activity: @unchecked Sendable {
        private let lock = NSLock()
        private var last = ContinuousClock.now
        private var complete = false

        func touch(complete: Bool = false) {
            lock.lock()
            last = .now
            self.complete = self.complete || complete
            lock.unlock()
        }

        func stalled(after limit: Duration) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return !complete && ContinuousClock.now - last >= limit
        }
    }

    /// The request's body, telling `activity` of every chunk and of its end.
    struct WatchedBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let body: RequestBody
        let activity: Activity

        func makeAsyncIterator() -> Iterator { Iterator(base: body.makeAsyncIterator(), activity: activity) }

        struct Iterator: AsyncIteratorProtocol {
            var base: RequestBody.AsyncIterator
            let activity: Activity

            mutating func next() async throws -> ByteBuffer? {
                let chunk = try await base.next()
                activity.touch(complete: chunk == nil)
                return chunk
            }
        }
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

    static func tooLarge(_ limits: ServerLimits, limit: Int64? = nil) -> Problem {
        Problem(
            status: .contentTooLarge, type: "too-large", title: "Body too large",
            detail: "The request body is over \((limit ?? Int64(limits.bodyLimit)) / 1024) KiB; send less.",
            headers: [.connection: "close"])
    }
}
