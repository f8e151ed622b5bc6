import FundCore
import Logging
import PostgresNIO

/// Reads from a streaming replica (`CFUND_READ_DATABASE_URL`). The primary decides and writes;
/// the replica, a read-only copy that PostgreSQL's own streaming replication keeps a moment
/// behind, serves what may lag: rankings, reports, exports, public and read-only pages. A commit
/// becomes visible there whole or not at all (the replica replays the primary's transactions in
/// order), so a lagging replica shows an earlier state, never half of a decision.
///
/// A person who has just changed something must see it: a web write leaves the primary's WAL
/// position in a cookie, and a page reads the replica only once it has replayed that far
/// (`reads(seeing:)`); until then, and whenever the replica does not answer, it reads the primary.
/// (The API's list of calls asks with no position; the CLI's reports use `withReplica`.)
extension Database {
    public struct Replica: Sendable {
        public let client: PostgresClient
        public let configuration: DatabaseConfiguration

        public init(client: PostgresClient, configuration: DatabaseConfiguration) {
            self.client = client
            self.configuration = configuration
        }
    }

    /// Where reads that may be a moment behind go: the replica's pool when there is one.
    public var reads: Database {
        guard let replica else { return self }
        return Database(client: replica.client, configuration: replica.configuration, logger: logger)
    }

    /// `reads`, once the replica has replayed the primary up to `position` (a WAL position from
    /// `writePosition()`, nil for none); the primary before that, and whenever the replica does
    /// not answer within half a second (down, or cut off): a page is then served by the primary.
    public func reads(seeing position: String?) async -> Database {
        guard replica != nil else { return self }
        let standby = reads
        let wanted = position.flatMap { $0.isEmpty ? nil : $0 } ?? "0/0"
        let caughtUp = try? await Deadline.run(within: .milliseconds(500)) {
            try await standby.query(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= \(wanted)::pg_lsn, true)", mapErrors: false
            ).first?.decode(Bool.self)
        }
        return caughtUp == true ? standby : self
    }

    /// Runs `body` on the streaming replica `url` names, once it has answered and is a replica of
    /// a migrated cfund database; what goes wrong before `body` says what to do about
    /// `CFUND_READ_DATABASE_URL`, not about the primary's settings.
    public static func withReplica<T: Sendable>(
        url: String, logger: Logger, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let configuration = try DatabaseConfiguration(url: url)
        let advice = "check CFUND_READ_DATABASE_URL (--read-database-url), or unset it to read the primary"
        do {
            return try await Database.with(configuration, logger: logger) { replica in
                do {
                    try await Migrator.fromSchemaFolder().requireCurrent(replica)
                } catch {
                    throw FundError.database(
                        "The read replica at \(configuration.displayURL) is not a current cfund database: it replays "
                            + "the primary, so migrate the primary (`cfund migrate`) and let the replica catch up, "
                            + "or \(advice).")
                }
                return try await body(replica)
            }
        } catch FundError.databaseUnavailable(let reason) where reason.contains(configuration.displayURL) {
            throw FundError.databaseUnavailable(
                "Cannot reach the read replica at \(configuration.displayURL); \(advice).")
        }
    }

    /// The primary's WAL position now, past every commit it has acknowledged; nil without a
    /// replica (nothing to wait for) or when the primary cannot say.
    public func writePosition() async -> String? {
        guard replica != nil else { return nil }
        return try? await query("SELECT pg_current_wal_insert_lsn()::text", mapErrors: false).first?.decode(
            String.self)
    }
}
