import PostgresNIO

extension PSQLError {
    /// The SQLSTATE PostgreSQL sent, for the few callers that handle one refusal themselves.
    public var sqlState: String? { serverInfo?[.sqlState] }
}
