import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal the command prints to, if any.
enum Terminal {
    /// Columns to fit tables in: `COLUMNS` when set (as shells export it), else the terminal's
    /// own width; nil on a pipe or a file, where lines stay whole for other programs to read.
    static var width: Int? {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
