import Foundation
import FundCore
import FundStore
import Hummingbird
import HummingbirdCore
import Logging
import PostgresNIO
import Prometheus

/// The routes of the API, on a database whose pool is running, behind the server's limits.
///
/// - Parameter metrics: the registry `/metrics` prints; the server bootstraps swift-metrics on it.
/// - Parameter limits: body size, and how long a body may take to arrive and a request to be
///   answered (`ServerLimits`).
public func buildRouter(
    database: Database, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    limits: ServerLimits = ServerLimits(), funder: Funder? = try? Funder.fromEnvironment()
) -> GuardedRouter {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    if database.replica != nil { router.add(middleware: ReadYourWritesMiddleware(database: database)) }
    router.addRoutes(HealthController(database: database).endpoints)
    router.get("metrics") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }
    router.get("openapi.yaml") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "application/yaml"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
    }
    let calls = CallCache()
    router.addRoutes(CallsController(database: database).endpoints, atPath: "v1/calls")
    let submissions = SubmissionsController(
        database: database, calls: calls, batcher: IntakeBatcher(database: database, deadline: limits.requestTimeout),
        tokens: TokenLookups(database: database, deadline: limits.requestTimeout))
    router.addRoutes(submissions.callRoutes, atPath: "v1/calls")
    router.addRoutes(submissions.submissionRoutes, atPath: "v1/submissions")
    router.addRoutes(submissions.attachmentRoutes, atPath: "v1/attachments")
    router.addRoutes(ReviewsController(database: database, calls: calls).endpoints, atPath: "v1/reviews")
    router.addRoutes(GrantsController(database: database).endpoints, atPath: "v1/grants")
    let templates = TemplateStore()
    let gate = WebGate(database: database, templates: templates)
    router.addRoutes(SignInController(database: database, templates: templates, gate: gate).endpoints)
    router.addRoutes(
        PortalController(database: database, calls: calls, templates: templates, gate: gate).endpoints)
    router.addRoutes(ReviewController(database: database, templates: templates, gate: gate).endpoints)
    router.addRoutes(AdminController(database: database, templates: templates, gate: gate).endpoints)
    router.addRoutes(
        OpenDataController(database: database, templates: templates, gate: gate, funder: funder).endpoints)
    // Last, so they see every route, and innermost, so they see the router's own 404.
    router.add(middleware: PageNotFoundMiddleware(templates: templates))
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return GuardedRouter(router: router, limits: limits)
}

/// The server: the router plus the PostgreSQL pool and the audit sealer, as services to run
/// together (see `runServer`), so that shutting down drains requests before the pool closes.
///
/// Configuration keys: `host` and `port` (where to listen; port 0 picks a free one, which
/// `onListening` receives); `limits` (`ServerLimits`: timeouts, sizes, connections);
/// `descriptors`, the process's file-descriptor limit, below which connections are kept;
/// `sealEvery`, how often the audit events requests wrote are sealed into the chain; `mail`,
/// where the outbox's messages go (none sent when nil); `replica`, a streaming replica's pool for
/// the reads that may lag (`CFUND_READ_DATABASE_URL`), run with the server.
public func buildApplication(
    client: PostgresClient, configuration: DatabaseConfiguration, replica: Database.Replica? = nil, host: String,
    port: Int, logger: Logger,
    metrics: PrometheusCollectorRegistry, limits: ServerLimits = ServerLimits(), descriptors: Int = 1_024,
    databaseConnections: Int = 20, sealEvery: Duration = .milliseconds(500), mail: MailSettings? = nil,
    onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let database = Database(client: client, configuration: configuration, logger: logger, replica: replica)
    let (shedAbove, acceptUpTo) = limits.connectionLimits(
        descriptors: descriptors, databaseConnections: databaseConnections)
    let counter = ConnectionGuard.Counter()
    var application = Application(
        router: buildRouter(database: database, metrics: metrics, limits: limits),
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [ConnectionGuard(limits: limits, shedAbove: shedAbove, counter: counter)])),
        configuration: ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: "cfund",
            availableConnectionsDelegate: .maximum(acceptUpTo, logger: logger)),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: logger)
    application.addServices(client, AuditSealer(database: database, interval: sealEvery))
    if let replica { application.addServices(replica.client) }
    if let mail {
        application.addServices(
            MailSender(
                database: database, transport: mail.transport, from: mail.from, publicURL: mail.publicURL,
                interval: mail.interval))
    }
    return application
}

/// The OpenAPI document, shipped with the module so the server and the file never part ways.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\n" }
        return text
    }()
}

extension Problem {
    /// Any error as a problem; unexpected ones are logged at error level, since Hummingbird logs
    /// them only at debug.
    static func from(_ error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError:
            return Problem(error)
        case is NIOTooManyBytesError:
            return Problem(HTTPError(.contentTooLarge))
        case let error as FundError:
            let problem = Problem(error)
            if problem.status.code >= 500 { logger.error("request failed", metadata: ["error": "\(error)"]) }
            return problem
        default:
            logger.error("unexpected error", metadata: ["error": "\(error)"])
            return Problem(.database("\(error)"))
        }
    }
}

/// Every error leaves as `application/problem+json`.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Problem.from(error, logger: context.logger)
        }
    }
}
