import Foundation
import FundCore
import FundStore
import HTTPTypes
import Hummingbird

extension Response {
    /// A stored file, streamed as PostgreSQL sends its chunks, to be saved rather than opened here.
    static func file(_ file: AttachmentSummary, from files: AttachmentRepository) async throws -> Response {
        let ascii = file.fileName.unicodeScalars.map {
            $0.isASCII && $0 != "\"" && $0.value >= 0x20 ? Character($0) : "_"
        }
        let encoded = file.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        return Response(
            status: .ok,
            headers: [
                .contentType: file.type.rawValue, .contentLength: String(file.size),
                .contentDisposition: "attachment; filename=\"\(String(ascii))\"; filename*=UTF-8''\(encoded)",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", .cacheControl: "private, no-store",
            ],
            body: ResponseBody { writer in
                for try await chunk in try await files.chunks(file.id) { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }
}
