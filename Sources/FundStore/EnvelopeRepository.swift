import Foundation
import FundCore
import PostgresNIO

/// An envelope with what its calls reserve.
public struct EnvelopeSummary: Sendable, Equatable {
    public let envelope: Envelope
    public let balance: EnvelopeBalance
    public let callCount: Int
}

public struct EnvelopeRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    @discardableResult
    public func create(_ envelope: Envelope) async throws -> Int64 {
        let (envelope, issues) = envelope.validated()
        guard issues.isEmpty else { throw FundError.validation(issues) }
        let name = envelope.name
        let rows = try await database.query(
            """
            INSERT INTO envelopes (name, amount_cents, valid_from, valid_to)
            VALUES (\(name), \(envelope.amount.cents), \(envelope.validity.first.description)::date,
                    \(envelope.validity.last.description)::date)
            ON CONFLICT ((lower(name))) DO NOTHING
            RETURNING id
            """)
        guard let id = try await rows.decode(Int64.self).first(where: { _ in true }) else {
            throw FundError.duplicate(kind: "envelope", name: name)
        }
        return id
    }

    public func list() async throws -> [EnvelopeSummary] {
        try await summaries(matching: nil)
    }

    /// Finds an envelope by id or by name (any case).
    public func find(_ reference: String) async throws -> EnvelopeSummary {
        guard let summary = try await summaries(matching: reference).first else {
            throw FundError.notFound(kind: "envelope", reference: reference)
        }
        return summary
    }

    /// All envelopes, or the one whose id or name (any case) is `reference`.
    private func summaries(matching reference: String?) async throws -> [EnvelopeSummary] {
        let onlyMatching = reference != nil
        let id = reference.flatMap { Int64($0) } ?? -1
        let name = reference ?? ""
        let rows = try await database.query(
            """
            SELECT e.id, e.name, e.amount_cents, e.valid_from::text, e.valid_to::text,
                   coalesce(sum(c.budget_cents), 0)::bigint, count(c.id)::bigint
            FROM envelopes e LEFT JOIN calls c ON c.envelope_id = e.id
            WHERE NOT \(onlyMatching) OR e.id = \(id) OR lower(e.name) = lower(\(name))
            GROUP BY e.id ORDER BY (e.id = \(id)) DESC, e.valid_from, e.name
            """)
        var summaries: [EnvelopeSummary] = []
        for (id, name, amount, from, to, reserved, calls) in try rows.decode(
            (Int64, String, Int64, String, String, Int64, Int64).self)
        {
            let validity = try DayRange(first: CalendarDay(parsing: from), last: CalendarDay(parsing: to))
            summaries.append(
                EnvelopeSummary(
                    envelope: Envelope(id: id, name: name, amount: Money(cents: amount), validity: validity),
                    balance: EnvelopeBalance(total: Money(cents: amount), reserved: Money(cents: reserved)),
                    callCount: Int(calls)))
        }
        return summaries
    }
}
