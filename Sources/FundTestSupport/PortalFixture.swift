import Foundation
import FundCore
import FundStore

/// Two Capitals' calls (one still open, one whose deadline passed with a draft left in it), a
/// Capital and a Community abroad with their people invited: what the portal's browser tests
/// walk through. The database clock reads 1 December 2024, noon in Paris.
public struct PortalFixture: Sendable {
    public let lyonLink: String
    public let tokyoLink: String
    /// Lyon's draft in the call that closed on 30 November.
    public let lateDraft: Int64
    public let openCall: Int64

    public static func make(_ database: Database, base: String) async throws -> PortalFixture {
        let paris = LocalTime.paris
        let envelope = try await EnvelopeRepository(database).create(
            Envelope(
                name: "Community Fund 2023-2024", amount: Money(cents: 150_000_000),
                validity: try DayRange(parsing: "2023-01-01..2024-12-31")))
        let organisations = OrganisationRepository(database)
        let lyon = try await organisations.add(
            Organisation(
                name: "French Tech Lyon", kind: .capital, city: "Lyon", country: "France",
                labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2024-03-01"))]))
        let tokyo = try await organisations.add(
            Organisation(
                name: "French Tech Tokyo", kind: .communityAbroad, city: "Tokyo", country: "Japon",
                labels: [try LabelPeriod(awarded: CalendarDay(parsing: "2024-05-10"))]))
        try await SimulatedClock(database).set(try LocalTime.instant("2024-11-20 12:00", in: paris))
        let calls = CallRepository(database)
        let capitals = EligibilityRules(
            allowedKinds: [.capital], labelAwardedWithin: try DayRange(parsing: "2024-01-01..2024-12-31"),
            maxRequest: Money(cents: 5_000_000), maxSubmissionsPerOrganisation: 2)
        let open = try await calls.create(
            Call(
                envelopeId: envelope, title: "Financing 2024 for French Tech Capitals",
                budget: Money(cents: 45_000_000),
                opensAt: try LocalTime.instant("2024-11-13 00:00", in: paris),
                closesAt: try LocalTime.deadline("2024-12-15 23:59", in: paris), rules: capitals,
                attachments: AttachmentRules(required: [.description, .budget])))
        let closing = try await calls.create(
            Call(
                envelopeId: envelope, title: "Tremplin 2024, first round", budget: Money(cents: 10_000_000),
                opensAt: try LocalTime.instant("2024-11-13 00:00", in: paris),
                closesAt: try LocalTime.deadline("2024-11-30 23:59", in: paris), rules: capitals))
        _ = try await calls.open(String(open))
        _ = try await calls.open(String(closing))
        let contacts = ContactRepository(database)
        let (camille, lyonSecret) = try await contacts.invite(
            organisationId: lyon, name: "Camille Martin", email: "camille@lyon.example")
        let (_, tokyoSecret) = try await contacts.invite(
            organisationId: tokyo, name: "Kenji Sato", email: "kenji@tokyo.example")
        var draft = try await DraftRepository(database).create(callId: closing, contact: camille)
        draft.title = "Tremplin Lyon, first round"
        draft.summary = "Prepared too late."
        draft.requested = Money(cents: 1_000_000)
        draft.totalCost = Money(cents: 2_000_000)
        draft.ambitions = [.greenTech]
        draft = try await DraftRepository(database).save(draft)
        try await SimulatedClock(database).set(try LocalTime.instant("2024-12-01 12:00", in: paris))
        return PortalFixture(
            lyonLink: "\(base)/sign-in/\(lyonSecret)", tokyoLink: "\(base)/sign-in/\(tokyoSecret)",
            lateDraft: draft.id, openCall: open)
    }
}
