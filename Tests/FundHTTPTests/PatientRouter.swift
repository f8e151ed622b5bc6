import FundHTTP
import FundStore

/// The server's router for tests of what it answers, not how fast: the suite runs tests side by
/// side with PostgreSQL restarts and a browser on two cores, where a request that waits for a lock
/// can take more than the production 10 seconds, and a 503 there would test the machine; so can
/// a 3 MB upload's body arrive later than 10 seconds, and a 408 there would too.
func patientRouter(_ database: Database) -> GuardedRouter {
    buildRouter(database: database, limits: ServerLimits(requestTimeout: .seconds(60), bodyTimeout: .seconds(60)))
}
