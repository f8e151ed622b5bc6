import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Progress of long work on a terminal: one line on stderr, rewritten in place, with the count,
/// the total and the time elapsed, cleared when the work ends. Silent when stderr is not a
/// terminal (a pipe, a file, CI) or when the caller says so (JSON output), so nothing extra
/// ever reaches a script. One task uses a line at a time.
final class ProgressLine: @unchecked Sendable {
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
        count += step
        draw()
    }

    func setTotal(_ total: Int) {
        self.total = total
        draw()
    }

    /// Clears the line, so what the command prints next starts on a clean line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// At most ten times a second: redrawing costs more than the work of one row.
    private func draw() {
        guard enabled else { return }
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
