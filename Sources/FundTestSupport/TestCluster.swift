import Foundation
import FundCore
import FundStore
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// One throwaway PostgreSQL cluster per test process, migrated once into a template database,
/// from which every test gets a fresh database of its own.
///
/// The cluster skips fsync (tests need no durability) and is stopped and deleted at process exit.
public actor TestCluster {
    public static let shared = TestCluster()

    private var cluster: Task<EmbeddedCluster, any Error>?
    private var counter = 0
    static let templateName = "cfund_template"

    /// A new, migrated, empty database; drop it with `drop(_:)` or leave it to the cluster's removal.
    public func makeDatabase() async throws -> DatabaseConfiguration {
        let cluster = try await start()
        counter += 1
        let name = "test_\(getpid())_\(counter)"
        let admin = cluster.connection.with(database: "postgres")
        try await Database.with(admin, logger: Self.logger, reachableWithin: Self.patience) { database in
            // The template's last connections (the migration's pool) may still be closing.
            for attempt in 1... {
                do {
                    try await database.query(
                        PostgresQuery(
                            unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(Self.templateName) STRATEGY FILE_COPY"),
                        mapErrors: false)
                    return
                } catch let error as PSQLError where error.sqlState == "55006" && attempt < 100 {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        return cluster.connection.with(database: name)
    }

    /// A database where nothing has been migrated, for the migrator's own tests.
    public func makeEmptyDatabase() async throws -> DatabaseConfiguration {
        let cluster = try await start()
        counter += 1
        let name = "empty_\(getpid())_\(counter)"
        try await Database.with(
            cluster.connection.with(database: "postgres"), logger: Self.logger, reachableWithin: Self.patience
        ) { database in
            try await database.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return cluster.connection.with(database: name)
    }

    public func drop(_ configuration: DatabaseConfiguration) async throws {
        let cluster = try await start()
        try await Database.with(
            cluster.connection.with(database: "postgres"), logger: Self.logger, reachableWithin: Self.patience
        ) { database in
            try await database.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(configuration.database) WITH (FORCE)"))
        }
    }

    /// Starts the cluster once; tests run in parallel and all wait for the same start.
    private func start() async throws -> EmbeddedCluster {
        if let cluster { return try await cluster.value }
        let task = Task { try await Self.create() }
        cluster = task
        return try await task.value
    }

    private static func create() async throws -> EmbeddedCluster {
        let home = URL(fileURLWithPath: "/tmp/cfund-test-\(getpid())")
        try? FileManager.default.removeItem(at: home)
        let cluster = try EmbeddedCluster(home: home, durable: false)
        try cluster.start()
        TestClusterCleanup.register(cluster)
        let admin = cluster.connection.with(database: "postgres")
        try await Database.with(admin, logger: Self.logger, reachableWithin: Self.patience) { database in
            try await database.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.templateName)"))
        }
        try await Database.with(
            cluster.connection.with(database: Self.templateName), logger: Self.logger, reachableWithin: Self.patience
        ) { database in
            try await Migrator.fromSchemaFolder().migrate(database)
        }
        return cluster
    }

    /// How long a test waits for the cluster to answer: all tests start at once on a shared
    /// machine and queue to clone the template, which can take longer than a command would wait.
    public static let patience = 60

    public static let logger: Logger = {
        var logger = Logger(label: "cfund.test")
        // CFUND_LOG_LEVEL=debug shows the pool's and the queries' logs when a test misbehaves.
        logger.logLevel =
            ProcessInfo.processInfo.environment["CFUND_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()
}

/// Removes the test cluster when the test process exits, however the tests ended.
enum TestClusterCleanup {
    nonisolated(unsafe) static var cluster: EmbeddedCluster?

    static func register(_ cluster: EmbeddedCluster) {
        self.cluster = cluster
        atexit {
            TestClusterCleanup.cluster?.destroy()
        }
    }
}

/// Runs `body` against a fresh migrated database, dropping it afterwards; `actor` is who the
/// audit trail records for its changes (else "sql:" and the role).
public func withTestDatabase<T: Sendable>(
    actor: String? = nil, _ body: @Sendable (Database) async throws -> T
) async throws -> T {
    var configuration = try await TestCluster.shared.makeDatabase()
    configuration.actor = actor
    do {
        let result = try await Database.with(
            configuration, logger: TestCluster.logger, maximumConnections: 8, reachableWithin: TestCluster.patience,
            body)
        try await TestCluster.shared.drop(configuration)
        return result
    } catch {
        try? await TestCluster.shared.drop(configuration)
        throw error
    }
}

extension Database {
    /// The first column of the first row of a counting query, for assertions in tests.
    public func count(_ sql: String) async throws -> Int64 {
        try await query(PostgresQuery(unsafeSQL: sql)).first?.decode(Int64?.self) ?? 0
    }
}
