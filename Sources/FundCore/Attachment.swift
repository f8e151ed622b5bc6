/// What a file attached to a submission is for; a call says which it requires.
public enum AttachmentKind: String, CaseIterable, Sendable, Codable {
    case description
    case budget
    case statutes
    case other

    public init(parsing input: String) throws(FundError) {
        guard let kind = AttachmentKind(rawValue: input.trimmingWhitespace().lowercased()) else {
            throw .validation([
                FieldIssue(
                    field: "kind",
                    reason: "\"\(input)\" is not a kind of file; use "
                        + Self.allCases.map(\.rawValue).joined(separator: ", "))
            ])
        }
        self = kind
    }
}

/// The kinds of file the fund accepts, known by their content, never by their name: a file named
/// budget.pdf that is not a PDF is refused.
public enum FileType: String, CaseIterable, Sendable, Codable {
    case pdf = "application/pdf"
    case odt = "application/vnd.oasis.opendocument.text"
    case ods = "application/vnd.oasis.opendocument.spreadsheet"
    case docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    case xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    case png = "image/png"
    case jpeg = "image/jpeg"

    /// How many first bytes `sniff` may need.
    public static let sniffLength = 64 * 1024

    public var label: String {
        switch self {
        case .pdf: return "PDF"
        case .odt: return "ODT"
        case .ods: return "ODS"
        case .docx: return "DOCX"
        case .xlsx: return "XLSX"
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        }
    }

    /// What the first bytes of a file say it is (up to `sniffLength` of them, all of a smaller
    /// file); nil for anything else.
    public static func sniff(_ bytes: [UInt8]) -> FileType? {
        func starts(_ signature: [UInt8]) -> Bool { bytes.starts(with: signature) }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        guard starts([0x50, 0x4B, 0x03, 0x04]) else { return nil }
        return zipped(bytes)
    }

    /// OpenDocument files open with an uncompressed `mimetype` entry naming their type; Office
    /// Open XML files hold `word/` or `xl/` entries.
    static func zipped(_ bytes: [UInt8]) -> FileType? {
        func little(_ offset: Int, _ count: Int) -> Int? {
            guard offset + count <= bytes.count else { return nil }
            return (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        var offset = 0
        var names: [String] = []
        while offset + 30 <= bytes.count, bytes[offset..<offset + 4].elementsEqual([0x50, 0x4B, 0x03, 0x04]) {
            guard let flags = little(offset + 6, 2), let stored = little(offset + 18, 4),
                let nameLength = little(offset + 26, 2), let extraLength = little(offset + 28, 2),
                offset + 30 + nameLength <= bytes.count
            else { break }
            let name = String(decoding: bytes[offset + 30..<offset + 30 + nameLength], as: UTF8.self)
            let content = offset + 30 + nameLength + extraLength
            if names.isEmpty, name == "mimetype", content + stored <= bytes.count {
                switch String(decoding: bytes[content..<content + stored], as: UTF8.self) {
                case FileType.odt.rawValue: return .odt
                case FileType.ods.rawValue: return .ods
                default: return nil
                }
            }
            names.append(name)
            if name.hasPrefix("word/") { return .docx }
            if name.hasPrefix("xl/") { return .xlsx }
            // A size written after the data (flag bit 3) cannot be skipped; look for the names.
            guard flags & 0x08 == 0 else { break }
            offset = content + stored
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if names.contains("[Content_Types].xml") || text.contains("[Content_Types].xml") {
            if text.contains("word/document.xml") { return .docx }
            if text.contains("xl/workbook.xml") { return .xlsx }
        }
        return nil
    }
}

/// A stored file as a submission or a draft lists it.
public struct AttachmentSummary: Sendable, Hashable {
    public let id: Int64
    public let kind: AttachmentKind
    public let fileName: String
    public let type: FileType
    public let size: Int64
    public let sha256: String

    public init(id: Int64, kind: AttachmentKind, fileName: String, type: FileType, size: Int64, sha256: String) {
        self.id = id
        self.kind = kind
        self.fileName = fileName
        self.type = type
        self.size = size
        self.sha256 = sha256
    }

    /// The line a receipt covers for this file.
    public var receiptLine: String { "attachment=\(kind.rawValue) \(sha256) \(size) \(fileName)" }
}

/// What a call asks of a submission's files.
public struct AttachmentRules: Sendable, Hashable, Codable {
    public var required: [AttachmentKind]
    public var maxFileBytes: Int64
    public var maxSubmissionBytes: Int64

    public static let defaultMaxFileBytes: Int64 = 10 * 1024 * 1024
    public static let defaultMaxSubmissionBytes: Int64 = 25 * 1024 * 1024

    public init(
        required: [AttachmentKind] = [], maxFileBytes: Int64 = defaultMaxFileBytes,
        maxSubmissionBytes: Int64 = defaultMaxSubmissionBytes
    ) {
        self.required = required
        self.maxFileBytes = maxFileBytes
        self.maxSubmissionBytes = maxSubmissionBytes
    }

    /// What is wrong with a submission's files: a required kind missing, the whole too large.
    public func issues(_ files: [AttachmentSummary]) -> [FieldIssue] {
        var issues = required.filter { kind in !files.contains { $0.kind == kind } }.map { kind in
            FieldIssue(
                field: "attachments.\(kind.rawValue)",
                Message("attachment.missing", ["kind": .keys(["attachment.\(kind.rawValue)"])]))
        }
        for file in files where file.size > maxFileBytes {
            issues.append(
                FieldIssue(
                    field: "attachments.\(file.id)", Message("attachment.tooLarge", ["max": .bytes(maxFileBytes)])))
        }
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        if total > maxSubmissionBytes {
            issues.append(
                FieldIssue(
                    field: "attachments",
                    Message("attachment.total", ["total": .bytes(total), "max": .bytes(maxSubmissionBytes)])))
        }
        return issues
    }
}
