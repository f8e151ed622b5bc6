import Foundation
import FundCore
import Hummingbird

/// An RFC 9457 problem: every error the API answers is one of these, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String
    /// For 422: one entry per bad field.
    public let errors: [FieldIssue]?
    /// For 405: the methods the path accepts, sent as the `Allow` header.
    public let allow: String?

    public init(
        status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldIssue]? = nil,
        allow: String? = nil
    ) {
        self.status = status
        self.type = "https://cfund.frenchtech.example/problems/\(type)"
        self.title = title
        self.detail = detail
        self.errors = errors
        self.allow = allow
    }

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let errors: [FieldIssue]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail, errors: errors)
        let json = try JSONEncoder.sorted.encode(body)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: json)))
    }

    /// The problem a domain error stands for.
    public init(_ error: FundError) {
        switch error {
        case .validation(let issues):
            self.init(
                status: .unprocessableContent, type: "validation", title: "Some fields are not valid",
                detail: error.description, errors: issues)
        case .conflict(let issues):
            self.init(
                status: .conflict, type: "conflict", title: "Conflict with what is stored", detail: error.description,
                errors: issues)
        case .invalidAmount, .invalidDate, .invalidInstant, .unknownTimeZone, .importRejected:
            self.init(
                status: .unprocessableContent, type: "validation", title: "Invalid value", detail: error.description)
        case .notEligible:
            self.init(status: .forbidden, type: "not-eligible", title: "Not eligible", detail: error.description)
        case .callNotOpen:
            self.init(
                status: .conflict, type: "call-not-open", title: "The call is not open", detail: error.description)
        case .idempotencyConflict:
            self.init(
                status: .conflict, type: "idempotency-conflict", title: "Idempotency-Key reused",
                detail: error.description)
        case .reviewFinal:
            self.init(status: .conflict, type: "review-final", title: "The review is final", detail: error.description)
        case .assignmentImpossible:
            self.init(status: .conflict, type: "conflict", title: "Conflict", detail: error.description)
        case .submissionNotChangeable:
            self.init(
                status: .conflict, type: "submission-not-changeable", title: "Submission cannot change",
                detail: error.description)
        case .unauthorized:
            self.init(status: .unauthorized, type: "unauthorized", title: "Unauthorized", detail: error.description)
        case .notFound(let kind, let reference):
            self.init(status: .notFound, type: "not-found", title: "Not found", detail: "No \(kind) \(reference) here.")
        case .duplicate, .invalidTransition, .frozen, .budgetExceeded:
            self.init(status: .conflict, type: "conflict", title: "Conflict", detail: error.description)
        case .databaseUnavailable:
            self.init(
                status: .serviceUnavailable, type: "database-unavailable", title: "Database unavailable",
                detail: "The database is unavailable; nothing was recorded. Retry later with the same Idempotency-Key.")
        case .database, .migrationChanged, .migrationFailed, .cluster, .auditBroken:
            self.init(
                status: .internalServerError, type: "internal", title: "Internal error",
                detail: "The server failed; the error is logged.")
        }
    }

    /// Hummingbird's own errors (unknown route, body too large) in the same shape.
    init(_ error: HTTPError) {
        switch error.status {
        case .contentTooLarge:
            self.init(
                status: .contentTooLarge, type: "too-large", title: "Body too large",
                detail: "The request body is over \(AppRequestContext.bodyLimit / 1024) KiB.")
        case .notFound:
            self.init(status: .notFound, type: "not-found", title: "Not found", detail: "No such route.")
        default:
            self.init(
                status: error.status, type: "http", title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase)
        }
    }
}
