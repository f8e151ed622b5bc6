import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// A minimal SMTP server that keeps what it receives: the demo's local mail server and the
/// tests' real counterpart for the client. It can be told to answer 451 to the next DATA
/// commands (a server that fails for a while) and 550 to some recipients (one that never takes
/// them); to speak TLS (STARTTLS or from the first byte) and to require AUTH PLAIN or LOGIN.
public final class MailSink: Sendable {
    public struct Received: Sendable {
        public let from: String
        public let to: [String]
        public let data: String
        /// Whether the message came over TLS, and the user it was authenticated as.
        public let overTLS: Bool
        public let user: String?
    }

    /// TLS as a mail server offers it: after STARTTLS, or from the first byte.
    public struct Security: Sendable {
        public enum Mode: Sendable { case startTLS, implicitTLS }
        let mode: Mode
        let context: NIOSSLContext

        /// `certificate` and `key` are PEM files.
        public init(_ mode: Mode, certificate: String, key: String) throws {
            self.mode = mode
            context = try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        }
    }

    /// The one account AUTH accepts, and the mechanisms offered for it.
    public struct Account: Sendable {
        let user: String
        let password: String
        let mechanisms: [String]

        public init(user: String, password: String, mechanisms: [String] = ["PLAIN", "LOGIN"]) {
            self.user = user
            self.password = password
            self.mechanisms = mechanisms
        }
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

    /// Listens on 127.0.0.1, on a free port unless one is given; plain SMTP without AUTH unless
    /// told otherwise.
    public init(port: Int = 0, security: Security? = nil, account: Account? = nil) async throws {
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let security, security.mode == .implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: security.context))
                    }
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
                            group.addTask {
                                await Self.converse(connection, state: state, security: security, account: account)
                            }
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

    private static func converse(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, state: State, security: Security?, account: Account?
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            func say(_ line: String) async throws { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
            try await say("220 cfund mail sink")
            var overTLS = security?.mode == .implicitTLS
            var user: String?
            var login: (step: Int, user: String)?
            var from = ""
            var to: [String] = []
            var data: [String]?
            func decoded(_ base64: some StringProtocol) -> String {
                Data(base64Encoded: String(base64)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
            }
            func authenticate(_ name: String, _ password: String) async throws {
                if let account, name == account.user, password == account.password {
                    user = name
                    try await say("235 2.7.0 authenticated")
                } else {
                    try await say("535 5.7.8 authentication credentials invalid")
                }
            }
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
                            let message = Received(
                                from: from, to: to, data: lines.joined(separator: "\r\n"), overTLS: overTLS,
                                user: user)
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
                if let step = login {
                    if step.step == 0 {
                        login = (1, decoded(line))
                        try await say("334 UGFzc3dvcmQ6")
                    } else {
                        login = nil
                        try await authenticate(step.user, decoded(line))
                    }
                    continue
                }
                let upper = line.uppercased()
                let offersTLS = security?.mode == .startTLS && !overTLS
                if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                    var lines = ["cfund mail sink"]
                    if offersTLS { lines.append("STARTTLS") }
                    if let account, overTLS || security == nil {
                        lines.append("AUTH " + account.mechanisms.joined(separator: " "))
                    }
                    for (index, text) in lines.enumerated() {
                        try await say("250\(index == lines.count - 1 ? " " : "-")\(text)")
                    }
                } else if upper == "STARTTLS", offersTLS, let security {
                    // The answer leaves in clear, then TLS goes in front of everything, in one event loop turn.
                    let channel = connection.channel
                    try await channel.eventLoop.submit {
                        channel.writeAndFlush(ByteBuffer(string: "220 2.0.0 ready to start TLS\r\n"), promise: nil)
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLServerHandler(context: security.context), position: .first)
                    }.get()
                    (overTLS, user) = (true, nil)
                } else if upper.hasPrefix("AUTH "), let account {
                    let words = line.split(separator: " ")
                    let mechanism = words.count > 1 ? words[1].uppercased() : ""
                    if !account.mechanisms.contains(mechanism) {
                        try await say("504 5.5.4 mechanism not offered")
                    } else if mechanism == "PLAIN", words.count == 3 {
                        let fields = decoded(words[2]).split(separator: "\0", omittingEmptySubsequences: false)
                        try await authenticate(
                            fields.count == 3 ? String(fields[1]) : "", fields.count == 3 ? String(fields[2]) : "")
                    } else if mechanism == "LOGIN" {
                        login = (0, "")
                        try await say("334 VXNlcm5hbWU6")
                    } else {
                        try await say("501 5.5.2 malformed AUTH")
                    }
                } else if upper.hasPrefix("MAIL FROM:") {
                    guard account == nil || user != nil else {
                        try await say("530 5.7.0 authentication required")
                        continue
                    }
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
