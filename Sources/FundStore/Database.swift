import Foundation
import FundCore
import Logging
import PostgresNIO

/// A running connection pool and the logger its queries use.
///
/// `PostgresClient` only serves queries while its `run()` is running; `Database.with` keeps it
/// running for the duration of a piece of work, as every CLI command needs.
public struct Database: Sendable {
    public let client: PostgresClient
    public let configuration: DatabaseConfiguration
    public let logger: Logger

    public init(client: PostgresClient, configuration: DatabaseConfiguration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    public static func makeClient(_ configuration: DatabaseConfiguration, logger: Logger, maximumConnections: Int = 20)
        -> PostgresClient
    {
        var clientConfiguration = configuration.clientConfiguration()
        clientConfiguration.options.maximumConnections = maximumConnections
        return PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    }

    /// Runs `body` with a live pool, then shuts the pool down.
    @discardableResult
    public static func with<T: Sendable>(
        _ configuration: DatabaseConfiguration,
        logger: Logger = Logger(label: "cfund.db"),
        maximumConnections: Int = 4,
        _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let client = makeClient(configuration, logger: logger, maximumConnections: maximumConnections)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let database = Database(client: client, configuration: configuration, logger: logger)
            try await database.checkReachable()
            return try await body(database)
        }
    }

    /// Fails fast with a useful sentence when the server is not there, instead of waiting on the pool.
    public func checkReachable(within seconds: Int = 5) async throws {
        do {
            _ = try await withTimeout(seconds: seconds) {
                try await client.query("SELECT 1", logger: logger)
            }
        } catch let error as FundError {
            throw error
        } catch {
            throw FundError.databaseUnavailable(
                "Cannot reach the database at \(configuration.displayURL) (\(Self.describe(error))); "
                    + "start it with `cfund db start` or check CFUND_DATABASE_URL.")
        }
    }

    /// Runs `body` in one transaction; domain errors thrown inside come out unwrapped, and
    /// PostgreSQL's refusals come out as `FundError`s.
    public func transaction<T>(_ body: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw Self.domainError(error.closureError ?? error.beginError ?? error.commitError ?? error)
        } catch {
            throw Self.domainError(error)
        }
    }

    /// Runs one query outside any explicit transaction and collects its rows. PostgreSQL
    /// reports some refusals (a trigger's, a function's) only once rows stream in, so collecting
    /// here is what lets every refusal come out as a `FundError`.
    @discardableResult
    public func query(_ query: PostgresQuery, mapErrors: Bool = true, file: String = #fileID, line: Int = #line)
        async throws -> [PostgresRow]
    {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await client.query(query, logger: logger, file: file, line: line) {
                rows.append(row)
            }
            return rows
        } catch {
            throw mapErrors ? Self.domainError(error) : error
        }
    }

    /// Runs one query and hands each row to `body` as PostgreSQL sends it, so memory stays flat
    /// however many rows come back (exports, ranking, verification); refusals come out as
    /// domain errors, as from `query(_:)`, and `body`'s own errors pass through.
    public func forEachRow(
        _ query: PostgresQuery, file: String = #fileID, line: Int = #line, _ body: (PostgresRow) throws -> Void
    ) async throws {
        do {
            for try await row in try await client.query(query, logger: logger, file: file, line: line) {
                try body(row)
            }
        } catch {
            throw Self.domainError(error)
        }
    }

    /// Runs one statement whose changes the audit trail records as `actor`'s (an API token,
    /// say): in a transaction that sets `cfund.actor` first. Without an actor, as `query(_:)`.
    @discardableResult
    public func query(_ query: PostgresQuery, actor: String?) async throws -> [PostgresRow] {
        guard let actor else { return try await self.query(query) }
        return try await transaction { connection in
            try await connection.query("SELECT set_config('cfund.actor', \(actor), true)", logger: logger)
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs a statement prepared once per connection (no parsing or planning per request) and
    /// collects its rows, mapping errors like `query(_:)`.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement, mapErrors: Bool = true)
        async throws -> [Statement.Row]
    {
        do {
            var rows: [Statement.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw mapErrors ? Self.domainError(error) : error
        }
    }

    /// Turns a PostgreSQL error into the domain error it stands for (`RefusalCatalogue`); other
    /// errors pass through.
    public static func domainError(_ error: any Error) -> any Error {
        RefusalCatalogue.error(for: error)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

extension Array where Element == PostgresRow {
    /// Decodes every collected row, as `PostgresRowSequence.decode` does for a stream.
    public func decode<Column: PostgresDecodable>(_ type: Column.Type, file: String = #fileID, line: Int = #line)
        throws -> [Column]
    {
        try map { try $0.decode(type, file: file, line: line) }
    }

    public func decode<each Column: PostgresDecodable>(
        _ type: (repeat each Column).Type, file: String = #fileID, line: Int = #line
    ) throws -> [(repeat each Column)] {
        try map { try $0.decode(type, file: file, line: line) }
    }
}

/// Runs `operation`, failing with a `FundError` when it takes longer than `seconds`.
func withTimeout<T: Sendable>(seconds: Int, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw FundError.databaseUnavailable("The database did not answer within \(seconds) seconds.")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
