import Foundation
import FundCore
import FundStore

/// The 2024 Capitals call with a few applicants and their tokens, the database clock set to
/// 1 December 2024 (inside the window).
public struct IntakeFixture: Sendable {
    public let callId: Int64
    public let lyon: Int64
    public let lyonToken: String
    public let nice: Int64
    public let niceToken: String
    /// A Capital labelled only in 2023: the call refuses it.
    public let normandieToken: String
    /// A Community abroad: the call is for Capitals only.
    public let tokyoToken: String
    public let closesAt: Date

    public static let paris = TimeZone(identifier: "Europe/Paris")!

    public static func make(_ database: Database) async throws -> IntakeFixture {
        let envelope = try await EnvelopeRepository(database).create(
            Envelope(
                name: "Community Fund 2023-2024", amount: Money(cents: 150_000_000),
                validity: try DayRange(parsing: "2023-01-01..2024-12-31")))
        let organisations = OrganisationRepository(database)
        func add(_ name: String, _ kind: OrganisationKind, _ awarded: String) async throws -> Int64 {
            try await organisations.add(
                Organisation(
                    name: name, kind: kind, city: name, country: "France",
                    labels: [try LabelPeriod(awarded: CalendarDay(parsing: awarded))]))
        }
        let lyon = try await add("French Tech Lyon", .capital, "2024-03-01")
        let nice = try await add("French Tech Côte d'Azur", .capital, "2024-04-01")
        let normandie = try await add("French Tech Normandie", .capital, "2023-02-15")
        let tokyo = try await add("French Tech Tokyo", .communityAbroad, "2024-05-10")
        let closesAt = try LocalTime.deadline("2024-12-15 23:59", in: paris)
        let calls = CallRepository(database)
        let callId = try await calls.create(
            Call(
                envelopeId: envelope, title: "Financing 2024 for French Tech Capitals",
                budget: Money(cents: 60_000_000),
                opensAt: try LocalTime.instant("2024-11-13 00:00", in: paris), closesAt: closesAt,
                rules: EligibilityRules(
                    allowedKinds: [.capital], labelAwardedWithin: try DayRange(parsing: "2024-01-01..2024-12-31"),
                    maxRequest: Money(cents: 5_000_000))))
        try await SimulatedClock(database).set(try LocalTime.instant("2024-12-01 12:00", in: paris))
        _ = try await calls.open(String(callId))
        let tokens = TokenRepository(database)
        return IntakeFixture(
            callId: callId, lyon: lyon, lyonToken: try await tokens.issue(for: lyon).token, nice: nice,
            niceToken: try await tokens.issue(for: nice).token,
            normandieToken: try await tokens.issue(for: normandie).token,
            tokyoToken: try await tokens.issue(for: tokyo).token, closesAt: closesAt)
    }

    /// A valid submission body.
    public static func body(title: String = "French Tech Tremplin Lyon 2025", requestedCents: Int64 = 4_500_000)
        -> String
    {
        """
        {"title": "\(title)", "summary": "Opening the ecosystem to founders from every neighbourhood.",
         "requestedCents": \(requestedCents), "totalCostCents": 9000000,
         "ambitions": ["talents_and_territories", "world_class"],
         "contact": {"name": "Camille Martin", "email": "camille@lyon.frenchtech.example"}}
        """
    }
}
