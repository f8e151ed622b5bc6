import Foundation
import FundCore
import FundStore
import NIOCore

/// Two calls as the reviewers' workspace and the admin pages see them. In review: Lyon (with a
/// PDF description) and Côte d'Azur submitted; Alice (affiliated with Lyon), Bruno and Chloé
/// review, two reviews per submission, so Alice reviews Côte d'Azur only; David joined after the
/// assignment, free to fill a gap. Decided: "Tremplin 2024", the same two reviewed and funded.
/// The programme team's Camille, finance's Hugo, and Lyon's applicant each have a sign-in link.
public struct WorkspaceFixture: Sendable {
    public let callId: Int64
    public let decidedCallId: Int64
    public let lyonSubmission: Int64
    public let niceSubmission: Int64
    /// Lyon's and Côte d'Azur's funded submissions in "Tremplin 2024".
    public let lyonFunded: Int64
    public let niceFunded: Int64
    public let aliceId: Int64
    /// Alice's only assignment (Côte d'Azur's submission).
    public let aliceAssignment: Int64
    /// Bruno's assignment on Lyon's submission (the one with a file).
    public let brunoOnLyon: Int64
    public let brunoOnNice: Int64
    public let lyonFile: Int64
    public let aliceLink: String
    public let brunoLink: String
    public let programmeLink: String
    public let financeLink: String
    public let applicantLink: String

    public static let pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    public static func make(_ database: Database, base: String) async throws -> WorkspaceFixture {
        let paris = LocalTime.paris
        let envelope = try await EnvelopeRepository(database).create(
            Envelope(
                name: "Community Fund 2023-2024", amount: Money(cents: 150_000_000),
                validity: try DayRange(parsing: "2023-01-01..2024-12-31")))
        let organisations = OrganisationRepository(database)
        func add(_ name: String, _ awarded: String) async throws -> Organisation {
            let id = try await organisations.add(
                Organisation(
                    name: name, kind: .capital, city: name, country: "France",
                    labels: [try LabelPeriod(awarded: CalendarDay(parsing: awarded))]))
            return try await organisations.find(String(id))
        }
        let lyon = try await add("French Tech Lyon", "2024-03-01")
        let nice = try await add("French Tech Côte d'Azur", "2024-04-01")
        let closesAt = try LocalTime.deadline("2024-12-15 23:59", in: paris)
        let calls = CallRepository(database)
        func call(_ title: String, _ budget: Int64) async throws -> Call {
            let id = try await calls.create(
                Call(
                    envelopeId: envelope, title: title, budget: Money(cents: budget),
                    opensAt: try LocalTime.instant("2024-11-13 00:00", in: paris), closesAt: closesAt,
                    rules: EligibilityRules(allowedKinds: [.capital], maxRequest: Money(cents: 5_000_000)),
                    reviewsPerSubmission: 2))
            return try await calls.find(id: id)
        }
        try await SimulatedClock(database).set(try LocalTime.instant("2024-12-01 12:00", in: paris))
        let inReview = try await call("Financing 2024 for French Tech Capitals", 60_000_000)
        let decided = try await call("Tremplin 2024", 10_000_000)
        for id in [inReview.id, decided.id] { _ = try await calls.open(String(id)) }
        let file = try await AttachmentRepository(database).store(
            organisationId: lyon.id, kind: .description, fileName: "description.pdf", maxBytes: 1_000_000,
            uploadedBy: "test",
            bytes: AsyncStream {
                $0.yield(ByteBuffer(string: pdf)); $0.finish()
            })
        var submissions: [Int64] = []
        for (target, organisation, title, files) in [
            (inReview, lyon, "Tremplin Lyon", [file.id]), (inReview, nice, "Azur Scale", []),
            (decided, lyon, "Lyon Founders Week", []), (decided, nice, "Azur Talent Days", []),
        ] {
            let content = SubmissionContent(
                title: title, summary: "Founders from every neighbourhood.", requested: Money(cents: 4_000_000),
                totalCost: Money(cents: 8_000_000), ambitions: [.greenTech], contactName: "Camille Martin",
                contactEmail: "camille@lyon.example")
            submissions.append(
                try await Intake(database).submit(
                    call: target, organisation: organisation, content: content, attachmentIds: files,
                    idempotencyKey: nil, actor: "test", arrival: Arrival()
                ).submission.id)
        }
        try await SimulatedClock(database).set(closesAt)
        let reviewers = ReviewerRepository(database)
        let alice = try await reviewers.add(name: "Alice Martin", email: "alice@example.org", affiliationId: lyon.id)
        let bruno = try await reviewers.add(name: "Bruno Petit", email: "bruno@example.org", affiliationId: nil)
        _ = try await reviewers.add(name: "Chloé Durand", email: "chloe@example.org", affiliationId: nil)
        let reviews = ReviewRepository(database)
        for id in [inReview.id, decided.id] {
            _ = try await calls.startReviewing(try await calls.find(id: id))
            _ = try await reviews.assign(callId: id, perSubmission: 2, maxLoad: nil)
        }
        _ = try await reviewers.add(name: "David Roux", email: "david@example.org", affiliationId: nil)
        let scores = ["impact": 4.0, "ambitions": 3.5, "feasibility": 4.0, "inclusion": 4.5]
        for (assignment, reviewer) in try await database.query(
            "SELECT id, reviewer_id FROM assignments WHERE call_id = \(decided.id) ORDER BY id"
        ).decode((Int64, Int64).self) {
            try await reviews.save(
                assignmentId: assignment, reviewerId: reviewer, scores: scores, comments: [:], final: true,
                grid: decided.grid, actor: "test")
        }
        _ = try await AllocationRepository(database).commit(
            callId: decided.id, parameters: AllocationParameters(budget: Money(cents: 10_000_000), policy: .skip),
            reason: "Jury of 20 December 2024")
        func assignment(_ reviewer: Int64, _ submission: Int64) async throws -> Int64 {
            try await database.query(
                "SELECT id FROM assignments WHERE reviewer_id = \(reviewer) AND submission_id = \(submission)"
            ).decode(Int64.self).first ?? 0
        }
        let admins = AdminRepository(database)
        let contacts = ContactRepository(database)
        return WorkspaceFixture(
            callId: inReview.id, decidedCallId: decided.id, lyonSubmission: submissions[0],
            niceSubmission: submissions[1], lyonFunded: submissions[2], niceFunded: submissions[3], aliceId: alice,
            aliceAssignment: try await assignment(alice, submissions[1]),
            brunoOnLyon: try await assignment(bruno, submissions[0]),
            brunoOnNice: try await assignment(bruno, submissions[1]), lyonFile: file.id,
            aliceLink: "\(base)/sign-in/\(try await reviewers.invite(reviewerId: alice))",
            brunoLink: "\(base)/sign-in/\(try await reviewers.invite(reviewerId: bruno))",
            programmeLink:
                "\(base)/sign-in/\(try await admins.invite(name: "Camille Martin", email: "camille@fund.example", role: .programme).secret)",
            financeLink:
                "\(base)/sign-in/\(try await admins.invite(name: "Hugo Petit", email: "hugo@fund.example", role: .finance).secret)",
            applicantLink:
                "\(base)/sign-in/\(try await contacts.invite(organisationId: lyon.id, name: "Léa Roux", email: "lea@lyon.example").secret)"
        )
    }
}
