import PostgresNIO

extension PSQLError {
    public var sqlState: String? { serverInfo?[.sqlState] }
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}
