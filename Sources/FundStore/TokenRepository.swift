import Foundation
import FundCore
import PostgresNIO

/// A token as listed: never the secret, only a hint of how it starts.
public struct TokenInfo: Sendable, Equatable {
    public let id: Int64
    public let organisationId: Int64
    public let hint: String
    public let createdAt: Date
    public let revokedAt: Date?
}

/// Who a valid token speaks for.
public struct Applicant: Sendable, Equatable {
    public let tokenId: Int64
    public let organisation: Organisation
}

/// Organisation API tokens: `cft_` and 43 characters of base64url (256 random bits); only the
/// SHA-256 is stored, so a leaked database does not leak tokens.
public struct TokenRepository: Sendable {
    public static let prefix = "cft_"
    let database: Database

    public init(_ database: Database) {
        self.database = database
    }

    /// A new random token; shown once to the admin, then only its hash exists.
    public static func generate(prefix: String = TokenRepository.prefix) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    /// Issues a token for an organisation and returns it with its id.
    public func issue(for organisationId: Int64) async throws -> (id: Int64, token: String) {
        let token = Self.generate()
        let hint = String(token.prefix(Self.prefix.count + 4)) + "…"
        let rows = try await database.query(
            """
            INSERT INTO organisation_tokens (organisation_id, token_sha256, hint)
            VALUES (\(organisationId), \(Digest.sha256(token)), \(hint))
            RETURNING id
            """)
        guard let id = try await rows.decode(Int64.self).first(where: { _ in true }) else {
            throw FundError.database("The token was not stored; try again.")
        }
        return (id, token)
    }

    /// Revokes one of an organisation's tokens; it stops working at once.
    public func revoke(tokenId: Int64, of organisationId: Int64) async throws {
        let rows = try await database.query(
            """
            UPDATE organisation_tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE id = \(tokenId) AND organisation_id = \(organisationId)
            RETURNING id
            """)
        guard try await rows.decode(Int64.self).first(where: { _ in true }) != nil else {
            throw FundError.notFound(kind: "token", reference: String(tokenId))
        }
    }

    public func list(for organisationId: Int64) async throws -> [TokenInfo] {
        let rows = try await database.query(
            """
            SELECT id, organisation_id, hint, created_at, revoked_at FROM organisation_tokens
            WHERE organisation_id = \(organisationId) ORDER BY id
            """)
        var tokens: [TokenInfo] = []
        for try await (id, organisationId, hint, createdAt, revokedAt) in rows.decode(
            (Int64, Int64, String, Date, Date?).self)
        {
            tokens.append(
                TokenInfo(
                    id: id, organisationId: organisationId, hint: hint, createdAt: createdAt, revokedAt: revokedAt))
        }
        return tokens
    }

    /// The organisation a live token belongs to, with its labels; nil for unknown or revoked tokens.
    public func authenticate(_ token: String) async throws -> Applicant? {
        guard token.hasPrefix(Self.prefix), token.count < 200 else { return nil }
        let hash = Digest.sha256(token)
        for (tokenId, stored, id, name, kind, city, country, labels) in try await database.execute(
            AuthenticateStatement(hash: hash))
        {
            // The lookup goes by hash; comparing again without early exit keeps timing flat.
            guard Digest.constantTimeEqual(stored, hash) else { return nil }
            return Applicant(
                tokenId: tokenId,
                organisation: try OrganisationRepository.organisation(id, name, kind, city, country, labels))
        }
        return nil
    }
}

/// Every API request runs this lookup, so it is prepared once per connection.
struct AuthenticateStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT t.id, t.token_sha256, o.id, o.name, o.kind, o.city, o.country,
               coalesce(string_agg(l.awarded_on::text || '/' || l.expires_on::text, ',' ORDER BY l.awarded_on), '')
        FROM organisation_tokens t
        JOIN organisations o ON o.id = t.organisation_id
        LEFT JOIN label_periods l ON l.organisation_id = o.id
        WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL
        GROUP BY t.id, o.id
        """
    typealias Row = (Int64, String, Int64, String, String, String, String, String)

    let hash: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(hash)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
