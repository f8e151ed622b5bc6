import ArgumentParser
import Foundation
import FundCore
import FundStore
import Logging

/// The database every command works on.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DB). Default: CFUND_DATABASE_URL, else the embedded cluster.",
            valueName: "url"))
    var url: String?

    var logger: Logger {
        var logger = Logger(label: "cfund")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with a ready database (the embedded one started and migrated if needed),
    /// its changes recorded as the command's user's, then seals the audit events it wrote.
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        var configuration = try await DatabaseChoice.resolve(url: url).prepare(logger: logger)
        configuration.actor = Self.actor
        return try await Database.with(configuration, logger: logger) { database in
            // Chaining is housekeeping: the command's changes are committed with their events
            // whatever happens here. If it fails (a read-only replica, a lost connection), the
            // server, the next command or `cfund audit verify` chains them; the command's own
            // outcome is what the user sees. A refused step may follow committed ones, so this
            // runs on failure too.
            let result: T
            do {
                result = try await body(database)
            } catch {
                _ = try? await AuditTrail(database).seal()
                throw error
            }
            _ = try? await AuditTrail(database).seal()
            return result
        }
    }

    /// Runs `body` for a command that only reads (`rank`, `report`): on the streaming replica
    /// `CFUND_READ_DATABASE_URL` names, unless `--database-url` chose a database; else as
    /// `withDatabase`. The replica must be of a migrated database; nothing is sealed there.
    func withReadDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        guard url == nil, let replica = ProcessInfo.processInfo.environment["CFUND_READ_DATABASE_URL"],
            !replica.isEmpty
        else { return try await withDatabase(body) }
        return try await Database.withReplica(url: replica, logger: logger, body)
    }

    /// The operating-system user running the command, as the audit trail names it.
    static var actor: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return AuditActor.cli(user: String(cString: name))
        }
        return AuditActor.cli(user: "uid-\(geteuid())")
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case csv
}

/// `--format table|json|csv` for listings.
struct FormatOptions: ParsableArguments {
    @Option(help: "Output format: table, json (amounts in fields ending in Cents) or csv.")
    var format: OutputFormat = .table
}

/// Parses an option's text, turning a domain error into ArgumentParser's usage error for that option.
func parseOption<T>(_ option: String, _ text: String, _ parse: (String) throws(FundError) -> T) throws -> T {
    do {
        return try parse(text)
    } catch {
        throw ValidationError("--\(option): \(error.description)")
    }
}

/// A file a command imports, as UTF-8 text; the errors say what to do about it.
func readTextFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FundError.validation([
            FieldIssue(field: path, reason: "the file cannot be read; check the path and that you may read it")
        ])
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw FundError.validation([
            FieldIssue(
                field: path, reason: "the file is not UTF-8 text; save it as UTF-8 (\"CSV UTF-8\" in a spreadsheet)")
        ])
    }
    return text
}
