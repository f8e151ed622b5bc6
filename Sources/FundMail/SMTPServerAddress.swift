import Foundation

/// Where and how to reach the SMTP server, read from `CFUND_SMTP_URL`:
///
/// - `smtp://host[:25]`: plain SMTP, for a relay on the same host or a trusted network;
/// - `smtp+starttls://[user:password@]host[:587]`: plain first, then STARTTLS, required;
/// - `smtps://[user:password@]host[:465]`: TLS from the first byte (implicit TLS).
///
/// A user name and password (percent-encoded in the URL) are sent with AUTH PLAIN, or LOGIN when
/// the server offers only that; never over a connection without TLS. `?ca=/path/ca.pem` trusts a
/// private certificate authority (an internal relay's) instead of the system's.
public struct SMTPServerAddress: Sendable, Equatable {
    public enum Security: Sendable, Equatable {
        case none, startTLS, implicitTLS
    }

    public struct Credentials: Sendable, Equatable {
        public let user: String
        public let password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    public let host: String
    public let port: Int
    public let security: Security
    public let credentials: Credentials?
    /// A PEM file of the certificate authorities to trust; the system's when nil.
    public let trustedCertificates: String?

    public init(
        host: String, port: Int, security: Security = .none, credentials: Credentials? = nil,
        trustedCertificates: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.trustedCertificates = trustedCertificates
    }

    static let forms =
        "smtp://host:25, smtp+starttls://user:password@host:587 or smtps://user:password@host:465"

    public init(url: String) throws {
        func refuse(_ why: String) -> MailDeliveryError {
            .permanent("CFUND_SMTP_URL \(why). It must look like \(Self.forms).")
        }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else {
            throw refuse("cannot be read as a URL")
        }
        let security: Security
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.none, 25)
        case "smtp+starttls": (security, defaultPort) = (.startTLS, 587)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        default: throw refuse("starts with \(scheme)://")
        }
        guard let host = parts.host, !host.isEmpty else { throw refuse("names no host") }
        guard parts.path.isEmpty || parts.path == "/" else { throw refuse("has a path (\(parts.path))") }
        var credentials: Credentials?
        if let user = parts.user {
            guard let password = parts.password else { throw refuse("gives a user without a password") }
            guard security != .none else {
                throw refuse(
                    "would send the password in clear over smtp://; use smtp+starttls:// or smtps://")
            }
            credentials = Credentials(user: user, password: password)
        }
        var trusted: String?
        for item in parts.queryItems ?? [] {
            guard item.name == "ca", let path = item.value, !path.isEmpty else {
                throw refuse("has an unknown parameter \(item.name) (only ?ca=/path/to/ca.pem)")
            }
            guard security != .none else { throw refuse("names a certificate authority for a connection without TLS") }
            trusted = path
        }
        self.init(
            host: host, port: parts.port ?? defaultPort, security: security, credentials: credentials,
            trustedCertificates: trusted)
    }

    /// As logs and errors may show it: without the password.
    public var description: String {
        let scheme = ["smtp", "smtp+starttls", "smtps"][security == .none ? 0 : security == .startTLS ? 1 : 2]
        return "\(scheme)://\(credentials.map { "\($0.user)@" } ?? "")\(host):\(port)"
    }
}
