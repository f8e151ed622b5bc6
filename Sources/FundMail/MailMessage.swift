import Foundation

/// A person and their address, as mail headers write them.
public struct Mailbox: Sendable, Equatable {
    public let name: String?
    public let address: String

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    var header: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(MailMessage.encodedWord(name)) <\(address)>"
    }
}

/// One message: plain text and HTML alternatives, UTF-8, rendered as RFC 5322 with MIME.
public struct MailMessage: Sendable, Equatable {
    public let messageId: String
    public let from: Mailbox
    public let to: [Mailbox]
    public let subject: String
    public let text: String
    public let html: String
    public let date: Date

    public init(
        messageId: String, from: Mailbox, to: [Mailbox], subject: String, text: String, html: String, date: Date
    ) {
        self.messageId = messageId
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
    }

    /// The message as it travels and as a `.eml` file stores it (CRLF line ends).
    public func rendered() -> String {
        let boundary = "cfund-" + messageId.filter { $0.isLetter || $0.isNumber }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let lines = [
            "Message-ID: \(messageId)",
            "Date: \(formatter.string(from: date))",
            "From: \(from.header)",
            "To: \(to.map(\.header).joined(separator: ", "))",
            "Subject: \(Self.encodedWord(subject))",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            Self.base64Lines(html),
            "--\(boundary)--",
            "",
        ]
        return lines.joined(separator: "\r\n")
    }

    /// A header's text: as is when plain ASCII, else an RFC 2047 encoded word.
    static func encodedWord(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0 != "=" && $0 != "?" }
        return plain ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> String {
        Data(text.utf8).base64EncodedString(
            options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }
}
