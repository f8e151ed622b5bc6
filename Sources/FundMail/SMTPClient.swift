import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import NIOTLS

/// How a delivery attempt ended when it did not end well: a temporary failure (a 4xx answer, a
/// connection lost or refused, TLS or credentials the server does not accept) is tried again
/// later; a permanent one (5xx about the message itself) is not.
public enum MailDeliveryError: Error, Equatable, Sendable, CustomStringConvertible {
    case temporary(String)
    case permanent(String)

    public var answer: String {
        switch self {
        case .temporary(let text), .permanent(let text): return text
        }
    }

    /// The server's words (or ours), as a person reads them.
    public var description: String { answer }
}

/// Where mail goes: SMTP in production, a sink in the demo and the tests.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// A small SMTP client (RFC 5321): EHLO, STARTTLS (RFC 3207) or implicit TLS (RFC 8314), AUTH
/// PLAIN or LOGIN (RFC 4954), MAIL FROM, RCPT TO, DATA, QUIT, one message per connection. No
/// Swift SMTP library is mirrored here; this is the whole of what the outbox needs.
public struct SMTPClient: MailTransport {
    public let server: SMTPServerAddress
    /// The name this client gives in EHLO.
    public let clientName: String
    private let tls: NIOSSLContext?

    public init(_ server: SMTPServerAddress, clientName: String = "cfund.localhost") throws {
        self.server = server
        self.clientName = clientName
        guard server.security != .none else {
            tls = nil
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file = server.trustedCertificates {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw MailDeliveryError.permanent(
                    "CFUND_SMTP_URL's ?ca=\(file) cannot be read: give the PEM file of the SMTP server's certificate authority."
                )
            }
            configuration.trustRoots = .file(file)
        }
        do {
            tls = try NIOSSLContext(configuration: configuration)
        } catch {
            throw MailDeliveryError.permanent("TLS for the SMTP server cannot be set up: \(error)")
        }
    }

    /// Plain SMTP to `host:port`: the demo's and the tests' local sink.
    public init(host: String, port: Int) {
        server = SMTPServerAddress(host: host, port: port)
        clientName = "cfund.localhost"
        tls = nil
    }

    /// From `CFUND_SMTP_URL` (see `SMTPServerAddress`).
    public init(url: String) throws {
        try self.init(SMTPServerAddress(url: url))
    }

