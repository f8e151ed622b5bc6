import Foundation

/// RFC 4180 CSV: reading with line numbers for error messages, and writing with quoting.
public enum CSV {
    /// A parsed record and the line of the file on which it starts.
    public struct Record: Equatable, Sendable {
        public let line: Int
        public let fields: [String]
    }

    /// Parses CSV text; a UTF-8 byte-order mark, CRLF or LF line ends and blank lines are accepted.
    public static func parse(_ text: String, separator: Character = ",") throws(FundError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var characters = Array(text)
        if characters.first == "\u{FEFF}" { characters.removeFirst() }
        var index = 0

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while index < characters.count {
            let character = characters[index]
            if inQuotes {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
            } else if character == "\"" {
                guard field.isEmpty else {
                    throw .importRejected([RowIssue(line: line, reason: "a quote appears inside an unquoted field")])
                }
                inQuotes = true
                fieldWasQuoted = true
            } else if character == separator {
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            } else if character == "\n" || character == "\r\n" || character == "\r" {
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.append(character)
            }
            index += 1
        }
        if inQuotes { throw .importRejected([RowIssue(line: recordLine, reason: "a quoted field is never closed")]) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }

    /// One CSV line, quoting fields that hold the separator, quotes or line breaks; ends with CRLF.
    public static func line(_ fields: [String], separator: Character = ",") -> String {
        var line = ""
        line.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 1 })
        // Byte by byte: no grapheme breaking, no Foundation substring search.
        let separatorByte = separator.asciiValue ?? UInt8(ascii: ",")
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(separator) }
            if field.utf8.contains(where: { $0 == separatorByte || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                line.append("\"")
                for character in field {
                    if character == "\"" { line.append("\"") }
                    line.append(character)
                }
                line.append("\"")
            } else {
                line += field
            }
        }
        line += "\r\n"
        return line
    }
}
