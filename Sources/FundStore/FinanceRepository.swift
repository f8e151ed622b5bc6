import Foundation
import FundCore
import PostgresNIO

/// A call's payment terms (Schema/0017): an agreement above a threshold, an advance at signature.
public struct PaymentTerms: Sendable, Equatable {
    /// The legal threshold above which a grant needs a written agreement (EUR 23,000 a year).
    public static let legalThreshold = Money(cents: 2_300_000)

    public var agreementAbove: Money
    public var advancePercent: Int

    public init(agreementAbove: Money = PaymentTerms.legalThreshold, advancePercent: Int = 50) {
        self.agreementAbove = agreementAbove
        self.advancePercent = advancePercent
    }
}

/// A grant as finance follows it: what was decided, its agreement, what is paid and due.
public struct GrantAccount: Sendable, Equatable {
    public struct Agreement: Sendable, Equatable {
        public let reference: String
        public let signedOn: CalendarDay?
        public let signatories: String
    }

    public let id: Int64
    public let callId: Int64
    public let callTitle: String
    public let runId: Int64
    public let submissionId: Int64
    public let title: String
    public let organisation: Organisation
    public let amount: Money
    public let status: String
    public let decidedOn: CalendarDay
    public let agreementRequired: Bool
    public let advancePercent: Int
    public let agreement: Agreement?
    /// Paid to the grantee, and paid back by them.
    public let paid: Money
    public let recovered: Money
    /// Released by the final report's settlement (the grant reduced).
    public let released: Money
    public let lastPaidOn: CalendarDay?
    /// The newest final report's state (submitted, returned, accepted), if one was filed.
    public let finalReport: String?
    public let schedule: PaymentSchedule

    /// What the grant comes to: the decided amount less what its settlement released.
    public var comesTo: Money { amount.subtracting(released) }
}

/// A payment recorded against a grant.
public struct Payment: Sendable, Equatable {
    public let id: Int64
    public let grantId: Int64
    public let amount: Money
    public let paidOn: CalendarDay
    public let reference: String
}

