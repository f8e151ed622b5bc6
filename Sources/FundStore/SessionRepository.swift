import Foundation
import FundCore
import PostgresNIO

/// What an admin may do on the web: the programme team acts, finance reads.
public enum AdminRole: String, CaseIterable, Sendable, Codable {
    case programme
    case finance
}

/// A signed-in browser as a request sees it: whose it is, and its form token.
public struct WebSession: Sendable, Equatable {
    public enum Holder: Sendable, Equatable {
        /// A person of an applicant organisation.
        case contact(Contact, organisationName: String)
        case reviewer(id: Int64, name: String, email: String)
        case admin(id: Int64, name: String, email: String, role: AdminRole)
    }

    public let id: Int64
    public let holder: Holder
    /// Carried back by every form of the session.
    public let csrfToken: String

    public var contact: Contact? {
        if case .contact(let contact, _) = holder { return contact }
        return nil
    }

    public var reviewerId: Int64? {
        if case .reviewer(let id, _, _) = holder { return id }
        return nil
    }

    public var adminRole: AdminRole? {
        if case .admin(_, _, _, let role) = holder { return role }
        return nil
    }

    public var name: String {
        switch holder {
        case .contact(let contact, _): return contact.name
        case .reviewer(_, let name, _), .admin(_, let name, _, _): return name
        }
    }

    /// Who the audit trail records for what the session does.
    public var actor: String {
        switch holder {
        case .contact(let contact, _): return AuditActor.contact(contact.id)
        case .reviewer(let id, _, _): return AuditActor.reviewer(id)
        case .admin(let id, _, _, _): return AuditActor.admin(id)
        }
    }
}

/// Browser sessions, in PostgreSQL so that any replica of the server serves them. The cookie
/// holds 256 random bits; only their SHA-256 is stored. A session ends after `inactivity`
/// without a request, on signing out, or at once when its holder is revoked.
public struct SessionRepository: Sendable {
    public static let inactivity: TimeInterval = 4 * 3600
    public static let prefix = "cfs_"

    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// A new sign-in link for a holder (exactly one of them), valid 7 days and once; its secret.
    /// The link is also mailed to them, in the same transaction (the outbox keeps the message, as
    /// any mail server would, until it is sent; the database keeps only the link's hash).
    static func issueLink(
        contact: Int64? = nil, reviewer: Int64? = nil, admin: Int64? = nil, in transaction: Transaction
    ) async throws -> String {
        let secret = TokenRepository.generate(prefix: ContactRepository.linkPrefix)
        try await transaction.query(
            """
            WITH link AS (
                INSERT INTO sign_in_links (contact_id, reviewer_id, admin_id, token_sha256, expires_at)
                VALUES (\(contact), \(reviewer), \(admin), \(Digest.sha256(secret)),
                        now() + make_interval(secs => \(ContactRepository.linkValidity)))
                RETURNING id
            ), holder AS (
                SELECT email, name, language FROM contacts WHERE id = \(contact)
                UNION ALL SELECT email, name, language FROM reviewers WHERE id = \(reviewer)
                UNION ALL SELECT email, name, language FROM admins WHERE id = \(admin)
            )
            INSERT INTO mail_outbox (event, template, data, recipient, recipient_name, language)
            SELECT 'sign-in:' || link.id, 'sign-in', jsonb_build_object('link', \(secret)), holder.email, holder.name,
                   holder.language
            FROM link, holder
            """)
        return secret
    }

    /// Someone on the sign-in page asks for a link to `email`, from `client`: every contact,
    /// reviewer and admin of that address who may sign in gets one, mailed, within the limits of
    /// `cfund_sign_in_request` (0015; beyond the client's, `FundError.tooManyRequests`). Returns how
    /// many links were made, which the page must not tell.
    public func requestLink(email: String, client: String) async throws -> Int {
        try await database.transaction { transaction in
            let allowed = try await transaction.query("SELECT cfund_sign_in_request(\(email), \(client))")
            guard try allowed.first?.decode(Bool.self) == true else { return 0 }
            let holders = try await transaction.query(
                """
                SELECT id, NULL::bigint, NULL::bigint FROM contacts
                WHERE lower(email) = lower(btrim(\(email))) AND revoked_at IS NULL
                UNION ALL SELECT NULL, id, NULL FROM reviewers WHERE lower(email) = lower(btrim(\(email)))
                UNION ALL SELECT NULL, NULL, id FROM admins
                WHERE lower(email) = lower(btrim(\(email))) AND revoked_at IS NULL
                """)
            var issued = 0
            for (contact, reviewer, admin) in try holders.decode((Int64?, Int64?, Int64?).self) {
                _ = try await Self.issueLink(contact: contact, reviewer: reviewer, admin: admin, in: transaction)
                issued += 1
            }
            return issued
        }
    }

