import Foundation
import FundCore
import PostgresNIO

/// A signed-in browser as a request sees it.
public struct WebSession: Sendable, Equatable {
    public let id: Int64
    public let contact: Contact
    public let organisationName: String
    /// Carried back by every form of the session.
    public let csrfToken: String
}

/// Browser sessions, in PostgreSQL so that any replica of the server serves them. The cookie
/// holds 256 random bits; only their SHA-256 is stored. A session ends after `inactivity`
/// without a request, on signing out, or at once when its contact is revoked.
public struct SessionRepository: Sendable {
    public static let inactivity: TimeInterval = 4 * 3600
    public static let prefix = "cfs_"

    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Uses a sign-in link (once, within its validity, for a contact not revoked) and opens a
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
                FROM contacts c
                WHERE l.token_sha256 = \(Digest.sha256(secret)) AND l.used_at IS NULL AND l.expires_at > now()
                  AND c.id = l.contact_id AND c.revoked_at IS NULL
                RETURNING l.contact_id
                """)
            guard let contactId = try used.first?.decode(Int64.self) else { return nil }
            try await transaction.query(
                """
                INSERT INTO sessions (token_sha256, contact_id, csrf_token)
                VALUES (\(Digest.sha256(cookie)), \(contactId), \(csrf))
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
        let rows = try await database.query(
            """
            UPDATE sessions s SET last_seen_at = now()
            FROM contacts c
            WHERE s.token_sha256 = \(hash) AND s.ended_at IS NULL AND c.id = s.contact_id AND c.revoked_at IS NULL
              AND s.last_seen_at > now() - make_interval(secs => \(Self.inactivity))
              AND s.last_seen_at < now() - interval '1 minute'
            RETURNING s.id
            """)
        _ = rows
        return try await Self.find(hash, in: database)
    }

    /// Ends a session (signing out).
    public func end(_ sessionId: Int64) async throws {
        try await database.query("UPDATE sessions SET ended_at = now() WHERE id = \(sessionId) AND ended_at IS NULL")
    }

    static func find(_ hash: String, in database: any QueryExecutor) async throws -> WebSession? {
        let rows = try await database.query(
            """
            SELECT s.id, s.csrf_token, o.name, \(unescaped: ContactRepository.columns)
            FROM sessions s JOIN contacts c ON c.id = s.contact_id JOIN organisations o ON o.id = c.organisation_id
            WHERE s.token_sha256 = \(hash) AND s.ended_at IS NULL AND c.revoked_at IS NULL
              AND s.last_seen_at > now() - make_interval(secs => \(Self.inactivity))
            """)
        guard let row = rows.first else { return nil }
        let cells = Array(row)
        let contact = Contact(
            id: try cells[3].decode(Int64.self), organisationId: try cells[4].decode(Int64.self),
            name: try cells[5].decode(String.self), email: try cells[6].decode(String.self),
            language: Language(rawValue: try cells[7].decode(String.self)) ?? .fr,
            revokedAt: try cells[8].decode(Date?.self))
        return WebSession(
            id: try cells[0].decode(Int64.self), contact: contact, organisationName: try cells[2].decode(String.self),
            csrfToken: try cells[1].decode(String.self))
    }
}
