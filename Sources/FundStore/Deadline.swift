import Foundation
import FundCore

/// Runs work against a deadline that holds even when the work never returns.
///
/// A task group cannot do this: leaving its scope waits for every child, so a timeout in a group
/// waits for the very operation it gave up on. PostgresNIO 1.33 can leave a query waiting forever
/// when its connection closes between the lease and the write (the write's promise is dropped),
/// which is how requests hung for minutes while PostgreSQL restarted. Here the work runs in its
/// own task; the caller resumes at the deadline and the task is cancelled and left to finish (or
/// not) on its own.
public enum Deadline {
    /// The work's result, or nil when `duration` passed first.
    public static func run<T: Sendable>(
        within duration: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation)
                let worker = Task {
                    do { race.finish(.success(try await work())) } catch { race.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: duration)
                    if race.finish(.success(nil)) { worker.cancel() }
                }
                race.onFinish {
                    timer.cancel()
                    worker.cancel()
                }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// `work` against the database, refused as unavailable when it does not answer within 10
    /// seconds (the request's own deadline), for work that must not hang a caller that holds
    /// something the server must give back (an upload's connection).
    public static func database<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let result = try await run(within: .seconds(10), work) else {
            throw FundError.databaseUnavailable("The database did not answer within 10 seconds; send it again.")
        }
        return result
    }

    /// The first of the work, the timer and the caller's cancellation to finish resumes the caller.
    private final class Race<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T?, any Error>?
        private var outcome: Result<T?, any Error>?
        private var cleanup: (@Sendable () -> Void)?

        func start(_ continuation: CheckedContinuation<T?, any Error>) {
            lock.lock()
            if let outcome {
                lock.unlock()
                continuation.resume(with: outcome)
                return
            }
            self.continuation = continuation
            lock.unlock()
        }

        func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
            lock.lock()
            if outcome != nil {
                lock.unlock()
                cleanup()
                return
            }
            self.cleanup = cleanup
            lock.unlock()
        }

        /// Resumes the caller unless something else did first; true when this call did.
        @discardableResult
        func finish(_ result: Result<T?, any Error>) -> Bool {
            lock.lock()
            guard outcome == nil else {
                lock.unlock()
                return false
            }
            outcome = result
            let continuation = self.continuation
            let cleanup = self.cleanup
            self.continuation = nil
            self.cleanup = nil
            lock.unlock()
            continuation?.resume(with: result)
            // Stops the timer, and the work when it lost (cancelling finished work does nothing).
            cleanup?()
            return true
        }
    }
}
