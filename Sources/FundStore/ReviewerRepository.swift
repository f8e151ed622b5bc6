import Foundation
import FundCore
import PostgresNIO

/// A reviewer as listed.
public struct ReviewerInfo: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let email: String
    public let affiliation: String?
    public let conflicts: [String]
}

/// Reviewers, their affiliations and declared conflicts.
public struct ReviewerRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    @discardableResult
    public func add(name: String, email: String, affiliationId: Int64?, language: Language = .fr) async throws -> Int64
    {
        var issues: [FieldIssue] = []
        let name = TextRule.reviewerName.check(name, into: &issues)
        let email = TextRule.reviewerEmail.check(email, into: &issues)
        if issues.isEmpty && !SubmissionValidation.isEmailAddress(email) {
            issues.append(FieldIssue(field: "email", reason: "\"\(email)\" is not an email address"))
        }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let rows = try await database.query(
            """
            INSERT INTO reviewers (name, email, affiliation_id, language)
            VALUES (\(name), \(email), \(affiliationId), \(language.rawValue))
            ON CONFLICT ((lower(email))) DO NOTHING RETURNING id
            """)
        guard let id = try rows.first?.decode(Int64.self) else {
            throw FundError.duplicate(kind: "reviewer", name: email)
        }
        return id
    }

    /// A sign-in link to the reviewers' workspace, valid 7 days and once.
    public func invite(reviewerId: Int64) async throws -> String {
        try await database.transaction { transaction in
            try await SessionRepository.issueLink(reviewer: reviewerId, in: transaction)
        }
    }

    /// Declares a conflict; returns how many of the reviewer's assignments it removed.
    public func declareConflict(reviewerId: Int64, organisationId: Int64, reason: String) async throws -> Int {
        let reason = try TextRule.reason.cleaned(reason)
        return try await database.transaction { connection in
            let before = try await connection.query(
                "SELECT count(*)::bigint FROM assignments WHERE reviewer_id = \(reviewerId)"
            ).decode(Int64.self).reduce(0, +)
            try await connection.query(
                """
                INSERT INTO reviewer_conflicts (reviewer_id, organisation_id, reason)
                VALUES (\(reviewerId), \(organisationId), \(reason))
                ON CONFLICT (reviewer_id, organisation_id) DO UPDATE SET reason = excluded.reason
                """)
            let after = try await connection.query(
                "SELECT count(*)::bigint FROM assignments WHERE reviewer_id = \(reviewerId)"
            ).decode(Int64.self).reduce(0, +)
            return Int(before - after)
        }
    }

    public func list() async throws -> [ReviewerInfo] {
        try await reviewers(matching: nil)
    }

    /// Finds a reviewer by id, email or name (any case).
    public func find(_ reference: String) async throws -> ReviewerInfo {
        guard let reviewer = try await reviewers(matching: reference).first else {
            throw FundError.notFound(kind: "reviewer", reference: reference)
        }
        return reviewer
    }

    private func reviewers(matching reference: String?) async throws -> [ReviewerInfo] {
        let id = reference.flatMap { Int64($0) } ?? -1
        let text = reference ?? ""
        let rows = try await database.query(
            """
            SELECT r.id, r.name, r.email, a.name,
                   coalesce((SELECT array_agg(o.name ORDER BY o.name) FROM reviewer_conflicts c
                             JOIN organisations o ON o.id = c.organisation_id WHERE c.reviewer_id = r.id), '{}')
            FROM reviewers r LEFT JOIN organisations a ON a.id = r.affiliation_id
            WHERE NOT \(reference != nil) OR r.id = \(id) OR lower(r.email) = lower(\(text)) OR lower(r.name) = lower(\(text))
            ORDER BY (r.id = \(id)) DESC, r.name, r.id
            """)
        return try rows.map { row in
            let (id, name, email, affiliation, conflicts) = try row.decode(
                (Int64, String, String, String?, [String]).self)
            return ReviewerInfo(id: id, name: name, email: email, affiliation: affiliation, conflicts: conflicts)
        }
    }
}
