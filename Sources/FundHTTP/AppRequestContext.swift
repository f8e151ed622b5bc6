import FundStore
import Hummingbird

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// When the request's body was complete (`GuardedResponder`); receipts are timed from it.
    public var arrival = Arrival()
    /// The address the request came from (the proxy's, behind one): what rate limits count.
    public let client: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The body is read whole, within the server's limit, before a route sees it.
    public var maxUploadSize: Int { ServerLimits().bodyLimit }
}
