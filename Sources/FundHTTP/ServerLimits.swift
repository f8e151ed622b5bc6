/// What the server promises about time and size, whatever a client or the database does.
///
/// Configuration keys (`cfund serve` options, documented in `Config/cfund.example.env`):
/// - `requestTimeout` (`--request-timeout`, 10 s): a request is answered within this time of its
///   body being complete; when the database does not answer by then, 503 (the change may or may
///   not have been recorded: a retry with the same Idempotency-Key records a submission once).
/// - `bodyTimeout` (`--body-timeout`, 10 s): the whole body must arrive within this time of the
///   head; a stalled upload gets 408 and the connection is closed.
/// - `headerTimeout` (`--header-timeout`, 10 s): a request's head must be complete within this
///   time of the connection opening, or of its first byte on a kept-alive connection; otherwise
///   408 and the connection is closed. Sockets opened and left silent go after this time.
/// - `idleTimeout` (`--idle-timeout`, 60 s): a kept-alive connection with no new request for this
///   long is closed.
/// - `maxConnections` (`--max-connections`, 1,000): past this many open connections, each new one
///   gets 503 with `Retry-After` and is closed, instead of starving the others; the server stops
///   accepting at all a little further, and always below its file-descriptor limit.
/// - `bodyLimit` (64 KiB): a larger body gets 413, at once when `Content-Length` says so.
public struct ServerLimits: Sendable {
    public var requestTimeout: Duration
    public var bodyTimeout: Duration
    public var headerTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int
    public var bodyLimit: Int
    /// The largest file upload (a call sets its own, lower, per file).
    public var uploadLimit: Int64 = 100 * 1_048_576

    public init(
        requestTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(10),
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), maxConnections: Int = 1_000,
        bodyLimit: Int = 64 * 1024
    ) {
        self.requestTimeout = requestTimeout
        self.bodyTimeout = bodyTimeout
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.bodyLimit = bodyLimit
    }

    /// Connections past `shedAbove` are told to come back (503); past `acceptUpTo` none is accepted
    /// until one closes. Both stay below `descriptors` less what the pool and the process need, so
    /// the server never runs out of file descriptors (where accepting would fail in a loop).
    public func connectionLimits(descriptors: Int, databaseConnections: Int) -> (shedAbove: Int, acceptUpTo: Int) {
        let acceptUpTo = min(maxConnections + 64, max(32, descriptors - databaseConnections - 64))
        return (min(maxConnections, acceptUpTo - 32), acceptUpTo)
    }
}
