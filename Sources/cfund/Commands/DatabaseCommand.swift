import ArgumentParser
import Foundation
import FundCore
import FundStore

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster (under .cfund/ or CFUND_HOME).",
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, start and migrate the embedded cluster (done automatically by other commands).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let cluster = try embeddedCluster(database)
            _ = try await DatabaseChoice.embedded(cluster).prepare(logger: database.logger)
            print("PostgreSQL is running in \(cluster.root.path)")
            print("URL: \(cluster.url)")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster; its data stays.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let cluster = try embeddedCluster(database)
            let wasRunning = cluster.isRunning()
            try cluster.stop()
            print(wasRunning ? "Stopped PostgreSQL in \(cluster.root.path)." : "PostgreSQL was not running.")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say which database commands use, whether it runs, and which migrations are applied.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let choice = try DatabaseChoice.resolve(url: database.url)
            let configuration: DatabaseConfiguration
            switch choice {
            case .external(let external):
                print("Database: \(external.displayURL) (from --database-url or CFUND_DATABASE_URL)")
                configuration = external
            case .embedded(let cluster):
                print("Database: embedded cluster")
                print("Folder:   \(cluster.root.path)")
                if cluster.usesFallback {
                    print(
                        "          (the postgres user cannot reach \(cluster.home.path), or its socket path "
                            + "would be too long, so the cluster lives here instead)")
                }
                print("URL:      \(cluster.url)")
                guard cluster.isRunning() else {
                    print(
                        "Status:   \(cluster.isInitialised ? "stopped" : "not created yet"); `cfund db start` starts it"
                    )
                    return
                }
                print("Status:   running")
                configuration = cluster.connection
            }
            let (states, clock) = try await Database.with(configuration, logger: database.logger) { database in
                let states = try await Migrator.fromSchemaFolder().status(database)
                let hasClock = states.contains { $0.name == "submissions" && $0.appliedAt != nil }
                return (states, hasClock ? try await SimulatedClock(database).current() : nil)
            }
            let applied = states.filter { $0.appliedAt != nil }.count
            print("Schema:   \(applied) of \(states.count) migrations applied")
            if let clock {
                print(
                    "Clock:    SIMULATED at \(LocalTime.iso8601(clock, in: TimeZone(identifier: "UTC")!)); deadlines are "
                        + "judged against it, not the real time (DELETE FROM simulated_clock to stop)")
            }
        }
    }

    struct URLCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url", abstract: "Print the URL of the database commands use (for psql and friends).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            switch try DatabaseChoice.resolve(url: database.url) {
            case .external(let configuration): print(configuration.displayURL)
            case .embedded(let cluster): print(cluster.url)
            }
        }
    }

    static func embeddedCluster(_ options: DatabaseOptions) throws -> EmbeddedCluster {
        guard case .embedded(let cluster) = try DatabaseChoice.resolve(url: options.url) else {
            throw FundError.database(
                "cfund db start and stop manage the embedded cluster only; unset CFUND_DATABASE_URL "
                    + "and drop --database-url to use it.")
        }
        return cluster
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending migrations of Schema/ (each in a transaction, under an advisory lock).")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "List applied and pending migrations instead of applying them.")
    var status = false

    func run() async throws {
        let migrator = try Migrator.fromSchemaFolder()
        let configuration: DatabaseConfiguration
        switch try DatabaseChoice.resolve(url: database.url) {
        case .external(let external): configuration = external
        case .embedded(let cluster):
            configuration = try await DatabaseChoice.embedded(cluster).prepare(
                logger: database.logger, migrating: false)
        }
        try await Database.with(configuration, logger: database.logger) { database in
            if status {
                for state in try await migrator.status(database) {
                    let when = state.appliedAt.map {
                        "applied \(LocalTime.iso8601($0, in: TimeZone(identifier: "UTC")!))"
                    }
                    print("\(state.fileName)  \(state.changed ? "CHANGED since applied" : when ?? "pending")")
                }
                return
            }
            let applied = try await migrator.migrate(database)
            if applied.isEmpty {
                print("Nothing to apply: all \(migrator.migrations.count) migrations are applied.")
            } else {
                for migration in applied { print("Applied \(migration.fileName)") }
            }
        }
    }
}
