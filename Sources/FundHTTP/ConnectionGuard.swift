import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Keeps slow and idle clients from holding connections, sheds connections past the limit with
/// a clear answer, and answers the HTTP parser's own refusals as problems.
///
/// Sits after the HTTP decoder; a small handler in front of the decoder (`ByteWatch`) tells it
/// when a request's first bytes arrive on a kept-alive connection. Timers:
/// - a new connection, or a kept-alive one once bytes arrive, must complete a request head
///   within `headerTimeout`, else 408 and close (silent sockets go too);
/// - a kept-alive connection waits at most `idleTimeout` for another request, then closes.
/// Body and request timeouts are the responder's (`GuardedResponder`).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Open connections across the server, for shedding.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var open = 0

        func opened() -> Int {
            lock.lock()
            defer { lock.unlock() }
            open += 1
            return open
        }

        func closed() {
            lock.lock()
            open -= 1
            lock.unlock()
        }
    }

    private enum Timer {
        case head
        case idle
    }

    private enum State {
        /// Waiting for a request head (new connection, or bytes arrived on a kept-alive one).
        case awaitingHead
        /// Between a head and its response's end; the responder keeps its own time.
        case inRequest
        /// Kept alive after a response, nothing received yet.
        case idle
    }

    private let limits: ServerLimits
    private let shedAbove: Int
    private let counter: Counter
    private var state = State.awaitingHead
    private var timer: Scheduled<Void>?
    private var counted = false
    private var context: ChannelHandlerContext?
    private var closeAfterResponse = false
    /// Set once the connection is being closed: the decoder's complaint about a request cut short
    /// by that close is not another malformed request.
    private var closing = false

    init(limits: ServerLimits, shedAbove: Int, counter: Counter) {
        self.limits = limits
        self.shedAbove = shedAbove
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        counted = true
        if counter.opened() > shedAbove {
            ServerMetrics.shed.increment()
            respond(
                Problem(
                    status: .serviceUnavailable, type: "busy", title: "Server busy",
                    detail: "The server has too many open connections; try again in a moment.",
                    headers: [.retryAfter: "1"]),
                context: context)
            return
        }
        try? context.pipeline.syncOperations.addHandler(ByteWatch(guard: self), position: .first)
        arm(.head)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            counter.closed()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            state = .inRequest
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            // A response that refuses the rest of the request (413, 408) closes the connection:
            // the unread body would otherwise be waited for.
            closeAfterResponse = response.headerFields[.connection] == "close"
        case .end where closeAfterResponse:
            closing = true
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(data).whenComplete { _ in loopBound.value.close(promise: nil) }
            promise?.succeed()
            return
        case .end where state == .inRequest:
            state = .idle
            arm(.idle)
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !closing else { return }
        // The request could not be read as HTTP: say so in the API's own shape, then close (the
        // decoder cannot find where the next request would start).
        ServerMetrics.malformed.increment()
        timer?.cancel()
        respond(
            Problem(
                status: .badRequest, type: "malformed-http", title: "Malformed HTTP request",
                detail: "The request is not valid HTTP/1.1 (\(error)); check the request line and headers."),
            context: context)
    }

    /// Bytes arrived before the decoder made a head of them.
    fileprivate func bytesArrived() {
        guard state == .idle else { return }
        state = .awaitingHead
        arm(.head)
    }

    private func arm(_ kind: Timer) {
        guard let context else { return }
        timer?.cancel()
        let delay = kind == .head ? limits.headerTimeout : limits.idleTimeout
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { handler.value.fire(kind) }
    }

    private func fire(_ kind: Timer) {
        timer = nil
        guard let context else { return }
        switch (kind, state) {
        case (.head, .awaitingHead):
            ServerMetrics.timedOut(.header)
            respond(
                Problem(
                    status: .requestTimeout, type: "request-timeout", title: "Request timeout",
                    detail: "The request's headers did not arrive within \(limits.headerTimeout); send them at once."),
                context: context)
        case (.idle, .idle):
            context.close(promise: nil)
        default:
            break
        }
    }

    /// Writes `problem` as the whole response, then closes the connection.
    private func respond(_ problem: Problem, context: ChannelHandlerContext) {
        state = .inRequest
        closing = true
        let body = problem.body
        var fields = problem.headers
        fields[.contentType] = "application/problem+json"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: problem.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}

/// In front of the HTTP decoder: tells the guard that a request's bytes are arriving, which only
/// the raw stream shows before the head is complete.
private final class ByteWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private unowned let connectionGuard: ConnectionGuard

    init(guard connectionGuard: ConnectionGuard) {
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connectionGuard.bytesArrived()
        context.fireChannelRead(data)
    }
}
