import Foundation
import FundCore
import FundStore
import Hummingbird

/// Reviewers see and score only their own assignments; anyone else's is 404.
struct ReviewsController {
    let database: Database
    let calls: CallCache

    struct AssignmentResource: ResponseEncodable {
        struct Grid: Codable {
            let criteria: [Criterion]
            let overallThreshold: Double
        }

        let assignmentId: Int64
        let callId: Int64
        let submission: SubmissionResource
        let grid: Grid
        let scores: [String: Double]
        let comments: [String: String]
        let final: Bool
    }

    struct AssignmentList: ResponseEncodable {
        let assignments: [AssignmentResource]
    }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: list)
        routes.put(":assignmentId", use: score)
        return routes
    }

    @Sendable func list(request: Request, context: AppRequestContext) async throws -> AssignmentList {
        let (reviewerId, _) = try await reviewer(request)
        var resources: [AssignmentResource] = []
        for view in try await ReviewRepository(database).assignments(reviewerId: reviewerId) {
            resources.append(try await resource(view))
        }
        return AssignmentList(assignments: resources)
    }

    @Sendable func score(request: Request, context: AppRequestContext) async throws -> AssignmentResource {
        let (reviewerId, tokenId) = try await reviewer(request)
        let assignmentId = try context.identifier("assignmentId", kind: "assignment")
        let reviews = ReviewRepository(database)
        guard let view = try await reviews.assignments(reviewerId: reviewerId, assignmentId: assignmentId).first else {
            throw FundError.notFound(kind: "assignment", reference: String(assignmentId))
        }
        let call = try await calls.call(view.callId, database: database)
        let body = try await SubmissionsController.json(of: request, context: context)
        let (scores, comments, final) = try Self.parse(body)
        if view.final { throw FundError.reviewFinal(assignmentId: assignmentId) }
        try await reviews.save(
            assignmentId: assignmentId, reviewerId: reviewerId, scores: scores, comments: comments, final: final,
            grid: call.grid, actor: AuditActor.reviewerToken(tokenId))
        guard let saved = try await reviews.assignments(reviewerId: reviewerId, assignmentId: assignmentId).first else {
            throw FundError.notFound(kind: "assignment", reference: String(assignmentId))
        }
        return try await resource(saved)
    }

    private func reviewer(_ request: Request) async throws -> (reviewerId: Int64, tokenId: Int64) {
        guard let token = request.bearerToken else {
            throw FundError.unauthorized("Send your reviewer token as `Authorization: Bearer cfr_...`.")
        }
        guard let found = try await TokenRepository(database, holder: .reviewer).authenticateReviewer(token) else {
            throw FundError.unauthorized(
                "The token is unknown or revoked; ask the Fund's programme team for a new one.")
        }
        return found
    }

    private func resource(_ view: AssignmentView) async throws -> AssignmentResource {
        let call = try await calls.call(view.callId, database: database)
        return AssignmentResource(
            assignmentId: view.assignmentId, callId: view.callId, submission: SubmissionResource(view.submission),
            grid: .init(criteria: call.grid.criteria, overallThreshold: call.grid.overallThreshold),
            scores: view.scores, comments: view.comments, final: view.final)
    }

    /// `{"scores": {"impact": 4.5}, "comments": {"impact": "..."}, "final": true}`.
    static func parse(_ object: [String: Any]) throws -> ([String: Double], [String: String], Bool) {
        var issues: [FieldIssue] = []
        var scores: [String: Double] = [:]
        if let raw = object["scores"] as? [String: Any] {
            for (key, value) in raw {
                if String(describing: type(of: value)) != "__NSCFBoolean", let number = value as? Double {
                    scores[key] = number
                } else {
                    issues.append(FieldIssue(field: "scores.\(key)", reason: "must be a number"))
                }
            }
        } else {
            issues.append(FieldIssue(field: "scores", reason: "must be an object of criterion → score"))
        }
        var comments: [String: String] = [:]
        if let raw = object["comments"] {
            if let dictionary = raw as? [String: Any] {
                for (key, value) in dictionary {
                    if let text = value as? String {
                        comments[key] = text
                    } else {
                        issues.append(FieldIssue(field: "comments.\(key)", reason: "must be a string"))
                    }
                }
            } else {
                issues.append(FieldIssue(field: "comments", reason: "must be an object of criterion → comment"))
            }
        }
        var final = false
        if let raw = object["final"] {
            if String(describing: type(of: raw)) == "__NSCFBoolean", let value = raw as? Bool {
                final = value
            } else {
                issues.append(FieldIssue(field: "final", reason: "must be true or false"))
            }
        }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        return (scores, comments, final)
    }
}
