import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Progress of long work on a terminal: one line on stderr, rewritten in place, with the count,
/// the total and the time elapsed, cleared when the work ends. Silent when stderr is not a
/// terminal (a pipe, a file, CI) or when the caller says so (JSON output), so nothing extra
/// ever reaches a script. A lock guards the count, so a ticker task can redraw it too.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private var total: Int?
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var count = 0

    static var terminal: Bool { isatty(STDERR_FILENO) == 1 }

    init(_ label: String, total: Int? = nil, enabled: Bool = true) {
        self.label = label
        self.total = total
        self.enabled = enabled && Self.terminal
        draw()
    }

    func advance(by step: Int = 1) {
        lock.withLock { count += step }
        draw()
    }

    /// Shows `label` with the time elapsed while `body` runs, for work done in one piece (an
    /// all-or-nothing import, an assignment): the clock keeps moving, so it does not look stuck.
    static func during<T: Sendable>(
        _ label: String, enabled: Bool = true, _ body: () async throws -> T
    ) async throws -> T {
        let line = ProgressLine(label, enabled: enabled)
        guard line.enabled else { return try await body() }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                line.draw()
            }
        }
        defer {
            ticker.cancel()
            line.finish()
        }
        return try await body()
    }

    /// Clears the line, so what the command prints next starts on a clean line.
    func finish() {
        guard enabled else { return }
        lock.withLock { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    /// At most ten times a second: redrawing costs more than the work of one row.
    private func draw() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100), count != total { return }
        lastDrawn = now
        let elapsed = (now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let counted = total.map { "\(count)/\($0)" } ?? (count > 0 ? "\(count)" : "")
        let text = "\r\u{1B}[2K\(label) \(counted) (\(String(format: "%.1f", seconds)) s)"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
