import Foundation
import FundCore
import Logging
import PostgresNIO

/// A running connection pool and the logger its queries use.
///
/// `PostgresClient` only serves queries while its `run()` is running; `Database.with` keeps it
/// running for the duration of a piece of work, as every CLI command needs.
public struct Database: QueryExecutor {
    public let client: PostgresClient
    public let configuration: DatabaseConfiguration
    public let logger: Logger
    /// A streaming replica of this database, for the reads that may be a moment behind
    /// (`CFUND_READ_DATABASE_URL`; see `reads`); nil when everything reads the primary.
    public let replica: Replica?

    public init(
        client: PostgresClient, configuration: DatabaseConfiguration, logger: Logger, replica: Replica? = nil
    ) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.replica = replica
    }

    public static func makeClient(_ configuration: DatabaseConfiguration, logger: Logger, maximumConnections: Int = 20)
        -> PostgresClient
    {
        var clientConfiguration = configuration.clientConfiguration()
        clientConfiguration.options.maximumConnections = maximumConnections
        return PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    }

    /// Runs `body` with a live pool, then shuts the pool down; refused at once when the database
    /// does not answer within `reachableWithin` seconds.
    @discardableResult
    public static func with<T: Sendable>(
        _ configuration: DatabaseConfiguration,
        logger: Logger = Logger(label: "cfund.db"),
        maximumConnections: Int = 4,
        reachableWithin: Int = 5,
        _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let client = makeClient(configuration, logger: logger, maximumConnections: maximumConnections)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let database = Database(client: client, configuration: configuration, logger: logger)
            try await database.checkReachable(within: reachableWithin)
            return try await body(database)
        }
    }

    /// Fails fast with a useful sentence when the server is not there, instead of waiting on the pool.
    public func checkReachable(within seconds: Int = 5) async throws {
        let client = client
        let logger = logger
        let reached: Bool?
        do {
            reached = try await Deadline.run(within: .seconds(seconds)) {
                try await client.query("SELECT 1", logger: logger)
                return true
            }
        } catch {
            throw FundError.databaseUnavailable(
                "Cannot reach the database at \(configuration.displayURL) (\(Self.describe(error))); "
                    + "start it with `cfund db start` or check CFUND_DATABASE_URL.")
        }
        guard reached != nil else {
            throw FundError.databaseUnavailable(
                "The database at \(configuration.displayURL) did not answer within \(seconds) seconds; "
                    + "check that it runs (`cfund db status`) and try again.")
        }
    }

    /// Runs `body` in one transaction on one connection; domain errors thrown inside come out
    /// unwrapped, and PostgreSQL's refusals come out as `FundError`s.
    public func transaction<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T {
        let logger = logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        } catch let error as PostgresTransactionError {
            throw Self.domainError(error.closureError ?? error.beginError ?? error.commitError ?? error)
        } catch {
            throw Self.domainError(error)
        }
    }

    public func send(_ query: PostgresQuery, file: String, line: Int) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger, file: file, line: line)
    }

    public func send<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    {
        try await client.execute(statement, logger: logger)
    }

    /// Runs one query and collects its rows with PostgreSQL's errors as they are, for the caller
    /// that handles one refusal itself (`mapErrors: false`).
    @discardableResult
    public func query(_ query: PostgresQuery, mapErrors: Bool, file: String = #fileID, line: Int = #line)
        async throws -> [PostgresRow]
    {
        guard !mapErrors else { return try await self.query(query, file: file, line: line) }
        var rows: [PostgresRow] = []
        for try await row in try await send(query, file: file, line: line) { rows.append(row) }
        return rows
    }

    public func withConnection<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T {
        let logger = logger
        do {
            return try await client.withConnection { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        } catch {
            throw Self.domainError(error)
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
