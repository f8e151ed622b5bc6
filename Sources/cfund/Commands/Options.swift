import ArgumentParser
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

    /// Runs `body` with a ready database (the embedded one started and migrated if needed).
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let configuration = try await DatabaseChoice.resolve(url: url).prepare(logger: logger)
        return try await Database.with(configuration, logger: logger, body)
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
