import FundCore
import FundStore
import Hummingbird

/// Liveness (the process answers) and readiness (the database answers).
struct HealthController {
    let database: Database

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("healthz") { _, _ in "ok\n" }
        routes.get("readyz") { _, _ -> String in
            do {
                try await database.checkReachable(within: 2)
            } catch {
                throw Problem(.databaseUnavailable("\(error)"))
            }
            return "ready\n"
        }
        return routes
    }
}
