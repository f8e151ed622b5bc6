import Metrics

/// Counters for what the server refused on its own, apart from the requests the routes answered
/// (`MetricsMiddleware` counts those by route and status).
enum ServerMetrics {
    /// Where a request ran out of time: the client's side (head, body) or the server's (response).
    enum Phase: String {
        case header
        case body
        case response
    }

    static let shed = Counter(label: "cfund_connections_shed_total")
    static let malformed = Counter(label: "cfund_malformed_requests_total")

    static func timedOut(_ phase: Phase) {
        Counter(label: "cfund_request_timeouts_total", dimensions: [("phase", phase.rawValue)]).increment()
    }
}