/// After the decision: terms, agreements and payments, with the rules in PostgreSQL (0017). Days
/// are the fund's (Paris) days, and "today" is the database clock's, so the demo's simulated
/// clock moves payments' deadlines too.
public struct FinanceRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    public func terms(callId: Int64) async throws -> PaymentTerms {
        let rows = try await database.query(
            "SELECT agreement_above_cents, advance_percent FROM call_payment_terms WHERE call_id = \(callId)")
        guard let (above, advance) = try rows.decode((Int64, Int).self).first else { return PaymentTerms() }
        return PaymentTerms(agreementAbove: Money(cents: above), advancePercent: advance)
    }

    /// Sets a call's terms; refused once the call is decided (CF074).
    public func setTerms(callId: Int64, _ terms: PaymentTerms) async throws {
        try await database.query(
            """
            INSERT INTO call_payment_terms (call_id, agreement_above_cents, advance_percent)
            VALUES (\(callId), \(terms.agreementAbove.cents), \(terms.advancePercent))
            ON CONFLICT (call_id) DO UPDATE
                SET agreement_above_cents = excluded.agreement_above_cents, advance_percent = excluded.advance_percent
            """)
    }

    /// The database clock's day in Paris.
    public func today() async throws -> CalendarDay {
        let day =
            try await database.query("SELECT (cfund_now() AT TIME ZONE 'Europe/Paris')::date::text")
            .decode(String.self).first ?? ""
        return try CalendarDay(parsing: day)
    }

    /// The active grants of a call (every call when nil), or the one grant asked for.
    public func accounts(
        callId: Int64? = nil, grantId: Int64? = nil, submissionId: Int64? = nil, organisationId: Int64? = nil
    ) async throws -> [GrantAccount] {
        let today = try await today()
        let rows = try await database.query(
            """
            SELECT g.id, g.call_id, c.title, g.run_id, g.submission_id, s.title, o.id, g.amount_cents, g.status,
                   (r.committed_at AT TIME ZONE 'Europe/Paris')::date::text, g.agreement_required, g.advance_percent,
                   a.reference, a.signed_on::text, a.signatories, g.paid_cents,
                   (SELECT max(paid_on)::text FROM payments p WHERE p.grant_id = g.id),
                   g.recovered_cents, g.released_cents, f.status, f.settled_cents,
                   (f.decided_at AT TIME ZONE 'Europe/Paris')::date::text
            FROM grants g JOIN calls c ON c.id = g.call_id JOIN submissions s ON s.id = g.submission_id
                 JOIN organisations o ON o.id = s.organisation_id JOIN allocation_runs r ON r.id = g.run_id
                 LEFT JOIN agreements a ON a.grant_id = g.id
                 LEFT JOIN LATERAL (
                     SELECT status, settled_cents, decided_at FROM final_reports
                     WHERE grant_id = g.id ORDER BY id DESC LIMIT 1) f ON true
            WHERE (\(grantId)::bigint IS NULL AND g.status = 'active' OR g.id = \(grantId))
              AND (\(callId)::bigint IS NULL OR g.call_id = \(callId))
              AND (\(submissionId)::bigint IS NULL OR g.submission_id = \(submissionId))
              AND (\(organisationId)::bigint IS NULL OR s.organisation_id = \(organisationId))
            ORDER BY g.call_id, g.id
            """)
        var accounts: [GrantAccount] = []
        var organisations: [Int64: Organisation] = [:]
        for row in rows {
            let cells = try row.decode(
                (
                    Int64, Int64, String, Int64, Int64, String, Int64, Int64, String, String, Bool, Int, String?,
                    String?, String?, Int64, String?, Int64, Int64, String?, Int64?, String?
                ).self)
            let organisation: Organisation
            if let known = organisations[cells.6] {
                organisation = known
            } else {
                organisation = try await OrganisationRepository(database).find(String(cells.6))
                organisations[cells.6] = organisation
            }
            let decidedOn = try CalendarDay(parsing: cells.9)
            let signedOn = try cells.13.map { try CalendarDay(parsing: $0) }
            let amount = Money(cents: cells.7)
            let paid = Money(cents: cells.15)
            let recovered = Money(cents: cells.17)
            let accepted = cells.19 == "accepted"
            accounts.append(
                GrantAccount(
                    id: cells.0, callId: cells.1, callTitle: cells.2, runId: cells.3, submissionId: cells.4,
                    title: cells.5, organisation: organisation, amount: amount, status: cells.8, decidedOn: decidedOn,
                    agreementRequired: cells.10, advancePercent: cells.11,
                    agreement: cells.12.map {
                        GrantAccount.Agreement(reference: $0, signedOn: signedOn, signatories: cells.14 ?? "")
                    },
                    paid: paid, recovered: recovered, released: Money(cents: cells.18),
                    lastPaidOn: try cells.16.map { try CalendarDay(parsing: $0) }, finalReport: cells.19,
                    schedule: PaymentSchedule(
                        amount: amount, advancePercent: cells.11, agreementRequired: cells.10, decidedOn: decidedOn,
                        signedOn: signedOn,
                        finalReportAcceptedOn: accepted ? try cells.21.map { try CalendarDay(parsing: $0) } : nil,
                        settled: accepted ? cells.20.map { Money(cents: $0) } : nil,
                        paid: paid.subtracting(recovered), today: today)))
        }
        return accounts
    }

    public func account(grantId: Int64) async throws -> GrantAccount {
        guard let account = try await accounts(grantId: grantId).first else {
            throw FundError.notFound(kind: "grant", reference: String(grantId))
        }
        return account
    }

    /// Records the agreement's signature; refused for a grant without one, an inactive grant, a
    /// second signature or a day to come (0017).
    public func sign(grantId: Int64, on day: CalendarDay, signatories: String) async throws -> GrantAccount {
        var issues: [FieldIssue] = []
        let signatories = TextRule.signatories.check(signatories, into: &issues)
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let signed = try await database.query(
            """
            UPDATE agreements SET signed_on = \(day.description)::date, signatories = \(signatories)
            WHERE grant_id = \(grantId) RETURNING grant_id
            """)
        guard try signed.decode(Int64.self).first != nil else {
            let account = try await account(grantId: grantId)
            throw FundError.conflict([
                FieldIssue(
                    field: "grant",
                    reason: "grant \(grantId) of \(account.amount.plain) EUR needs no agreement (the call asks for one "
                        + "above its threshold); it is paid without one")
            ])
        }
        return try await account(grantId: grantId)
    }

    /// Records a payment. The same bank reference, grant, amount and day again is the same
    /// payment (`recorded` false); the reference on anything else is refused.
    public func pay(grantId: Int64, amount: Money, on day: CalendarDay, reference: String) async throws -> (
        payment: Payment, recorded: Bool
    ) {
        var issues: [FieldIssue] = []
        let reference = TextRule.paymentReference.check(reference, into: &issues)
        if amount.cents <= 0 { issues.append(FieldIssue(field: "amount", reason: "a payment is above zero")) }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        guard try await database.query("SELECT 1 FROM grants WHERE id = \(grantId)").decode(Int.self).first != nil
        else {
            throw FundError.notFound(kind: "grant", reference: String(grantId))
        }
        // A transfer recorded again is found before the rules would judge it as a new one.
        if let existing = try await payments(reference: reference).first {
            return (try Self.same(existing, grantId: grantId, amount: amount, day: day), false)
        }
        let inserted = try await database.query(
            """
            INSERT INTO payments (grant_id, call_id, amount_cents, paid_on, reference)
            VALUES (\(grantId), 0, \(amount.cents), \(day.description)::date, \(reference))
            ON CONFLICT ((lower(reference))) DO NOTHING
            RETURNING id
            """)
        if let id = try inserted.decode(Int64.self).first {
            return (Payment(id: id, grantId: grantId, amount: amount, paidOn: day, reference: reference), true)
        }
        // Recorded meanwhile by someone else.
        guard let existing = try await payments(reference: reference).first else {
            throw FundError.databaseUnavailable("The payment was neither recorded nor found; record it again.")
        }
        return (try Self.same(existing, grantId: grantId, amount: amount, day: day), false)
    }

    /// The payment already recorded under a reference, if it is the one being recorded again.
    private static func same(_ existing: Payment, grantId: Int64, amount: Money, day: CalendarDay) throws -> Payment {
        guard existing.grantId == grantId, existing.amount == amount, existing.paidOn == day else {
            throw FundError.conflict([
                FieldIssue(
                    field: "reference",
                    reason: "payment \(existing.id) (\(existing.amount.plain) EUR to grant \(existing.grantId) on "
                        + "\(existing.paidOn)) has the reference \"\(existing.reference)\" already; check the bank statement"
                )
            ])
        }
        return existing
    }

    public func payments(grantId: Int64? = nil, callId: Int64? = nil, reference: String? = nil) async throws
        -> [Payment]
    {
        try await database.query(
            """
            SELECT id, grant_id, amount_cents, paid_on::text, reference FROM payments
            WHERE (\(grantId)::bigint IS NULL OR grant_id = \(grantId))
              AND (\(callId)::bigint IS NULL OR call_id = \(callId))
              AND (\(reference)::text IS NULL OR lower(reference) = lower(\(reference)))
            ORDER BY paid_on, id
            """
        ).map { row in
            let (id, grant, cents, day, reference) = try row.decode((Int64, Int64, Int64, String, String).self)
            return Payment(
                id: id, grantId: grant, amount: Money(cents: cents), paidOn: try CalendarDay(parsing: day),
                reference: reference)
        }
    }
}
