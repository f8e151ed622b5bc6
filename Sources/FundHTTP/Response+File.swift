import Foundation
import FundCore
import FundStore
import HTTPTypes
import Hummingbird

extension Response {
    /// A stored file, streamed as PostgreSQL sends its chunks, to be saved rather than opened here;
    /// `inline`, shown by the browser in a sandbox where nothing in it can run or reach the site.
    static func file(_ file: AttachmentSummary, from files: AttachmentRepository, inline: Bool = false) async throws
        -> Response
    {
        let ascii = file.fileName.unicodeScalars.map {
            $0.isASCII && $0 != "\"" && $0.value >= 0x20 ? Character($0) : "_"
        }
        let encoded = file.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        var headers: HTTPFields = [
            .contentType: file.type.rawValue, .contentLength: String(file.size),
            .contentDisposition:
                "\(inline ? "inline" : "attachment"); filename=\"\(String(ascii))\"; filename*=UTF-8''\(encoded)",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", .cacheControl: "private, no-store",
        ]
        if inline {
            headers[HTTPField.Name("Content-Security-Policy")!] = "sandbox; default-src 'none'; img-src 'self'"
        }
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                for try await chunk in try await files.chunks(file.id) { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }
}
