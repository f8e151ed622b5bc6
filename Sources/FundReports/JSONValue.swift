import Foundation

/// A small JSON value with stable key order, so listings print the same bytes every time.
public indirect enum JSONValue {
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null
    /// Already-rendered JSON, such as an encoded scoring grid.
    case raw(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var rendered: String {
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
    public init(_ text: String?) { self = text.map(JSONValue.string) ?? .null }
    public init(_ value: Int64?) { self = value.map(JSONValue.integer) ?? .null }
}
