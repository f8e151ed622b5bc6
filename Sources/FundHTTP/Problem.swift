import Foundation
import FundCore
import Hummingbird

/// An RFC 9457 problem: every error the API answers is one of these, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: String] = [
            "type": type, "title": title, "status": String(status.code), "detail": detail,
        ]
        var json = try JSONEncoder.sorted.encode(body)
        // `status` is a number in RFC 9457; the dictionary above keeps every field a string.
        json = Data(
            String(decoding: json, as: UTF8.self)
                .replacingOccurrences(of: "\"status\":\"\(status.code)\"", with: "\"status\":\(status.code)").utf8)
        return Response(
            status: status, headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(data: json)))
    }

    static func databaseUnavailable(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "https://cfund.example/problems/database-unavailable",
            title: "Database unavailable", detail: detail)
    }
}
