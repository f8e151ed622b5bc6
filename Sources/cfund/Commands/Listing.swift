import Foundation
import FundCore

/// A listing printed as an aligned table, JSON or CSV.
struct Listing {
    var columns: [String]
    var rows: [[String]]
    /// One JSON object per row; built by the caller so amounts stay integer cents.
    var json: [[String: JSONValue]]

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: return Self.table(columns, rows)
        case .csv: return ([columns] + rows).map { CSV.line($0) }.joined()
        case .json: return JSONValue.array(json.map(JSONValue.object)).rendered + "\n"
        }
    }

    /// Left-aligned text, right-aligned numbers, two spaces between columns.
    static func table(_ columns: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "(none)\n" }
        let widths = columns.indices.map { index in
            ([columns[index]] + rows.map { $0[index] }).map(\.count).max() ?? 0
        }
        let numeric = columns.indices.map { index in
            rows.allSatisfy { row in
                let cell = row[index]
                return !cell.isEmpty
                    && cell.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" || $0 == " " || $0 == "," }
            }
        }
        func line(_ cells: [String]) -> String {
            cells.indices.map { index in
                let padding = String(repeating: " ", count: widths[index] - cells[index].count)
                return numeric[index] ? padding + cells[index] : cells[index] + padding
            }.joined(separator: "  ").trailingSpacesRemoved
        }
        return
            ([line(columns), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// A small JSON value with stable key order, so listings print the same bytes every time.
indirect enum JSONValue {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null
    /// Already-rendered JSON, such as an encoded scoring grid.
    case raw(String)
    case array([JSONValue])
    case object([String: JSONValue])

    var rendered: String {
        switch self {
        case .string(let text):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let data = try! encoder.encode(text)
            return String(decoding: data, as: UTF8.self)
        case .integer(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .raw(let json): return json
        case .array(let values): return "[" + values.map(\.rendered).joined(separator: ",") + "]"
        case .object(let fields):
            return "{"
                + fields.keys.sorted().map { JSONValue.string($0).rendered + ":" + fields[$0]!.rendered }
                .joined(separator: ",") + "}"
        }
    }
}

extension JSONValue {
    init(_ text: String?) { self = text.map(JSONValue.string) ?? .null }
    init(_ value: Int64?) { self = value.map(JSONValue.integer) ?? .null }
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
