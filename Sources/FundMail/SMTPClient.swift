import NIOCore
import NIOExtras
import NIOPosix

/// How a delivery attempt ended when it did not end well: a temporary failure (a 4xx answer, a
/// connection lost or refused) is tried again later; a permanent one (5xx) is not.
public enum MailDeliveryError: Error, Equatable, Sendable, CustomStringConvertible {
    case temporary(String)
    case permanent(String)

    public var answer: String {
        switch self {
        case .temporary(let text), .permanent(let text): return text
        }
    }

    /// The server's words (or ours), as a person reads them: "Error: CFUND_SMTP_URL must look like ...".
    public var description: String { answer }
}

/// Where mail goes: SMTP in production, a sink in the demo and the tests.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// A small SMTP client (RFC 5321): EHLO, MAIL FROM, RCPT TO, DATA, QUIT, one message per
/// connection, over plain TCP. No Swift SMTP library is mirrored here; this is the whole of what
/// the outbox needs. TLS (STARTTLS and implicit) and AUTH are not done yet.
public struct SMTPClient: MailTransport {
    public let host: String
    public let port: Int
    /// The name this client gives in EHLO.
    public let clientName: String

    public init(host: String, port: Int, clientName: String = "cfund.localhost") {
        self.host = host
        self.port = port
        self.clientName = clientName
    }

    /// `smtp://host[:port]` (port 25 by default).
    public init(url: String) throws {
        guard url.hasPrefix("smtp://") else {
            throw MailDeliveryError.permanent("CFUND_SMTP_URL must look like smtp://host:port, not \(url)")
        }
        let rest = url.dropFirst("smtp://".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let parts = rest.split(separator: ":", maxSplits: 1).map(String.init)
        guard let host = parts.first, !host.isEmpty, parts.count == 1 || Int(parts[1]) != nil else {
            throw MailDeliveryError.permanent("CFUND_SMTP_URL must look like smtp://host:port, not \(url)")
        }
        self.init(host: host, port: parts.count == 2 ? Int(parts[1])! : 25)
    }

    public func send(_ message: MailMessage) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw MailDeliveryError.temporary("cannot reach the SMTP server \(host):\(port): \(error)")
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var lines = inbound.makeAsyncIterator()
                func reply() async throws -> (code: Int, text: String) {
                    var text: [String] = []
                    while true {
                        guard let line = try await lines.next().map({ String(buffer: $0) }) else {
                            throw MailDeliveryError.temporary("the SMTP server closed the connection")
                        }
                        text.append(line)
                        let bytes = Array(line.utf8)
                        guard bytes.count >= 3, let code = Int(String(line.prefix(3))) else {
                            throw MailDeliveryError.temporary("the SMTP server answered \(line)")
                        }
                        if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") {
                            return (code, text.joined(separator: " "))
                        }
                    }
                }
                func expect(_ wanted: ClosedRange<Int>, after command: String?) async throws {
                    if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
                    let (code, text) = try await reply()
                    guard wanted.contains(code) else {
                        throw code >= 500 ? MailDeliveryError.permanent(text) : MailDeliveryError.temporary(text)
                    }
                }
                try await expect(220...220, after: nil)
                try await expect(250...250, after: "EHLO \(clientName)")
                try await expect(250...250, after: "MAIL FROM:<\(message.from.address)>")
                for recipient in message.to { try await expect(250...251, after: "RCPT TO:<\(recipient.address)>") }
                try await expect(354...354, after: "DATA")
                try await expect(250...250, after: message.rendered().dotStuffed + ".")
                try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            }
        } catch let error as MailDeliveryError {
            throw error
        } catch {
            throw MailDeliveryError.temporary("the SMTP conversation broke off: \(error)")
        }
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
