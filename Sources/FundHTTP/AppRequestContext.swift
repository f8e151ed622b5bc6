import Hummingbird

/// The request context of every route.
public struct AppRequestContext: RequestContext {
    /// Submissions are text, not files: 64 KiB is plenty and keeps a flood of large bodies cheap.
    public static let bodyLimit = 64 * 1024

    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { Self.bodyLimit }
}
