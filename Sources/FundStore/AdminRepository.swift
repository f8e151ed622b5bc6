import Foundation
import FundCore
import PostgresNIO

/// A person of the Fund's team on the web.
public struct Admin: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let email: String
    public let role: AdminRole
    public let revokedAt: Date?
}

/// The programme and finance teams' accounts. Like contacts, they sign in with one-time links;
/// revoking one ends their sessions at once.
public struct AdminRepository: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Adds an admin (or finds them by email, with the role given now, lifting a revocation) and
    /// returns a sign-in link's secret, valid 7 days and once.
    public func invite(name: String?, email: String, role: AdminRole, language: Language? = nil) async throws -> (
        admin: Admin, secret: String
    ) {
        let (name, email) = try ContactRepository.person(name: name, email: email)
        return try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                INSERT INTO admins AS a (name, email, role, language)
                VALUES (\(name ?? email), \(email), \(role.rawValue), coalesce(\(language?.rawValue), 'fr'))
                ON CONFLICT ((lower(email))) DO UPDATE
                    SET name = coalesce(\(name), a.name), role = excluded.role, revoked_at = NULL,
                        language = coalesce(\(language?.rawValue), a.language)
                RETURNING \(unescaped: Self.columns)
                """)
            guard let row = rows.first else { throw FundError.database("The admin was not stored; try again.") }
            let admin = try Self.admin(row)
            return (admin, try await SessionRepository.issueLink(admin: admin.id, in: transaction))
        }
    }

    public func list() async throws -> [Admin] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM admins a ORDER BY a.id").map(Self.admin)
    }

    /// Revokes an admin: their sessions end at once, their links stop working.
    public func revoke(email: String) async throws -> Admin {
        try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                UPDATE admins a SET revoked_at = coalesce(a.revoked_at, now()) WHERE lower(a.email) = lower(\(email))
                RETURNING \(unescaped: Self.columns)
                """)
            guard let row = rows.first else { throw FundError.notFound(kind: "admin", reference: email) }
            let admin = try Self.admin(row)
            try await transaction.query(
                "UPDATE sessions SET ended_at = now() WHERE admin_id = \(admin.id) AND ended_at IS NULL")
            return admin
        }
    }

    static let columns = "a.id, a.name, a.email, a.role, a.revoked_at"

    static func admin(_ row: PostgresRow) throws -> Admin {
        let (id, name, email, role, revokedAt) = try row.decode((Int64, String, String, String, Date?).self)
        return Admin(
            id: id, name: name, email: email, role: AdminRole(rawValue: role) ?? .finance, revokedAt: revokedAt)
    }
}
