import Foundation
import FundCore
import Hummingbird

/// An RFC 9457 problem: every error the API answers is one of these, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String
    /// For 409 and 422: one entry per field, at most `listedIssues` of them.
    public let errors: [FieldIssue]?
    /// Sent with the body: `Allow` for 405, `WWW-Authenticate` for 401, `Retry-After` for 503.
    public var headers: HTTPFields

    /// A request with thousands of bad values gets the first ones and a count, not a reply larger
    /// than itself.
    public static let listedIssues = 20

    public init(
        status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldIssue]? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = "https://cfund.frenchtech.example/problems/\(type)"
        self.title = title
        self.detail = detail
        self.errors = errors.map { Array($0.prefix(Self.listedIssues)) }
        self.headers = headers
    }

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let errors: [FieldIssue]?
    }

    /// The JSON body.
    public var body: ByteBuffer {
        let body = Body(type: type, title: title, status: status.code, detail: detail, errors: errors)
        return ByteBuffer(data: (try? JSONEncoder.sorted.encode(body)) ?? Data("{}".utf8))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The problem a domain error stands for.
    public init(_ error: FundError) {
        switch error {
        case .validation(let issues):
            self.init(
                status: .unprocessableContent, type: "validation", title: "Some fields are not valid",
                detail: Self.summary(issues), errors: issues)
        case .conflict(let issues):
            self.init(
                status: .conflict, type: "conflict", title: "Conflict with what is stored",
                detail: Self.summary(issues), errors: issues)
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
        case .reviewsDue:
            self.init(status: .conflict, type: "reviews-due", title: "Reviews were due", detail: error.description)
        case .assignmentImpossible:
            self.init(status: .conflict, type: "conflict", title: "Conflict", detail: error.description)
        case .submissionNotChangeable:
            self.init(
                status: .conflict, type: "submission-not-changeable", title: "Submission cannot change",
                detail: error.description)
        case .unauthorized:
            self.init(
                status: .unauthorized, type: "unauthorized", title: "Unauthorized", detail: error.description,
                headers: [.wwwAuthenticate: "Bearer realm=\"cfund\""])
        case .notFound(let kind, let reference):
            self.init(status: .notFound, type: "not-found", title: "Not found", detail: "No \(kind) \(reference) here.")
        case .duplicate, .invalidTransition, .frozen, .budgetExceeded:
            self.init(status: .conflict, type: "conflict", title: "Conflict", detail: error.description)
        case .tooManyRequests(let seconds):
            self.init(
                status: .tooManyRequests, type: "too-many-requests", title: "Too many requests",
                detail: error.description, headers: [.retryAfter: "\(seconds)"])
        case .databaseUnavailable:
            self.init(
                status: .serviceUnavailable, type: "database-unavailable", title: "Database unavailable",
                detail: "The database is unavailable or did not answer in time. Retry shortly: a POST with the same "
                    + "Idempotency-Key returns the submission if it was recorded and records it if not; read a "
                    + "submission before amending it again.",
                headers: [.retryAfter: "2"])
        case .database, .migrationChanged, .migrationFailed, .cluster, .auditBroken:
            self.init(
                status: .internalServerError, type: "internal", title: "Internal error",
                detail: "The server failed; the error is logged.")
        }
    }

    /// The issues as one sentence, the first `listedIssues` of them and how many more.
    static func summary(_ issues: [FieldIssue]) -> String {
        let listed = issues.prefix(listedIssues).map { "\($0.field): \($0.reason)" }.joined(separator: "; ")
        let more = issues.count - listedIssues
        return listed + (more > 0 ? "; and \(more) more of the same kind" : "") + "."
    }

    /// Hummingbird's own errors (unknown route, body too large) in the same shape.
    init(_ error: HTTPError) {
        switch error.status {
        case .contentTooLarge:
            self.init(
                status: .contentTooLarge, type: "too-large", title: "Body too large",
                detail: "The request body is over the server's limit; send less (see /openapi.yaml).")
        case .notFound:
            self.init(status: .notFound, type: "not-found", title: "Not found", detail: "No such route.")
        default:
            self.init(
                status: error.status, type: "http", title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase)
        }
    }
}
