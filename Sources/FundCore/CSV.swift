import Foundation

/// RFC 4180 CSV: reading with line numbers for error messages, and writing with quoting.
///
/// Every file cfund writes is opened by someone in a spreadsheet, which runs a cell starting with
/// `=`, `+`, `-` or `@` (or a tab or carriage return) as a formula: a project titled
/// `=HYPERLINK(...)` would become a live link in the finance team's file. Such text cells get a
/// leading `'`, as OWASP's guidance on CSV injection says; numbers (`-12.50`, `1 500,00`) stay
/// numbers. Reading strips that quote again, so a file cfund wrote reads back as it was.
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
            fields.append(restored(field))
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
                fields.append(restored(field))
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

    /// One CSV line, quoting fields that hold the separator, quotes or line breaks, text that a
    /// spreadsheet would run as a formula neutralised; ends with CRLF.
    public static func line(_ fields: [String], separator: Character = ",") -> String {
        var line = ""
        line.reserveCapacity(fields.reduce(2) { $0 + $1.utf8.count + 1 })
        // Byte by byte: no grapheme breaking, no Foundation substring search.
        let separatorByte = separator.asciiValue ?? UInt8(ascii: ",")
        for (index, cell) in fields.enumerated() {
            if index > 0 { line.append(separator) }
            let field = neutralised(cell)
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

    /// What a spreadsheet takes for a formula: these first characters.
    static let formulaStarts: Set<UInt8> = [
        UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D,
    ]

    /// `'` before text that would start a formula; numbers and everything else as they are.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.utf8.first, formulaStarts.contains(first), !isNumber(cell) else { return cell }
        return "'" + cell
    }

    /// The cell as written before `neutralised`.
    static func restored(_ cell: String) -> String {
        let bytes = cell.utf8
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "'"),
            formulaStarts.contains(bytes[bytes.index(after: bytes.startIndex)])
        else { return cell }
        return String(cell.dropFirst())
    }

    /// A signed decimal number as the reports print them: `-12.50`, `-1 500,00`, `+3`; spaces only
    /// between groups of three digits, so `+33 6 12 34 56 78` is text.
    static func isNumber(_ cell: String) -> Bool {
        var text = Substring(cell)
        if text.first == "-" || text.first == "+" { text = text.dropFirst() }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let decimalParts =
            parts.count == 2 ? parts : text.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
        if decimalParts.count == 2 && (decimalParts[1].isEmpty || !decimalParts[1].allSatisfy(\.isASCIIDigit)) {
            return false
        }
        let groups = decimalParts[0].split(omittingEmptySubsequences: false) { " \u{A0}\u{202F}".contains($0) }
        guard let first = groups.first, !first.isEmpty, first.allSatisfy(\.isASCIIDigit) else { return false }
        return groups.count == 1
            || (first.count <= 3 && groups.dropFirst().allSatisfy { $0.count == 3 && $0.allSatisfy(\.isASCIIDigit) })
    }
}
