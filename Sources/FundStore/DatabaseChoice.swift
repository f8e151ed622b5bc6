import Foundation
import FundCore
import Logging
import PostgresNIO

/// Which database a command works on: `--database-url`, else `CFUND_DATABASE_URL`, else the
/// embedded cluster under `.cfund/` (or `CFUND_HOME`).
public enum DatabaseChoice: Sendable {
    case external(DatabaseConfiguration)
    case embedded(EmbeddedCluster)

    public static func resolve(
        url: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DatabaseChoice {
        if let url = url ?? environment["CFUND_DATABASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return .external(try DatabaseConfiguration(url: url))
        }
        return .embedded(try EmbeddedCluster(home: EmbeddedCluster.defaultHome(environment: environment)))
    }

    /// Makes the database ready for work: the embedded cluster is created, started and migrated
    /// on first use; an external database must already be migrated (`cfund migrate`), because
    /// changing a shared server's schema is a deliberate act.
    ///
    /// `cfund migrate` passes `migrating: false` to apply (and report) the migrations itself.
    public func prepare(logger: Logger, migrating: Bool = true) async throws -> DatabaseConfiguration {
        let migrator = try Migrator.fromSchemaFolder()
        switch self {
        case .embedded(let cluster):
            try cluster.start()
            try await Database.with(cluster.connection.with(database: "postgres"), logger: logger) { database in
                let exists = try await database.query(
                    "SELECT count(*)::bigint FROM pg_database WHERE datname = \(EmbeddedCluster.databaseName)"
                ).decode(Int64.self).reduce(0, +)
                if exists == 0 {
                    do {
                        try await database.query("CREATE DATABASE cfund", mapErrors: false)
                    } catch let error as PSQLError where ["23505", "42P04"].contains(error.sqlState) {
                        // Another cfund process created it between the check and here.
                    } catch {
                        throw Database.domainError(error)
                    }
                }
            }
            if migrating {
                try await Database.with(cluster.connection, logger: logger) { database in
                    try await migrator.migrate(database)
                }
            }
            return cluster.connection
        case .external(let configuration):
            try await Database.with(configuration, logger: logger) { database in
                try await migrator.requireCurrent(database)
            }
            return configuration
        }
    }
}
