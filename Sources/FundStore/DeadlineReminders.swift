import Foundation
import FundCore

/// Reminders before a call's deadline, to the people of every organisation that may apply and
/// has not: 7 days before and 1 day before, once each. Each reminder is an outbox row whose event
/// names the call, the organisation and the delay, so running this any number of times, from any
/// number of servers, across restarts, queues each reminder once. Reviewers with reviews still
/// to finalise are reminded once, 2 days before the call's review deadline. Grantees are reminded
/// of their final report 30 days before it is due (30 June of the year after the decision: six
/// months after the end of the grant's year), and once when it is late.
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
        queued += try await queueFinalReports(now: now)
        return queued
    }

    /// The day a grant's final report is due: six months after the end of its decision's year.
    public static func finalReportDue(decidedIn year: Int) -> CalendarDay {
        (try? CalendarDay(year: year + 1, month: 6, day: 30)) ?? CalendarDay(Date(), in: LocalTime.paris)
    }

    /// Reminders of final reports to the grantees of active grants with none filed (or one
    /// returned): one 30 days before the day, one once it has passed.
    private func queueFinalReports(now: Date) async throws -> Int {
        let rows = try await database.query(
            """
            WITH due AS (
                SELECT g.id, g.submission_id, s.organisation_id, s.contact_email, s.contact_name,
                       make_date(extract(year FROM r.committed_at AT TIME ZONE 'Europe/Paris')::int + 1, 6, 30) AS day
                FROM grants g JOIN allocation_runs r ON r.id = g.run_id JOIN submissions s ON s.id = g.submission_id
                WHERE g.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM final_reports f WHERE f.grant_id = g.id AND f.status <> 'returned')
            ), reached AS (
                SELECT due.*, (\(now)::timestamptz AT TIME ZONE 'Europe/Paris')::date > day AS late FROM due
                WHERE (\(now)::timestamptz AT TIME ZONE 'Europe/Paris')::date >= day - 30
            )
            INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
            SELECT 'final-report-due:' || id || CASE WHEN late THEN ':late' ELSE ':30d' END, 'reminder.final_report',
                   jsonb_build_object('grant', id, 'submission', submission_id, 'late', late::int),
                   contact_email, contact_name, cfund_contact_language(organisation_id, contact_email)
            FROM reached
            ON CONFLICT (event, recipient) DO NOTHING
            RETURNING id
            """)
        return try rows.decode(Int64.self).count
    }
}
