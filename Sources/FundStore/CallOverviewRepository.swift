import Foundation
import FundCore
import PostgresNIO

/// Where a call stands, in figures: what the programme team's overview shows for each call.
public struct CallOverview: Sendable, Equatable {
    public let call: Call
    /// Every submission ever received, withdrawn ones included.
    public let received: Int
    public let withdrawn: Int
    public let ineligible: Int
    /// Live and eligible: what is reviewed and ranked.
    public var eligible: Int { received - withdrawn - ineligible }
    public let finalReviews: Int
    public let draftReviews: Int
    /// Reviews the eligible submissions still need to be fundable (final or not yet).
    public var missingReviews: Int { max(0, eligible * call.reviewsPerSubmission - finalReviews) }
    /// Reviewers assigned to the eligible submissions, whatever their reviews' state.
    public let assigned: Int
    /// Assignments still to make for every eligible submission to have its reviewers.
    public var unassigned: Int { max(0, eligible * call.reviewsPerSubmission - assigned) }
    public let recusals: Int
    /// What the standing decision grants (active grants), once the call is decided.
    public let granted: Money
    public let grants: Int
}

public struct CallOverviewRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Every call (or one), in one statement.
    public func overviews(callId: Int64? = nil) async throws -> [CallOverview] {
        let calls = try await CallRepository(database).list()
        let rows = try await database.query(
            """
            SELECT c.id,
                   (SELECT count(*) FROM submissions s WHERE s.call_id = c.id)::bigint,
                   (SELECT count(*) FROM submissions s WHERE s.call_id = c.id AND s.status = 'withdrawn')::bigint,
                   (SELECT count(*) FROM submissions s WHERE s.call_id = c.id AND s.status = 'ineligible')::bigint,
                   (SELECT count(*) FROM assignments a JOIN reviews r ON r.assignment_id = a.id
                    JOIN submissions s ON s.id = a.submission_id
                    WHERE a.call_id = c.id AND r.final AND s.status NOT IN ('withdrawn', 'ineligible'))::bigint,
                   (SELECT count(*) FROM assignments a JOIN reviews r ON r.assignment_id = a.id
                    JOIN submissions s ON s.id = a.submission_id
                    WHERE a.call_id = c.id AND NOT r.final AND s.status NOT IN ('withdrawn', 'ineligible'))::bigint,
                   (SELECT count(*) FROM recusals x WHERE x.call_id = c.id)::bigint,
                   (SELECT count(*) FROM assignments a JOIN submissions s ON s.id = a.submission_id
                    WHERE a.call_id = c.id AND s.status NOT IN ('withdrawn', 'ineligible'))::bigint,
                   (SELECT coalesce(sum(g.amount_cents), 0) FROM grants g
                    WHERE g.call_id = c.id AND g.status = 'active')::bigint,
                   (SELECT count(*) FROM grants g WHERE g.call_id = c.id AND g.status = 'active')::bigint
            FROM calls c WHERE \(callId)::bigint IS NULL OR c.id = \(callId)
            """)
        var figures: [Int64: [Int64]] = [:]
        for row in rows {
            let cells = Array(row)
            figures[try cells[0].decode(Int64.self)] = try cells.dropFirst().map { try $0.decode(Int64.self) }
        }
        return calls.compactMap { call in
            guard let f = figures[call.id] else { return nil }
            return CallOverview(
                call: call, received: Int(f[0]), withdrawn: Int(f[1]), ineligible: Int(f[2]), finalReviews: Int(f[3]),
                draftReviews: Int(f[4]), assigned: Int(f[6]), recusals: Int(f[5]), granted: Money(cents: f[7]),
                grants: Int(f[8]))
        }
    }
}
