import Foundation
import FundCore
import FundReports

/// A listing printed as an aligned table, JSON or CSV.
struct Listing {
    var columns: [String]
    var rows: [[String]]
    /// One JSON object per row; built by the caller so amounts stay integer cents.
    var json: [[String: JSONValue]]

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: return Self.table(columns, rows, width: Terminal.width)
        case .csv: return ([columns] + rows).map { CSV.line($0) }.joined()
        case .json: return JSONValue.array(json.map(JSONValue.object)).rendered + "\n"
        }
    }

    /// Left-aligned text, right-aligned numbers, two spaces between columns. Given a `width` (a
    /// terminal's), the widest text columns are narrowed until the table fits and their cells
    /// wrap onto further lines at spaces.
    static func table(_ columns: [String], _ rows: [[String]], width: Int? = nil) -> String {
        guard !rows.isEmpty else { return "(none)\n" }
        var widths = columns.indices.map { index in
            ([columns[index]] + rows.map { $0[index] }).map(\.count).max() ?? 0
        }
        let numeric = columns.indices.map { index in
            rows.allSatisfy { row in
                let cell = row[index]
                return !cell.isEmpty
                    && cell.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" || $0 == " " || $0 == "," }
            }
        }
        if let width {
            // Text narrows to 8 characters, numbers to their longest value; headers wrap as well.
            let narrowest = columns.indices.map { index in
                numeric[index] ? max(4, rows.map { $0[index].count }.max() ?? 0) : 8
            }
            while widths.reduce(2 * (widths.count - 1), +) > width {
                let candidates = widths.indices.filter { widths[$0] > narrowest[$0] }
                guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
            }
        }
        func lines(_ cells: [String]) -> [String] {
            let wrapped = cells.indices.map { wrap(cells[$0], to: widths[$0]) }
            let height = wrapped.map(\.count).max() ?? 1
            return (0..<height).map { lineIndex in
                cells.indices.map { index in
                    let cell = lineIndex < wrapped[index].count ? wrapped[index][lineIndex] : ""
                    let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                    return numeric[index] ? padding + cell : cell + padding
                }.joined(separator: "  ").trailingSpacesRemoved
            }
        }
        return
            (lines(columns) + [widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.flatMap(lines)).joined(separator: "\n") + "\n"
    }

    /// `text` in lines of at most `width` characters, broken at spaces where it can be.
    static func wrap(_ text: String, to width: Int) -> [String] {
        guard text.count > width, width > 0 else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var word = Substring(word)
            while word.count > width {
                if !line.isEmpty {
                    lines.append(line)
                    line = ""
                }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        lines.append(line)
        return lines
    }
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
