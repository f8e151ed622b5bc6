import Crypto
import Foundation
import FundCore
import PostgresNIO

/// One file of `Schema/`: `NNNN_description.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
    public var checksum: String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Where each migration stands in a database.
public struct MigrationState: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let appliedAt: Date?
    /// The applied file's checksum differs from the file on disk.
    public let changed: Bool

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

/// Applies `Schema/` to a database, forward only, each file in its own transaction under an
/// advisory lock so that two processes migrating at once apply each file exactly once.
public struct Migrator: Sendable {
    /// An arbitrary constant shared by every cfund process: the advisory lock's key.
    static let lockKey: Int64 = 0x6366_756E_64

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Reads every `NNNN_name.sql` in a folder; other files are ignored, duplicate numbers refused.
    public static func load(from folder: URL) throws -> Migrator {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw FundError.migrationFailed(file: file, reason: "name it NNNN_description.sql")
            }
            if migrations.contains(where: { $0.version == version }) {
                throw FundError.migrationFailed(file: file, reason: "another file already has number \(version)")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            migrations.append(
                Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        return Migrator(migrations: migrations)
    }

    /// The `Schema/` folder: `CFUND_SCHEMA_DIR`, else the nearest one above the working
    /// directory, the executable, or this source file (a development checkout).
    public static func schemaFolder(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let folder = environment["CFUND_SCHEMA_DIR"], !folder.isEmpty { return URL(fileURLWithPath: folder) }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent(),
        ].compactMap { $0 }
        for start in starts {
            var folder = start.standardizedFileURL
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("Schema")
                if FileManager.default.fileExists(
                    atPath: candidate.appendingPathComponent("0001_organisations_envelopes_calls.sql").path)
                {
                    return candidate
                }
                folder.deleteLastPathComponent()
            }
        }
        throw FundError.migrationFailed(
            file: "Schema/", reason: "the folder was not found; run cfund from the repository or set CFUND_SCHEMA_DIR")
    }

    public static func fromSchemaFolder() throws -> Migrator { try load(from: schemaFolder()) }

    /// Applies what is pending and returns it; stops before anything when an applied file changed.
    @discardableResult
    public func migrate(_ database: Database) async throws -> [Migration] {
        try await ensureTable(database)
        var applied: [Migration] = []
        for migration in migrations {
            let didApply: Bool = try await database.transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                let rows = try await connection.query(
                    "SELECT sha256 FROM schema_migrations WHERE version = \(migration.version)"
                )
                if let recorded = try await rows.decode(String.self).first(where: { _ in true }) {
                    if recorded != migration.checksum { throw FundError.migrationChanged(file: migration.fileName) }
                    return false
                }
                for statement in SQLScript.statements(in: migration.sql) {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement))
                    } catch {
                        throw FundError.migrationFailed(file: migration.fileName, reason: Database.describe(error))
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, sha256)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """)
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// Every known file with when it was applied, checked against its recorded checksum. Reads
    /// only: a database never migrated shows everything pending.
    public func status(_ database: Database) async throws -> [MigrationState] {
        let exists = try await database.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
        var recorded: [Int: (String, Date)] = [:]
        if try exists.first?.decode(Bool.self) == true {
            let rows = try await database.query("SELECT version, sha256, applied_at FROM schema_migrations")
            for (version, sha, appliedAt) in try rows.decode((Int, String, Date).self) {
                recorded[version] = (sha, appliedAt)
            }
        }
        return migrations.map { migration in
            let record = recorded[migration.version]
            return MigrationState(
                version: migration.version, name: migration.name, appliedAt: record?.1,
                changed: record.map { $0.0 != migration.checksum } ?? false)
        }
    }

    /// Refuses to work on a database whose applied files changed or that lacks migrations.
    public func requireCurrent(_ database: Database) async throws {
        let states = try await status(database)
        if let changed = states.first(where: \.changed) { throw FundError.migrationChanged(file: changed.fileName) }
        let pending = states.filter { $0.appliedAt == nil }
        if let first = pending.first {
            throw FundError.database(
                "The database at \(database.configuration.displayURL) lacks \(pending.count) migration(s), from "
                    + "\(first.fileName); run `cfund migrate` first.")
        }
    }

    private func ensureTable(_ database: Database) async throws {
        try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    sha256 text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
    }
}
