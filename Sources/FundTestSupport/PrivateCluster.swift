import Foundation
import FundCore
import FundStore
import PostgresNIO

/// A PostgreSQL cluster of one test's own, migrated, which the test may stop, restart and cut
/// connections of: the shared test cluster serves every other test at the same time.
public final class PrivateCluster: Sendable {
    public let cluster: EmbeddedCluster
    public var database: DatabaseConfiguration { cluster.connection }

    private init(cluster: EmbeddedCluster) {
        self.cluster = cluster
    }

    public static func make() async throws -> PrivateCluster {
        // Short: the socket's path must fit in 107 bytes.
        let home = URL(fileURLWithPath: "/tmp/cfund-pc-\(getpid())-\(UUID().uuidString.prefix(8))")
        // Durable: an immediate stop must not lose what was committed, or tests of what the server
        // acknowledged would only measure the missing fsync.
        let cluster = try EmbeddedCluster(home: home, durable: true)
        try await offThePool { try cluster.start() }
        let made = PrivateCluster(cluster: cluster)
        try await Database.with(
            cluster.connection.with(database: "postgres"), logger: TestCluster.logger,
            reachableWithin: TestCluster.patience
        ) { database in
            try await database.query("CREATE DATABASE \(unescaped: EmbeddedCluster.databaseName)")
        }
        try await Database.with(cluster.connection, logger: TestCluster.logger, reachableWithin: TestCluster.patience) {
            try await Migrator.fromSchemaFolder().migrate($0)
        }
        return made
    }

    deinit { cluster.destroy() }

    /// Stops PostgreSQL as `mode` says and starts it again.
    public func restart(_ mode: EmbeddedCluster.StopMode) async throws {
        let cluster = cluster
        do {
            try await offThePool {
                try cluster.stop(mode)
                try cluster.start()
            }
        } catch {
            let log = (try? String(contentsOf: cluster.logFile, encoding: .utf8)) ?? ""
            let notable = log.split(separator: "\n").filter { $0.contains("FATAL") || $0.contains("LOG") }
            throw FundError.cluster("\(error)\n" + notable.suffix(15).joined(separator: "\n"))
        }
    }

    /// Ends every connection to the cfund database, as `pg_terminate_backend` does to a server's
    /// pool when an administrator or a failover cuts it; returns how many.
    @discardableResult
    public func terminateConnections() async throws -> Int64 {
        try await Database.with(cluster.connection.with(database: "postgres"), logger: TestCluster.logger) {
            try await $0.count(
                """
                SELECT count(pg_terminate_backend(pid))::bigint FROM pg_stat_activity
                WHERE datname = '\(EmbeddedCluster.databaseName)' AND pid <> pg_backend_pid()
                """)
        }
    }
}

/// Runs blocking work (pg_ctl, waiting on a process) on a thread of its own, so that the few
/// threads of Swift's concurrency pool keep serving the test's requests meanwhile.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
