import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the server's services until SIGTERM or SIGINT, then drains them: the server stops
/// accepting and finishes the requests in flight (each within its timeout), the audit events are
/// sealed, the pool closes.
///
/// A database that never answers can hold a pooled connection forever, and closing the pool
/// waits for it. So draining has `drain` to finish; after that the process exits anyway, with
/// status 0 since every request was answered and every change is committed or not at all. A
/// second signal exits at once.
public enum ServerRunner {
    public static func run(_ services: [any Service], drain: Duration, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) }, logger: logger))
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var received = 0
                for await signal in signals {
                    received += 1
                    if received > 1 {
                        logger.warning("second \(signal): exiting now")
                        exit(0)
                    }
                    logger.notice("\(signal): draining requests, at most \(drain)")
                    await group.triggerGracefulShutdown()
                    Task.detached {
                        try await Task.sleep(for: drain)
                        logger.error(
                            "shutdown did not finish within \(drain) (a database connection that never answered?); exiting"
                        )
                        exit(0)
                    }
                }
            }
            // The group ends after draining; the signal watcher never ends by itself.
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}
