import Foundation
import FundCore
import PostgresNIO

/// Where the database is and who connects: parsed from a `postgres://` URL or made by the embedded cluster.
public struct DatabaseConfiguration: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    public enum TLSMode: String, Sendable, Equatable {
        case disable
        case prefer
        case require
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Who the audit trail records for changes made on these connections (`cfund.actor`).
    public var actor: String?

    public init(endpoint: Endpoint, username: String, password: String?, database: String, tls: TLSMode = .disable) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Reads `postgres://user:password@host:5432/database?sslmode=require`; a `host=/folder`
    /// query item (as libpq writes it) means the Unix socket in that folder.
    public init(url text: String) throws(FundError) {
        let usage = "use postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw .database("\"\(Self.redact(text))\" is not a PostgreSQL URL; \(usage).")
        }
        let items = components.queryItems ?? []
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        let port = components.port ?? item("port").flatMap(Int.init) ?? 5432
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw .database("The database URL names no database; \(usage).") }
        let username = components.user ?? item("user") ?? "postgres"
        if let socketFolder = item("host"), socketFolder.hasPrefix("/") {
            endpoint = .unixSocket(path: "\(socketFolder)/.s.PGSQL.\(port)")
        } else if let host = components.host, !host.isEmpty {
            endpoint = .tcp(host: host, port: port)
        } else {
            throw .database("The database URL names no host; \(usage).")
        }
        self.username = username.removingPercentEncoding ?? username
        self.password = (components.password ?? item("password")).map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        switch item("sslmode") ?? "prefer" {
        case "disable", "allow": tls = .disable
        case "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let other: throw .database("sslmode \"\(other)\" is not supported; use disable, prefer or require.")
        }
        if case .tcp(let host, _) = endpoint, ["localhost", "127.0.0.1", "::1"].contains(host), item("sslmode") == nil {
            tls = .disable
        }
    }

    /// The same server, another database: tests clone a template into one database each.
    public func with(database: String) -> DatabaseConfiguration {
        var copy = self
        copy.database = database
        return copy
    }

    /// A URL that says where the database is without its password.
    public var displayURL: String {
        switch endpoint {
        case .tcp(let host, let port):
            return "postgres://\(username)@\(host):\(port)/\(database)"
        case .unixSocket(let path):
            let folder = (path as NSString).deletingLastPathComponent
            let port = path.split(separator: ".").last.map(String.init) ?? "5432"
            return "postgresql://\(username)@/\(database)?host=\(folder)&port=\(port)"
        }
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS
            switch self.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
        case .unixSocket(let path):
            configuration = PostgresClient.Configuration(
                unixSocketPath: path, username: username, password: password, database: database)
        }
        configuration.options.connectTimeout = .seconds(5)
        if let actor { configuration.options.additionalStartupParameters = [("cfund.actor", actor)] }
        return configuration
    }

    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