    public func send(_ message: MailMessage) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let (tls, server) = (self.tls, self.server)
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: server.host, port: server.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if server.security == .implicitTLS, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls, serverHostname: server.tlsName))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw MailDeliveryError.temporary("cannot reach the SMTP server \(server.description): \(error)")
        }
        // Once the server has taken the message, nothing after (QUIT, closing) may make it a failure:
        // the outbox would send it again.
        let conversation = Conversation(channel: channel, client: self)
        do {
            try await channel.executeThenClose { inbound, outbound in
                var lines = inbound.makeAsyncIterator()
                try await conversation.run(message, next: { try await lines.next() }, write: outbound.write)
            }
        } catch let error as MailDeliveryError {
            if conversation.accepted { return }
            throw error
        } catch {
            if conversation.accepted { return }
            throw MailDeliveryError.temporary(Self.explain(error, server: server))
        }
    }

    private static func explain(_ error: any Error, server: SMTPServerAddress) -> String {
        if let tlsError = error as? NIOSSLError {
            return "TLS with the SMTP server \(server.description) failed (\(tlsError)): if its certificate comes "
                + "from a private authority, name that authority's PEM file with ?ca= in CFUND_SMTP_URL"
        }
        return "the SMTP conversation with \(server.description) broke off: \(error)"
    }

    /// One connection's exchange; `accepted` is true once the server has answered 250 to DATA.
    private final class Conversation: @unchecked Sendable {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let client: SMTPClient
        var accepted = false

        init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, client: SMTPClient) {
            self.channel = channel
            self.client = client
        }

        func run(
            _ message: MailMessage, next: () async throws -> ByteBuffer?, write: (ByteBuffer) async throws -> Void
        ) async throws {
            let server = client.server
            func reply() async throws -> (code: Int, lines: [String]) {
                var text: [String] = []
                while true {
                    guard let line = try await next().map({ String(buffer: $0) }) else {
                        throw MailDeliveryError.temporary("the SMTP server closed the connection")
                    }
                    let bytes = Array(line.utf8)
                    guard bytes.count >= 3, let code = Int(String(line.prefix(3))) else {
                        throw MailDeliveryError.temporary("the SMTP server answered \(line)")
                    }
                    text.append(String(line.dropFirst(4)))
                    if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") { return (code, text) }
                }
            }
            @discardableResult
            func expect(_ wanted: ClosedRange<Int>, after command: String?, shown: String? = nil) async throws
                -> [String]
            {
                if let command { try await write(ByteBuffer(string: command + "\r\n")) }
                let (code, lines) = try await reply()
                guard wanted.contains(code) else {
                    let text = "\(code) " + lines.joined(separator: " ")
                    let said = shown ?? command.map { "to \($0.prefix(40))" } ?? "on connecting"
                    throw code >= 500
                        ? MailDeliveryError.permanent("\(text) (\(said))")
                        : MailDeliveryError.temporary("\(text) (\(said))")
                }
                return lines
            }
            try await expect(220...220, after: nil)
            var extensions = Set(
                try await expect(250...250, after: "EHLO \(client.clientName)").map { $0.uppercased() })
            if server.security == .startTLS {
                guard extensions.contains("STARTTLS") else {
                    throw MailDeliveryError.temporary(
                        "the SMTP server \(server.description) does not offer STARTTLS: use smtps:// if it speaks "
                            + "TLS from the start, or smtp:// for a relay that needs none")
                }
                try await expect(220...220, after: "STARTTLS")
                try await startTLS()
                extensions = Set(
                    try await expect(250...250, after: "EHLO \(client.clientName)").map { $0.uppercased() })
            }
            if let credentials = server.credentials { try await authenticate(credentials, extensions, expect) }
            try await expect(250...250, after: "MAIL FROM:<\(message.from.address)>")
            for recipient in message.to { try await expect(250...251, after: "RCPT TO:<\(recipient.address)>") }
            try await expect(354...354, after: "DATA")
            try await expect(250...250, after: message.rendered().dotStuffed + ".", shown: "after the message")
            accepted = true
            try? await write(ByteBuffer(string: "QUIT\r\n"))
        }

        /// TLS goes in front of everything, in the event loop, and the next EHLO waits for the
        /// handshake: written before, it would fail as a write on a closed channel instead of
        /// saying why TLS was refused (an untrusted certificate).
        private func startTLS() async throws {
            guard let tls = client.tls else { return }
            let (channel, name) = (self.channel.channel, client.server.tlsName)
            let handshake = channel.eventLoop.makePromise(of: Void.self)
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: tls, serverHostname: name)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(
                    HandshakeWatcher(handshake), position: .after(handler))
            }.get()
            try await handshake.futureResult.get()
        }

        private func authenticate(
            _ credentials: SMTPServerAddress.Credentials, _ extensions: Set<String>,
            _ expect: (ClosedRange<Int>, String?, String?) async throws -> [String]
        ) async throws {
            let mechanisms = Set(
                extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
                    .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
            func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
            do {
                if mechanisms.contains("PLAIN") {
                    let response = base64("\0\(credentials.user)\0\(credentials.password)")
                    _ = try await expect(235...235, "AUTH PLAIN \(response)", "to AUTH PLAIN")
                } else if mechanisms.contains("LOGIN") {
                    _ = try await expect(334...334, "AUTH LOGIN", "to AUTH LOGIN")
                    _ = try await expect(334...334, base64(credentials.user), "to the user name")
                    _ = try await expect(235...235, base64(credentials.password), "to the password")
                } else {
                    throw MailDeliveryError.temporary(
                        "the SMTP server \(client.server.description) offers no AUTH PLAIN or LOGIN "
                            + "(it offers \(mechanisms.sorted().joined(separator: ", ")))")
                }
            } catch MailDeliveryError.permanent(let answer) {
                // A refused password is about the configuration, not the message: the messages wait.
                throw MailDeliveryError.temporary(
                    "the SMTP server refused cfund's credentials (\(answer)): correct the user or password in "
                        + "CFUND_SMTP_URL; the messages wait in the outbox")
            }
        }
    }
}

extension SMTPServerAddress {
    /// The name TLS checks the certificate against: none for an address, which the certificate's IP
    /// names are checked against instead.
    var tlsName: String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
    }
}

extension String {
    /// The message as DATA sends it: CRLF line ends, a leading dot doubled (RFC 5321 4.5.2).
    var dotStuffed: String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                let line = line.hasSuffix("\r") ? line.dropLast() : line
                return (line.hasPrefix(".") ? "." : "") + line + "\r\n"
            }
            .joined()
    }
}

/// Completes its promise when the TLS handshake in front of it is over, or fails it with why the
/// handshake failed (or the connection closed first); passes everything on.
private final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handshake: EventLoopPromise<Void>
    private var settled = false

    init(_ handshake: EventLoopPromise<Void>) {
        self.handshake = handshake
    }

    private func settle(_ result: Result<Void, any Error>) {
        guard !settled else { return }
        settled = true
        handshake.completeWith(result)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { settle(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(.failure(ChannelError.ioOnClosedChannel))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        settle(.failure(ChannelError.ioOnClosedChannel))
    }
}
