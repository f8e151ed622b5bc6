import ArgumentParser
import Foundation
import FundCore
import FundHTTP
import FundStore
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run a whole funding round of the 2024 Capitals call, through the real interfaces, and write its reports.",
        discussion: """
            The network, the EUR 1.5M envelope and the call "Financing 2024 for French Tech Capitals"; then \
            an HTTP server on a free loopback port, to which the Capitals submit like real clients (a retry, \
            an amendment, a withdrawal, an ineligible and a late submission among them); closing, reviewers \
            with their conflicts, assignment, scoring through the reviewer API and one CSV sheet; ranking, \
            allocation with the skip policy, a declined grant and a promotion from the reserve list; the \
            reports in cfund-demo/ and a check of the audit chain.

            The demo works in its own database, cfund_demo, on the same server as the other commands (the \
            embedded cluster by default), dropped and recreated on every run: your cfund database is left \
            alone. Time is simulated with the database clock (simulated_clock), so the round does not wait \
            for real dates; every random choice is seeded, so every run gives the same figures.
            """)
    static let databaseName = "cfund_demo"

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print only the final summary.") var quiet = false
    @Flag(help: "Leave the server running at the end and print its URL and tokens, to try the API with curl.")
    var keepServer = false
    @Option(help: "Folder for the reports.") var output = "cfund-demo"
    @Option(help: "Port for the server (0: any free port).") var port = 0

    func run() async throws {
        let logger = database.logger
        let started = ContinuousClock.now
        let server = try await DatabaseChoice.resolve(url: database.url).prepare(logger: logger)
        var demo = server.with(database: Self.databaseName)
        try await Database.with(server.with(database: "postgres"), logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.databaseName) WITH (FORCE)"))
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.databaseName)"))
        }
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let narrator = DemoNarrator(quiet: quiet)
        narrator.step("Fresh database \(demo.displayURL)")

        let applied = try await Database.with(demo, logger: logger) { database in
            try await Migrator.fromSchemaFolder().migrate(database).count
        }
        narrator.step("Applied \(applied) migrations")

        // The programme team acts through the CLI's identity; applicants and reviewers through the API.
        demo.actor = DatabaseOptions.actor
        let (summary, keep) = try await Database.with(demo, logger: logger, maximumConnections: 8) { database in
            let round = DemoRound(database: database, narrator: narrator, folder: folder, keepServer: keepServer)
            try await round.setUp()
            return try await Self.withServer(
                configuration: server.with(database: Self.databaseName), port: port, logger: logger,
                keep: keepServer
            ) { client in
                try await round.play(client: client)
            }
        }
        let elapsed = (ContinuousClock.now - started).components.seconds
        summary.print(elapsed: elapsed, folder: output, database: demo.displayURL)
        if let keep {
            // Printed before waiting, also when stdout is a file or a pipe (block-buffered).
            fflush(nil)
            try await keep()
        }
    }

    /// Runs `body` against the API served on loopback; stops the server after, unless `keep`,
    /// in which case the returned closure waits for Ctrl-C.
    static func withServer<T: Sendable>(
        configuration: DatabaseConfiguration, port: Int, logger: Logger, keep: Bool,
        _ body: @Sendable (DemoClient) async throws -> T
    ) async throws -> (T, (@Sendable () async throws -> Void)?) {
        let client = Database.makeClient(configuration, logger: logger, maximumConnections: 8)
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let application = buildApplication(
            client: client, configuration: configuration, host: "127.0.0.1", port: port, logger: logger,
            metrics: PrometheusCollectorRegistry(), onListening: { listening.yield($0) })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: keep ? [.sigint, .sigterm] : [], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            throw FundError.cluster("The demo's HTTP server did not start; is port \(port) free?")
        }
        do {
            let result = try await body(DemoClient(port: bound))
            guard keep else {
                await group.triggerGracefulShutdown()
                try await running.value
                return (result, nil)
            }
            return (result, { try await running.value })
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }
}

/// Prints one line per step of the demo, unless quiet; the summary always prints.
struct DemoNarrator: Sendable {
    let quiet: Bool

    func step(_ line: String) {
        if !quiet { print("• " + line) }
    }

    /// A counter on the terminal for steps that take a while (never on a pipe or when quiet).
    func progress(_ label: String, total: Int) -> ProgressLine {
        ProgressLine(label, total: total, enabled: !quiet)
    }
}
