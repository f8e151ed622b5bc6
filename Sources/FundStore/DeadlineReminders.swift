import Foundation
import FundCore

/// Reminders before a call's deadline, to the people of every organisation that may apply and
/// has not: 7 days before and 1 day before, once each. Each reminder is an outbox row whose event
/// names the call, the organisation and the delay, so running this any number of times, from any
/// number of servers, across restarts, queues each reminder once. Reviewers with reviews still
/// to finalise are reminded once, 2 days before the call's review deadline.
public struct DeadlineReminders: Sendable {
    let database: Database

    /// The delays, tightest first: a call first seen 12 hours before it closes gets the 1-day
    /// reminder only.
    public static let delays: [(days: Int, tag: String)] = [(1, "1d"), (7, "7d")]

    public init(_ database: Database) {
        self.database = database
    }

    /// Queues the reminders due now (by the database's clock); how many were new.
    @discardableResult
    public func queueDue() async throws -> Int {
        let now = try await SimulatedClock(database).now()
        var organisations: [Organisation]?
        var queued = 0
        for call in try await CallRepository(database).list(status: .open) where call.closesAt > now {
            let left = call.closesAt.timeIntervalSince(now)
            guard let delay = Self.delays.first(where: { left <= Double($0.days) * 86_400 }) else { continue }
            // Read only when some call is within a reminder's reach, once per round.
            if organisations == nil { organisations = try await OrganisationRepository(database).list() }
            let eligible = (organisations ?? []).filter {
                Eligibility.reasons(for: $0, rules: call.rules, deadlineDay: call.deadlineDay).isEmpty
            }.map(\.id)
            // One statement per call: those already reminded (or who applied) cost nothing more.
            let rows = try await database.query(
                """
                INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
                SELECT 'reminder:' || \(call.id) || ':' || c.organisation_id || ':' || \(delay.tag), 'reminder.deadline',
                       jsonb_build_object('call', \(call.id), 'organisation', c.organisation_id, 'days', \(delay.days)),
                       c.email, c.name, c.language
                FROM contacts c
                WHERE c.organisation_id = ANY(\(eligible)::bigint[]) AND c.revoked_at IS NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM submissions s
                      WHERE s.call_id = \(call.id) AND s.organisation_id = c.organisation_id AND s.status <> 'withdrawn')
                ON CONFLICT (event, recipient) DO NOTHING
                RETURNING id
                """)
            queued += try rows.decode(Int64.self).reduce(0) { count, _ in count + 1 }
        }
        let reviewers = try await database.query(
            """
            INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
            SELECT 'reviews-due:' || a.call_id || ':' || v.id, 'reminder.reviews',
                   jsonb_build_object('call', a.call_id, 'reviewer', v.id, 'count', count(*)), v.email, v.name,
                   v.language
            FROM assignments a JOIN reviews r ON r.assignment_id = a.id JOIN reviewers v ON v.id = a.reviewer_id
                 JOIN calls c ON c.id = a.call_id
            WHERE c.status = 'reviewing' AND NOT r.final AND c.reviews_due_at > \(now)
              AND c.reviews_due_at <= \(now) + interval '2 days'
            GROUP BY a.call_id, v.id, v.email, v.name, v.language
            ON CONFLICT (event, recipient) DO NOTHING
            RETURNING id
            """)
        queued += try reviewers.decode(Int64.self).reduce(0) { count, _ in count + 1 }
        return queued
    }
}
