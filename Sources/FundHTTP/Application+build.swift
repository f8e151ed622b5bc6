import FundCore
import FundStore
import Hummingbird
import Logging
import PostgresNIO

/// The routes of the API, on a database whose pool is running.
public func buildRouter(database: Database) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.addRoutes(HealthController(database: database).endpoints)
    router.addRoutes(CallsController(database: database).endpoints, atPath: "v1/calls")
    return router
}

/// The server: the router plus the PostgreSQL pool, run together in one service group so that
/// SIGTERM drains requests before the pool closes.
///
/// Configuration keys: `host` and `port` (where to listen).
public func buildApplication(
    client: PostgresClient, configuration: DatabaseConfiguration, host: String, port: Int, logger: Logger
) -> some ApplicationProtocol {
    let database = Database(client: client, configuration: configuration, logger: logger)
    var application = Application(
        router: buildRouter(database: database),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cfund"),
        logger: logger)
    application.addServices(client)
    return application
}

/// Turns domain errors into problems and logs every unexpected error at error level (Hummingbird
/// itself only logs them at debug).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as FundError {
            if case .database(let message) = error {
                context.logger.error("database error", metadata: ["error": "\(message)"])
                throw Problem.databaseUnavailable(message)
            }
            throw Problem(
                status: .unprocessableContent, type: "https://cfund.example/problems/invalid",
                title: "Invalid request", detail: error.description)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            throw Problem(
                status: .internalServerError, type: "https://cfund.example/problems/internal",
                title: "Internal error", detail: "The server failed; the error is logged.")
        }
    }
}
