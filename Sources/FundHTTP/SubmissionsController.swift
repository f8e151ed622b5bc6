import Foundation
import FundCore
import FundStore
import HTTPTypes
import Hummingbird
import Metrics

/// Intake: applicants submit, read, amend and withdraw their own submissions.
struct SubmissionsController {
    let database: Database
    let calls: CallCache
    /// Submissions that arrive together are received in one transaction (Schema/0023).
    let batcher: IntakeBatcher
    /// The requests' tokens, looked up together under load.
    let tokens: TokenLookups

    static let accepted = Counter(label: "cfund_submissions_accepted_total")

    static func refused(_ problem: Problem) {
        Counter(label: "cfund_submissions_refused_total", dimensions: [("status", String(problem.status.code))])
            .increment()
    }

    var callRoutes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post(":callId/submissions", use: submit)
        return routes
    }

    var submissionRoutes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(":id", use: read)
        routes.put(":id", use: amend)
        routes.delete(":id", use: withdraw)
        routes.get(":id/attachments", use: listAttachments)
        return routes
    }

    var attachmentRoutes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post(use: upload)
        routes.get(":attachmentId", use: download)
        return routes
    }

    struct AttachmentList: ResponseEncodable {
        let attachments: [SubmissionResource.Attachment]
    }

    /// A file, streamed into PostgreSQL as it arrives; its kind is `?kind=`, its name the
    /// `Content-Disposition` filename (or `?name=`). It becomes part of a submission when a POST or
    /// PUT of the submission lists its id in `attachments`.
    @Sendable func upload(request: Request, context: AppRequestContext) async throws -> Response {
        do {
            let applicant = try await tokens.applicant(for: request)
            let kind = try AttachmentKind(parsing: request.uri.queryParameters.get("kind").map { String($0) } ?? "")
            let name =
                request.headers[.contentDisposition].flatMap { MultipartUpload.parameter("filename", in: $0) }
                ?? request.uri.queryParameters.get("name").map { String($0) } ?? ""
            let stored = try await AttachmentRepository(database).store(
                organisationId: applicant.organisation.id, kind: kind, fileName: name,
                maxBytes: ServerLimits().uploadLimit, uploadedBy: applicant.actor, bytes: request.body)
            return try SubmissionResource.Attachment(stored).response(
                status: .created, location: "/v1/attachments/\(stored.id)", request: request, context: context)
        } catch {
            // The rest of a refused file is not read: the connection cannot carry another request.
            var problem = Problem.from(error, logger: context.logger)
            problem.headers[.connection] = "close"
            throw problem
        }
    }

    @Sendable func download(request: Request, context: AppRequestContext) async throws -> Response {
        let applicant = try await tokens.applicant(for: request)
        let files = AttachmentRepository(database)
        let file = try await files.find(
            try context.identifier("attachmentId", kind: "attachment"), organisationId: applicant.organisation.id)
        return try await Response.file(file, from: files)
    }

    @Sendable func listAttachments(request: Request, context: AppRequestContext) async throws -> AttachmentList {
        let applicant = try await tokens.applicant(for: request)
        let submission = try await SubmissionRepository(database).find(
            try context.identifier("id", kind: "submission"), organisationId: applicant.organisation.id)
        return AttachmentList(attachments: submission.attachments.map(SubmissionResource.Attachment.init))
    }

    @Sendable func submit(request: Request, context: AppRequestContext) async throws -> Response {
        do {
            let applicant = try await tokens.applicant(for: request)
            let callId = try context.identifier("callId", kind: "call")
            let call = try await calls.call(callId, database: database)
            let body = SubmissionBody.content(of: try await Self.json(of: request, context: context))
            let (submission, replayed) = try await Intake(database).submit(
                call: call, organisation: applicant.organisation, content: body.content, typingIssues: body.issues,
                attachmentIds: body.attachments ?? [], idempotencyKey: try Self.idempotencyKey(request),
                actor: applicant.actor, arrival: context.arrival, batcher: batcher)
            if !replayed { Self.accepted.increment() }
            return try SubmissionResource(submission).response(
                status: replayed ? .ok : .created, location: "/v1/submissions/\(submission.id)", request: request,
                context: context)
        } catch {
            let problem = Problem.from(error, logger: context.logger)
            Self.refused(problem)
            throw problem
        }
    }

    @Sendable func read(request: Request, context: AppRequestContext) async throws -> SubmissionResource {
        let applicant = try await tokens.applicant(for: request)
        let id = try context.identifier("id", kind: "submission")
        return SubmissionResource(
            try await SubmissionRepository(database).find(id, organisationId: applicant.organisation.id))
    }

    @Sendable func amend(request: Request, context: AppRequestContext) async throws -> SubmissionResource {
        let applicant = try await tokens.applicant(for: request)
        let id = try context.identifier("id", kind: "submission")
        let current = try await SubmissionRepository(database).find(id, organisationId: applicant.organisation.id)
        let call = try await calls.call(current.callId, database: database)
        let body = SubmissionBody.content(of: try await Self.json(of: request, context: context))
        return SubmissionResource(
            try await Intake(database).amend(
                current, call: call, content: body.content, typingIssues: body.issues,
                attachmentIds: body.attachments, actor: applicant.actor, arrival: context.arrival))
    }

    @Sendable func withdraw(request: Request, context: AppRequestContext) async throws -> SubmissionResource {
        let applicant = try await tokens.applicant(for: request)
        let id = try context.identifier("id", kind: "submission")
        return SubmissionResource(
            try await SubmissionRepository(database).withdraw(
                id, organisationId: applicant.organisation.id, actor: applicant.actor, arrival: context.arrival))
    }

    /// The body as a JSON object: 415 unless JSON, 413 over the limit, 400 when not an object.
    static func json(of request: Request, context: AppRequestContext) async throws -> [String: Any] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
        else {
            throw Problem(
                status: .unsupportedMediaType, type: "unsupported-media-type", title: "Send JSON",
                detail: "The body must be JSON, sent with `Content-Type: application/json`.")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try SubmissionBody.object(Data(buffer: buffer))
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[Self.idempotencyKeyHeader] else { return nil }
        switch TextRule.idempotencyKey.check(key) {
        case .success(let clean): return clean
        case .failure(let issue): throw FundError.validation([issue])
        }
    }
}

extension AppRequestContext {
    /// A positive integer path parameter; anything else is a 404 for that kind of thing.
    func identifier(_ name: String, kind: String) throws -> Int64 {
        guard let text = parameters.get(name), let id = Int64(text), id > 0 else {
            throw FundError.notFound(kind: kind, reference: parameters.get(name) ?? "")
        }
        return id
    }
}

extension ResponseEncodable {
    func response(
        status: HTTPResponse.Status, location: String, request: Request, context: AppRequestContext
    ) throws -> Response {
        var response = try self.response(from: request, context: context)
        response.status = status
        response.headers[.location] = location
        return response
    }
}
