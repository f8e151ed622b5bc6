import ArgumentParser
import FundHTTP
import FundStore
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API for applicants on the chosen database.",
        discussion: """
            Routes: GET /healthz, /readyz, /metrics, /openapi.yaml, /v1/calls; POST /v1/calls/{callId}/submissions; \
            GET, PUT and DELETE /v1/submissions/{id}. SIGTERM or SIGINT stops accepting connections, finishes \
            the requests in flight, then exits. Several servers can share one database.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Most database connections this server opens.") var connections = 20
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: use trace, debug, info, notice, warning, error or critical.")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "cfund.serve")
        let configuration = try await DatabaseChoice.resolve(url: database.url).prepare(logger: database.logger)
        let client = Database.makeClient(configuration, logger: logger, maximumConnections: connections)
        let application = buildApplication(
            client: client, configuration: configuration, host: host, port: port, logger: logger, metrics: registry)
        try await application.runService()
    }
}
