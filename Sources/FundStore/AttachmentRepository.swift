import Crypto
import Foundation
import FundCore
import NIOCore
import PostgresNIO

/// Files of submissions and drafts, in PostgreSQL. A file is written chunk by chunk as it arrives
/// and read back the same way: none is ever held whole in memory. Its type is known from its
/// first bytes, never from its name; its SHA-256 is computed on the way in.
public struct AttachmentRepository: Sendable {
    /// The bytes of one row of `attachment_chunks`.
    public static let chunkSize = 256 * 1024

    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Stores a file as its bytes arrive. Refused (and nothing kept) when its content is not a
    /// type the fund accepts, when it is empty, or once it passes `maxBytes`. Each chunk is its own
    /// statement, so a slow upload holds no transaction open; a file never completed has no hash
    /// and is part of nothing.
    public func store<Bytes: AsyncSequence>(
        organisationId: Int64, kind: AttachmentKind, fileName: String, maxBytes: Int64, uploadedBy: String,
        bytes: Bytes
    ) async throws -> AttachmentSummary where Bytes.Element == ByteBuffer {
        let name = try TextRule(field: "file", length: 1...255).cleaned(Self.baseName(fileName))
        var iterator = bytes.makeAsyncIterator()
        // Enough of the file to know what it is.
        var pending = ByteBuffer()
        var finished = false
        while pending.readableBytes < FileType.sniffLength {
            guard var next = try await iterator.next() else {
                finished = true
                break
            }
            pending.writeBuffer(&next)
        }
        guard pending.readableBytes > 0 else {
            throw FundError.validation([FieldIssue(field: "file", Message("attachment.empty"))])
        }
        guard
            let type = FileType.sniff(
                pending.getBytes(at: pending.readerIndex, length: min(pending.readableBytes, FileType.sniffLength))
                    ?? [])
        else {
            throw FundError.validation([FieldIssue(field: "file", Message("attachment.type"))])
        }
        let tooLarge = FundError.validation([
            FieldIssue(field: "file", Message("attachment.tooLarge", ["max": .bytes(maxBytes)]))
        ])
        // Each statement is bounded: the caller holds a client's upload while it waits.
        let database = database
        let rows = try await Deadline.database {
            try await database.query(
                """
                INSERT INTO attachments (organisation_id, kind, file_name, media_type, uploaded_by)
                VALUES (\(organisationId), \(kind.rawValue), \(name), \(type.rawValue), \(uploadedBy))
                RETURNING id
                """)
        }
        guard let id = try rows.first?.decode(Int64.self) else {
            throw FundError.database("The file was not stored; send it again.")
        }
        do {
            var hasher = SHA256()
            var size: Int64 = 0
            var sequence: Int32 = 0
            func flush(_ chunk: ByteBuffer) async throws {
                hasher.update(data: chunk.readableBytesView)
                size += Int64(chunk.readableBytes)
                if size > maxBytes { throw tooLarge }
                let seq = sequence
                try await Deadline.database {
                    try await database.query(
                        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (\(id), \(seq), \(chunk))")
                }
                sequence += 1
            }
            while true {
                while pending.readableBytes >= Self.chunkSize {
                    try await flush(pending.readSlice(length: Self.chunkSize)!)
                }
                if finished { break }
                guard var next = try await iterator.next() else {
                    finished = true
                    continue
                }
                if size + Int64(pending.readableBytes + next.readableBytes) > maxBytes { throw tooLarge }
                pending.discardReadBytes()
                pending.writeBuffer(&next)
            }
            if pending.readableBytes > 0 { try await flush(pending) }
            let sha256 = Digest.hex(hasher.finalize())
            let total = size
            try await Deadline.database {
                try await database.query(
                    "UPDATE attachments SET size_bytes = \(total), sha256 = \(sha256) WHERE id = \(id)")
            }
            return AttachmentSummary(id: id, kind: kind, fileName: name, type: type, size: size, sha256: sha256)
        } catch {
            _ = try? await Deadline.database { try await database.query("DELETE FROM attachments WHERE id = \(id)") }
            throw error
        }
    }

    /// "budget.pdf" from "C:\\Users\\camille\\budget.pdf" (some browsers send the whole path).
    static func baseName(_ fileName: String) -> String {
        String(fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    /// An organisation's complete files among `ids`; any other id is refused (404).
    public func owned(_ ids: [Int64], organisationId: Int64) async throws -> [AttachmentSummary] {
        guard !ids.isEmpty else { return [] }
        let found = try await summaries(
            "a.id = ANY(\(ids)) AND a.organisation_id = \(organisationId) AND a.sha256 IS NOT NULL")
        if let missing = ids.first(where: { id in !found.contains { $0.id == id } }) {
            throw FundError.notFound(kind: "attachment", reference: String(missing))
        }
        return found
    }

    /// The files of a draft.
    public func forDraft(_ draftId: Int64) async throws -> [AttachmentSummary] {
        try await summaries(
            "a.id IN (SELECT attachment_id FROM draft_attachments WHERE draft_id = \(draftId)) AND a.sha256 IS NOT NULL"
        )
    }

    /// The files of a version of a submission.
    public func forSubmission(_ submissionId: Int64, version: Int) async throws -> [AttachmentSummary] {
        try await summaries(
            """
            a.id IN (SELECT attachment_id FROM submission_attachments
                     WHERE submission_id = \(submissionId) AND version = \(version))
            """)
    }

    public func addToDraft(_ draftId: Int64, attachmentId: Int64) async throws {
        try await database.query(
            """
            INSERT INTO draft_attachments (draft_id, attachment_id) VALUES (\(draftId), \(attachmentId))
            ON CONFLICT DO NOTHING
            """)
    }

    public func removeFromDraft(_ draftId: Int64, attachmentId: Int64) async throws {
        try await database.query(
            "DELETE FROM draft_attachments WHERE draft_id = \(draftId) AND attachment_id = \(attachmentId)")
    }

    /// Records that a version of a submission carries these files.
    func link(_ files: [AttachmentSummary], submissionId: Int64, version: Int) async throws {
        guard !files.isEmpty else { return }
        try await database.query(
            """
            INSERT INTO submission_attachments (submission_id, version, attachment_id)
            SELECT \(submissionId), \(version), unnest(\(files.map(\.id))::bigint[])
            """)
    }

    /// A file's description if `organisationId` may read it: its own, complete.
    public func find(_ id: Int64, organisationId: Int64) async throws -> AttachmentSummary {
        guard
            let found = try await summaries(
                "a.id = \(id) AND a.organisation_id = \(organisationId) AND a.sha256 IS NOT NULL"
            ).first
        else { throw FundError.notFound(kind: "attachment", reference: String(id)) }
        return found
    }

    /// A file's bytes, chunk by chunk, as PostgreSQL sends them.
    public func chunks(_ id: Int64) async throws -> some AsyncSequence<ByteBuffer, any Error> {
        try await database.send(
            "SELECT data FROM attachment_chunks WHERE attachment_id = \(id) ORDER BY seq", file: #fileID, line: #line
        ).map { row in try row.decode(ByteBuffer.self) }
    }

    private func summaries(_ condition: PostgresQuery) async throws -> [AttachmentSummary] {
        var query = condition
        query.sql = """
            SELECT a.id, a.kind, a.file_name, a.media_type, a.size_bytes, a.sha256 FROM attachments a
            WHERE \(query.sql) ORDER BY a.kind, a.id
            """
        return try await database.query(query).map { row in
            let (id, kind, name, type, size, sha256) = try row.decode(
                (Int64, String, String, String, Int64, String).self)
            return AttachmentSummary(
                id: id, kind: AttachmentKind(rawValue: kind) ?? .other, fileName: name,
                type: FileType(rawValue: type) ?? .pdf, size: size, sha256: sha256)
        }
    }
}
