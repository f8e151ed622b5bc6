import ArgumentParser
import FundHTTP
import FundStore
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API (health, readiness and the open calls so far) on the chosen database.",
        discussion: "SIGTERM or SIGINT stops accepting connections, finishes the requests in flight, then exits.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080

    func run() async throws {
        var logger = Logger(label: "cfund.serve")
        logger.logLevel = .info
        let configuration = try await DatabaseChoice.resolve(url: database.url).prepare(logger: database.logger)
        let client = Database.makeClient(configuration, logger: logger)
        let application = buildApplication(
            client: client, configuration: configuration, host: host, port: port, logger: logger)
        try await application.runService()
    }
}
