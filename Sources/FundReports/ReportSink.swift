/// Where a report's text goes as it is made: a file or standard output for the CLI, a buffer
/// for a download from the web. The same writer fills both, so they are the same file.
public protocol ReportSink: AnyObject {
    func write(_ text: String)
}

/// A report kept in memory, for a download.
public final class TextSink: ReportSink {
    public private(set) var text = ""

    public init() {}

    public func write(_ text: String) { self.text += text }
}
