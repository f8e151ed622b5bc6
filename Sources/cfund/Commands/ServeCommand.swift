import ArgumentParser
import Foundation
import FundHTTP
import FundMail
import FundStore
import Hummingbird
import Logging
import Metrics
import Prometheus

#if canImport(Glibc)
    import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API for applicants on the chosen database.",
        discussion: """
            Routes: GET /healthz, /readyz, /metrics, /openapi.yaml, /v1/calls; POST /v1/calls/{callId}/submissions; \
            GET, PUT and DELETE /v1/submissions/{id}; GET /v1/reviews, PUT /v1/reviews/{assignmentId}. \
            Several servers can share one database.

            With --read-database-url (or CFUND_READ_DATABASE_URL), a streaming replica of that database serves \
            the pages that only read (the admin pages and reports, the portal's applications and letters, open \
            data, the list of calls); everything that decides or writes uses the primary, and a browser that \
            has just written reads the primary until the replica has its change.

            Every request is answered within --request-timeout of its body being complete (503 when the database \
            does not answer; retrying with the same Idempotency-Key records a submission once). A stalled body \
            or head gets 408, a body over 64 KiB 413, a connection past --max-connections 503 with Retry-After. \
            SIGTERM or SIGINT stops accepting connections, finishes the requests in flight and exits within \
            --drain seconds whatever the database does; a second signal exits at once.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(
        name: .customLong("read-database-url"),
        help: ArgumentHelp(
            "A streaming replica's URL, for the pages that only read. Default: CFUND_READ_DATABASE_URL, else none.",
            valueName: "url"))
    var readURL: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Most database connections this server opens.") var connections = 20
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(help: "Seconds a request may take once its body is complete; then 503.") var requestTimeout = 10
    @Option(help: "Seconds a request body may take to arrive; then 408.") var bodyTimeout = 10
    @Option(help: "Seconds a request's head may take to arrive; then 408.") var headerTimeout = 10
    @Option(help: "Seconds a kept-alive connection may wait for its next request.") var idleTimeout = 60
    @Option(help: "Open connections past which new ones get 503 (Retry-After).") var maxConnections = 1_000
    @Option(help: "Seconds shutting down may take before the process exits anyway.") var drain = 15

    func validate() throws {
        for (name, value) in [
            ("request-timeout", requestTimeout), ("body-timeout", bodyTimeout), ("header-timeout", headerTimeout),
            ("idle-timeout", idleTimeout), ("max-connections", maxConnections), ("drain", drain),
            ("connections", connections),
        ] where value < 1 {
            throw ValidationError("--\(name): give a whole number of at least 1.")
        }
    }

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
        let replica = try await readReplica(logger: logger)
        let limits = ServerLimits(
            requestTimeout: .seconds(requestTimeout), bodyTimeout: .seconds(bodyTimeout),
            headerTimeout: .seconds(headerTimeout), idleTimeout: .seconds(idleTimeout), maxConnections: maxConnections)
        let application = buildApplication(
            client: client, configuration: configuration, replica: replica, host: host, port: port, logger: logger,
            metrics: registry,
            limits: limits, descriptors: Self.raiseDescriptorLimit(), databaseConnections: connections,
            mail: try ProcessInfo.processInfo.environment["CFUND_SMTP_URL"].map {
                MailSettings(transport: try SMTPClient(url: $0), from: MailCommand.sender, publicURL: PortalLinks.base)
            })
        try await ServerRunner.run([application], drain: .seconds(drain), logger: logger)
    }

    /// The replica's pool, checked to be a replica of a migrated cfund database before the server
    /// starts: a wrong URL is said at once rather than on the first report.
    func readReplica(logger: Logger) async throws -> Database.Replica? {
        guard let url = readURL ?? ProcessInfo.processInfo.environment["CFUND_READ_DATABASE_URL"], !url.isEmpty
        else { return nil }
        let configuration = try await Database.withReplica(url: url, logger: database.logger) { $0.configuration }
        return Database.Replica(
            client: Database.makeClient(configuration, logger: logger, maximumConnections: connections),
            configuration: configuration)
    }

    /// Raises the soft limit on open files to the hard one (often 1,024 against 1,048,576) and
    /// returns it: the server keeps its connections below it.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
