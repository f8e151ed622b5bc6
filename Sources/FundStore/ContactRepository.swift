import Foundation
import FundCore
import PostgresNIO

/// A contact as `cfund org contacts` lists them.
public struct ContactInfo: Sendable, Equatable {
    public let contact: Contact
    public let openSessions: Int
    public let lastSeen: Date?
}

/// The people of organisations, and the one-time links that sign them in. A link is 256 random
/// bits shown once; only its SHA-256 is stored, as for API tokens.
public struct ContactRepository: Sendable {
    /// How long an invitation's link works.
    public static let linkValidity: TimeInterval = 7 * 24 * 3600
    public static let linkPrefix = "cfl_"

    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Invites a person of an organisation: adds them as a contact (or finds them by email, and
    /// lifts a revocation) and returns a new sign-in link's secret, valid 7 days and once.
    public func invite(
        organisationId: Int64, name: String?, email: String, language: Language = .fr
    ) async throws -> (contact: Contact, secret: String) {
        let (name, email) = try Self.person(name: name, email: email)
        let (contact, secret) = try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                INSERT INTO contacts AS c (organisation_id, name, email, language)
                VALUES (\(organisationId), \(name ?? email), \(email), \(language.rawValue))
                ON CONFLICT (organisation_id, lower(email)) DO UPDATE
                    SET name = coalesce(\(name), c.name), revoked_at = NULL
                RETURNING \(unescaped: Self.columns)
                """)
            guard let row = rows.first else { throw FundError.database("The contact was not stored; try again.") }
            let contact = try Self.contact(row)
            return (contact, try await SessionRepository.issueLink(contact: contact.id, in: transaction))
        }
        return (contact, secret)
    }

    /// An organisation's contacts with their open sessions.
    public func list(organisationId: Int64) async throws -> [ContactInfo] {
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns),
                   (SELECT count(*) FROM sessions s WHERE s.contact_id = c.id AND s.ended_at IS NULL
                      AND s.last_seen_at > now() - make_interval(secs => \(SessionRepository.inactivity)))::bigint,
                   (SELECT max(s.last_seen_at) FROM sessions s WHERE s.contact_id = c.id)
            FROM contacts c WHERE c.organisation_id = \(organisationId) ORDER BY c.id
            """)
        return try rows.map { row in
            let cells = Array(row)
            return ContactInfo(
                contact: try Self.contact(row), openSessions: Int(try cells[6].decode(Int64.self)),
                lastSeen: try cells[7].decode(Date?.self))
        }
    }

    /// Revokes a contact: their sessions end at once, their links stop working; inviting them
    /// again lets them back in.
    public func revoke(organisationId: Int64, email: String) async throws -> Contact {
        try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                UPDATE contacts c SET revoked_at = coalesce(c.revoked_at, now())
                WHERE c.organisation_id = \(organisationId) AND lower(c.email) = lower(\(email))
                RETURNING \(unescaped: Self.columns)
                """)
            guard let row = rows.first else { throw FundError.notFound(kind: "contact", reference: email) }
            let contact = try Self.contact(row)
            try await transaction.query(
                "UPDATE sessions SET ended_at = now() WHERE contact_id = \(contact.id) AND ended_at IS NULL")
            return contact
        }
    }

    /// A person's name (optional) and email address, cleaned, or why they cannot be stored.
    static func person(name: String?, email: String) throws -> (name: String?, email: String) {
        var issues: [FieldIssue] = []
        let email = TextRule.reviewerEmail.check(email, into: &issues)
        if issues.isEmpty && !SubmissionValidation.isEmailAddress(email) {
            issues.append(FieldIssue(field: "email", Message("email.invalid", ["email": .text(email)])))
        }
        let name = try name.map { try TextRule.reviewerName.cleaned($0) }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        return (name, email)
    }

    static let columns = "c.id, c.organisation_id, c.name, c.email, c.language, c.revoked_at"

    static func contact(_ row: PostgresRow) throws -> Contact {
        let cells = Array(row)
        return Contact(
            id: try cells[0].decode(Int64.self), organisationId: try cells[1].decode(Int64.self),
            name: try cells[2].decode(String.self), email: try cells[3].decode(String.self),
            language: Language(rawValue: try cells[4].decode(String.self)) ?? .fr,
            revokedAt: try cells[5].decode(Date?.self))
    }
}
