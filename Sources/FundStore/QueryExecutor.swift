import FundCore
import Logging
import PostgresNIO

/// Something that runs queries: the pool (`Database`: each query on any free connection) or one
/// connection inside a transaction (`Transaction`). Repositories take either, so a workflow such
/// as committing a decision locks, reads, plans and writes on one snapshot with the same code
/// that serves single reads from the pool. Every refusal comes out as a domain error
/// (`RefusalCatalogue`).
public protocol QueryExecutor: Sendable {
    var logger: Logger { get }
    /// Sends one query; rows and refusals come as PostgresNIO gives them (`query` and
    /// `forEachRow` collect them and map refusals).
    func send(_ query: PostgresQuery, file: String, line: Int) async throws -> PostgresRowSequence
    /// Sends a statement prepared once per connection (no parsing or planning per request).
    func send<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    /// Runs `body` in a transaction: a new one from the pool, or the one already open.
    func transaction<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T
    /// Runs `body` on one connection, for work that must happen once a connection is leased: a
    /// connection from the pool outside any explicit transaction, or the transaction's own.
    func withConnection<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T
}

extension QueryExecutor {
    /// Runs one query and collects its rows. PostgreSQL reports some refusals (a trigger's, a
    /// function's) only once rows stream in, so collecting is what lets every refusal come out as
    /// a domain error.
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws
        -> [PostgresRow]
    {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await send(query, file: file, line: line) { rows.append(row) }
            return rows
        } catch {
            throw RefusalCatalogue.error(for: error)
        }
    }

    /// Runs one query and hands each row to `body` as PostgreSQL sends it, so memory stays flat
    /// however many rows come back; refusals come out as domain errors, `body`'s own errors pass
    /// through.
    public func forEachRow(
        _ query: PostgresQuery, file: String = #fileID, line: Int = #line, _ body: (PostgresRow) throws -> Void
    ) async throws {
        do {
            for try await row in try await send(query, file: file, line: line) { try body(row) }
        } catch {
            throw RefusalCatalogue.error(for: error)
        }
    }

    /// Runs a prepared statement and collects its rows, refusals as domain errors.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws
        -> [Statement.Row]
    {
        do {
            var rows: [Statement.Row] = []
            for try await row in try await send(statement) { rows.append(row) }
            return rows
        } catch {
            throw RefusalCatalogue.error(for: error)
        }
    }

    /// Runs `body` in a transaction whose changes the audit trail records as `actor`'s (an API
    /// token, a signed-in person); without an actor, the connection's own.
    public func transaction<T>(actor: String?, _ body: (Transaction) async throws -> sending T) async throws
        -> sending T
    {
        try await transaction { transaction in
            if let actor {
                try await transaction.query("SELECT set_config('cfund.actor', \(actor), true)")
            }
            return try await body(transaction)
        }
    }

    /// Runs one statement whose changes the audit trail records as `actor`'s.
    @discardableResult
    public func query(_ query: PostgresQuery, actor: String?) async throws -> [PostgresRow] {
        guard let actor else { return try await self.query(query) }
        return try await transaction(actor: actor) { transaction in try await transaction.query(query) }
    }
}

/// One connection inside an open transaction (or, from `withConnection`, a leased connection).
public struct Transaction: QueryExecutor {
    public let connection: PostgresConnection
    public let logger: Logger

    public func send(_ query: PostgresQuery, file: String, line: Int) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger, file: file, line: line)
    }

    public func send<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws
        -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row>
    {
        try await connection.execute(statement, logger: logger)
    }

    /// Already in one: the work joins it.
    public func transaction<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T {
        try await body(self)
    }

    public func withConnection<T>(_ body: (Transaction) async throws -> sending T) async throws -> sending T {
        try await body(self)
    }
}