    /// The language the session's holder chose on the site becomes the one of their mail.
    public func remember(_ language: Language, for session: WebSession) async throws {
        let table: String
        let id: Int64
        switch session.holder {
        case .contact(let contact, _): (table, id) = ("contacts", contact.id)
        case .reviewer(let reviewer, _, _): (table, id) = ("reviewers", reviewer)
        case .admin(let admin, _, _, _): (table, id) = ("admins", admin)
        }
        try await database.query(
            "UPDATE \(unescaped: table) SET language = \(language.rawValue) WHERE id = \(id) AND language <> \(language.rawValue)"
        )
    }

    /// Uses a sign-in link (once, within its validity, for a holder not revoked) and opens a
    /// session; returns the session's cookie secret and the session. Nil for a link that is
    /// unknown, used, expired or revoked: the page says the same in every case.
    public func signIn(link secret: String) async throws -> (secret: String, session: WebSession)? {
        guard secret.hasPrefix(ContactRepository.linkPrefix), secret.count < 200 else { return nil }
        let cookie = TokenRepository.generate(prefix: Self.prefix)
        let csrf = TokenRepository.generate(prefix: "")
        let session: WebSession? = try await database.transaction { transaction in
            let used = try await transaction.query(
                """
                UPDATE sign_in_links l SET used_at = now()
                WHERE l.token_sha256 = \(Digest.sha256(secret)) AND l.used_at IS NULL AND l.expires_at > now()
                  AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = l.contact_id AND c.revoked_at IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM admins a WHERE a.id = l.admin_id AND a.revoked_at IS NOT NULL)
                RETURNING l.contact_id, l.reviewer_id, l.admin_id
                """)
            guard let (contact, reviewer, admin) = try used.first?.decode((Int64?, Int64?, Int64?).self) else {
                return nil
            }
            try await transaction.query(
                """
                INSERT INTO sessions (token_sha256, contact_id, reviewer_id, admin_id, csrf_token)
                VALUES (\(Digest.sha256(cookie)), \(contact), \(reviewer), \(admin), \(csrf))
                """)
            return try await Self.find(Digest.sha256(cookie), in: transaction)
        }
        return session.map { (cookie, $0) }
    }

    /// The live session a cookie names, its inactivity clock reset; nil when unknown or ended.
    public func authenticate(_ secret: String) async throws -> WebSession? {
        guard secret.hasPrefix(Self.prefix), secret.count < 200 else { return nil }
        let hash = Digest.sha256(secret)
        // Touching at most once a minute keeps a page's assets from writing a row each.
        try await database.query(
            """
            UPDATE sessions SET last_seen_at = now()
            WHERE token_sha256 = \(hash) AND ended_at IS NULL
              AND last_seen_at > now() - make_interval(secs => \(Self.inactivity))
              AND last_seen_at < now() - interval '1 minute'
            """)
        return try await Self.find(hash, in: database)
    }

    /// Ends a session (signing out).
    public func end(_ sessionId: Int64) async throws {
        try await database.query("UPDATE sessions SET ended_at = now() WHERE id = \(sessionId) AND ended_at IS NULL")
    }

    static func find(_ hash: String, in database: any QueryExecutor) async throws -> WebSession? {
        let rows = try await database.query(
            """
            SELECT s.id, s.csrf_token, c.id, c.organisation_id, c.name, c.email, c.language, o.name,
                   r.id, r.name, r.email, a.id, a.name, a.email, a.role
            FROM sessions s
            LEFT JOIN contacts c ON c.id = s.contact_id
            LEFT JOIN organisations o ON o.id = c.organisation_id
            LEFT JOIN reviewers r ON r.id = s.reviewer_id
            LEFT JOIN admins a ON a.id = s.admin_id
            WHERE s.token_sha256 = \(hash) AND s.ended_at IS NULL
              AND s.last_seen_at > now() - make_interval(secs => \(Self.inactivity))
              AND c.revoked_at IS NULL AND a.revoked_at IS NULL
            """)
        guard let row = rows.first else { return nil }
        let (
            id, csrf, contactId, organisationId, contactName, contactEmail, language, organisation, reviewerId,
            reviewerName, reviewerEmail, adminId, adminName, adminEmail, role
        ) = try row.decode(
            (
                Int64, String, Int64?, Int64?, String?, String?, String?, String?, Int64?, String?, String?, Int64?,
                String?, String?, String?
            ).self)
        let holder: WebSession.Holder
        if let contactId, let organisationId, let contactName, let contactEmail, let organisation {
            holder = .contact(
                Contact(
                    id: contactId, organisationId: organisationId, name: contactName, email: contactEmail,
                    language: Language(rawValue: language ?? "") ?? .fr, revokedAt: nil),
                organisationName: organisation)
        } else if let reviewerId, let reviewerName, let reviewerEmail {
            holder = .reviewer(id: reviewerId, name: reviewerName, email: reviewerEmail)
        } else if let adminId, let adminName, let adminEmail, let role = role.flatMap(AdminRole.init(rawValue:)) {
            holder = .admin(id: adminId, name: adminName, email: adminEmail, role: role)
        } else {
            return nil
        }
        return WebSession(id: id, holder: holder, csrfToken: csrf)
    }
}
