import Foundation
import NIOCore
import NIOExtras
import NIOPosix

/// A minimal SMTP server that keeps what it receives: the demo's local mail server and the
/// tests' real counterpart for the client. It can be told to answer 451 to the next DATA
/// commands (a server that fails for a while) and 550 to some recipients (one that never takes
/// them).
public final class MailSink: Sendable {
    public struct Received: Sendable {
        public let from: String
        public let to: [String]
        public let data: String
    }

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var received: [Received] = []
        var temporaryFailures = 0
        var refused: Set<String> = []
        var replyDelay: Duration = .zero
    }

    public let port: Int
    private let state = State()
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let task: Task<Void, Never>

    /// Listens on 127.0.0.1, on a free port unless one is given.
    public init(port: Int = 0) async throws {
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        self.port = server.channel.localAddress?.port ?? port
        let (server, state) = (self.server, self.state)
        task = Task {
            try? await server.executeThenClose { connections in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await connection in connections {
                            group.addTask { await Self.converse(connection, state: state) }
                        }
                    } catch {}
                }
            }
        }
    }

    /// What was accepted, in order.
    public var received: [Received] {
        state.lock.withLock { state.received }
    }

    /// The next `count` DATA commands are answered 451 (try again later).
    public func failTemporarily(next count: Int) {
        state.lock.withLock { state.temporaryFailures = count }
    }

    /// Each message is kept as soon as its DATA ends, and its 250 answered only after `delay`:
    /// a sender that dies meanwhile has had its message taken without knowing it.
    public func delayReplies(_ delay: Duration) {
        state.lock.withLock { state.replyDelay = delay }
    }

    /// RCPT TO this address is answered 550 (no such mailbox).
    public func refuse(_ address: String) {
        _ = state.lock.withLock { state.refused.insert(address.lowercased()) }
    }

    public func close() async {
        try? await server.channel.close()
        task.cancel()
    }

    private static func converse(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, state: State) async {
        try? await connection.executeThenClose { inbound, outbound in
            func say(_ line: String) async throws { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
            try await say("220 cfund mail sink")
            var from = ""
            var to: [String] = []
            var data: [String]?
            for try await buffer in inbound {
                let line = String(buffer: buffer).trimmingSuffix("\r")
                if var lines = data {
                    guard line != "." else {
                        data = nil
                        let fail = state.lock.withLock {
                            guard state.temporaryFailures > 0 else { return false }
                            state.temporaryFailures -= 1
                            return true
                        }
                        if fail {
                            try await say("451 4.3.0 mailbox busy, try again later")
                        } else {
                            let message = Received(from: from, to: to, data: lines.joined(separator: "\r\n"))
                            let delay = state.lock.withLock {
                                state.received.append(message)
                                return state.replyDelay
                            }
                            if delay > .zero { try await Task.sleep(for: delay) }
                            try await say("250 2.0.0 queued")
                        }
                        continue
                    }
                    lines.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
                    data = lines
                    continue
                }
                let upper = line.uppercased()
                if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                    try await say("250 cfund mail sink")
                } else if upper.hasPrefix("MAIL FROM:") {
                    (from, to) = (Self.address(line), [])
                    try await say("250 2.1.0 ok")
                } else if upper.hasPrefix("RCPT TO:") {
                    let address = Self.address(line)
                    if state.lock.withLock({ state.refused.contains(address.lowercased()) }) {
                        try await say("550 5.1.1 no such mailbox: \(address)")
                    } else {
                        to.append(address)
                        try await say("250 2.1.5 ok")
                    }
                } else if upper == "DATA" {
                    data = []
                    try await say("354 end with <CRLF>.<CRLF>")
                } else if upper == "QUIT" {
                    try await say("221 2.0.0 bye")
                    return
                } else {
                    try await say("502 5.5.1 not implemented")
                }
            }
        }
    }

    private static func address(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line.lastIndex(of: ">"), open < close else { return "" }
        return String(line[line.index(after: open)..<close])
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
