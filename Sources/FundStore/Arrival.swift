/// When the server had a request complete, on a monotonic clock. The deadline judges the moment
/// a request was received, not the moment its transaction began: the database takes its own
/// clock less how long the request then waited in the server (Schema/0007, which bounds the
/// wait at 10 seconds so nothing can be backdated further).
public struct Arrival: Sendable {
    public let instant: ContinuousClock.Instant

    /// Now, for a request complete at this moment (the CLI, tests).
    public init(at instant: ContinuousClock.Instant = .now) {
        self.instant = instant
    }

    /// How long the request has waited since it was complete, in whole milliseconds.
    public var waitedMilliseconds: Int32 {
        let waited = ContinuousClock.now - instant
        let milliseconds = waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, milliseconds))
    }
}
