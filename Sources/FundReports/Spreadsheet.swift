import Foundation
import FundCore
import ZIPFoundation

/// A workbook as finance opens it in a spreadsheet program: real numbers with a euro format, real
/// dates, a bold header row that stays in view (frozen pane). Written as Office Open XML
/// (SpreadsheetML) in a ZIP archive by ZIPFoundation; only what these reports need: inline
/// strings, no formulas, so a title such as `=HYPERLINK(...)` stays text.
public struct Spreadsheet: Sendable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case money(Money)
        case date(CalendarDay)
        case integer(Int64)
        case empty
    }

    public struct Sheet: Sendable {
        public let name: String
        public let header: [String]
        public var rows: [[Cell]]
        /// Column widths in characters, one per header column.
        public let widths: [Int]

        public init(name: String, header: [String], widths: [Int]? = nil, rows: [[Cell]] = []) {
            self.name = name
            self.header = header
            self.rows = rows
            self.widths = widths ?? header.map { max(10, $0.count + 2) }
        }
    }

    public var sheets: [Sheet]

    public init(sheets: [Sheet]) {
        self.sheets = sheets
    }

    /// Writes the workbook to `url`, replacing any file there.
    public func write(to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        let indices = sheets.indices.map { $0 + 1 }
        try add(
            "[Content_Types].xml",
            Self.xml
                + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
                + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
                + #"<Default Extension="xml" ContentType="application/xml"/>"#
                + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
                + indices.map {
                    #"<Override PartName="/xl/worksheets/sheet\#($0).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
                }.joined() + "</Types>")
        try add(
            "_rels/.rels",
            Self.xml + #"<Relationships xmlns="\#(Self.relationships)">"#
                + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
                + "</Relationships>")
        try add(
            "xl/workbook.xml",
            Self.xml
                + #"<workbook xmlns="\#(Self.main)" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
                + zip(indices, sheets).map {
                    #"<sheet name="\#(Self.escaped(String($1.name.prefix(31))))" sheetId="\#($0)" r:id="rId\#($0)"/>"#
                }.joined() + "</sheets></workbook>")
        try add(
            "xl/_rels/workbook.xml.rels",
            Self.xml + #"<Relationships xmlns="\#(Self.relationships)">"#
                + indices.map {
                    #"<Relationship Id="rId\#($0)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#($0).xml"/>"#
                }.joined()
                + #"<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
                + "</Relationships>")
        try add("xl/styles.xml", Self.styles)
        for (index, sheet) in zip(indices, sheets) { try add("xl/worksheets/sheet\(index).xml", Self.worksheet(sheet)) }
    }

    static let xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/package/2006/relationships"

    /// Styles by index: 0 plain, 1 bold header, 2 euros (`# ##0,00 €` in a French spreadsheet), 3 dates.
    static let styles =
        xml + #"<styleSheet xmlns="\#(main)">"#
        + ##"<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00\ &quot;€&quot;"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>"##
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#

    static func worksheet(_ sheet: Sheet) -> String {
        var text = xml + #"<worksheet xmlns="\#(main)">"#
        text +=
            #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>"#
        text += "<cols>"
        for (index, width) in sheet.widths.enumerated() {
            text += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"/>"#
        }
        text += "</cols><sheetData>"
        let rows = [sheet.header.map(Cell.text)] + sheet.rows
        for (rowIndex, row) in rows.enumerated() {
            let number = rowIndex + 1
            text += #"<row r="\#(number)">"#
            for (columnIndex, cell) in row.enumerated() {
                let reference = column(columnIndex) + String(number)
                let header = rowIndex == 0 ? #" s="1""# : ""
                switch cell {
                case .text(let value):
                    text +=
                        #"<c r="\#(reference)" t="inlineStr"\#(header)><is><t xml:space="preserve">\#(escaped(value))</t></is></c>"#
                case .money(let amount):
                    text += #"<c r="\#(reference)" s="2"><v>\#(amount.plain)</v></c>"#
                case .date(let day):
                    text += #"<c r="\#(reference)" s="3"><v>\#(serial(day))</v></c>"#
                case .integer(let value):
                    text += #"<c r="\#(reference)"><v>\#(value)</v></c>"#
                case .empty:
                    continue
                }
            }
            text += "</row>"
        }
        return text + "</sheetData></worksheet>"
    }

    /// "A", "B", ... "Z", "AA" for a column index from 0.
    static func column(_ index: Int) -> String {
        var index = index
        var name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    /// The day as spreadsheets count them: days since 30 December 1899.
    static func serial(_ day: CalendarDay) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let origin = calendar.date(from: DateComponents(year: 1899, month: 12, day: 30))!
        let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
        return calendar.dateComponents([.day], from: origin, to: date).day!
    }

    /// Text as XML carries it; characters XML 1.0 cannot hold at all are dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
