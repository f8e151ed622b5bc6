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

/// API tokens: a prefix (`cft_` for organisations, `cfr_` for reviewers) and 43 characters of
/// base64url (256 random bits); only the SHA-256 is stored, so a leaked database does not leak
/// tokens.
public struct TokenRepository: Sendable {
    /// Who a token speaks for; each has its own table and prefix.
    public enum Holder: Sendable {
        case organisation
        case reviewer

        var prefix: String { self == .organisation ? "cft_" : "cfr_" }
        var table: String { self == .organisation ? "organisation_tokens" : "reviewer_tokens" }
        var column: String { self == .organisation ? "organisation_id" : "reviewer_id" }
    }

    public static let prefix = Holder.organisation.prefix
    let database: any QueryExecutor
    let holder: Holder

    public init(_ database: any QueryExecutor, holder: Holder = .organisation) {
        self.database = database
        self.holder = holder
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

    /// Issues a token for an organisation (or reviewer) and returns it with its id.
    public func issue(for holderId: Int64) async throws -> (id: Int64, token: String) {
        let token = Self.generate(prefix: holder.prefix)
        let hint = String(token.prefix(holder.prefix.count + 4)) + "…"
        var query = PostgresQuery(
            unsafeSQL:
                "INSERT INTO \(holder.table) (\(holder.column), token_sha256, hint) VALUES ($1, $2, $3) RETURNING id")
        query.binds.append(holderId, context: .default)
        query.binds.append(Digest.sha256(token), context: .default)
        query.binds.append(hint, context: .default)
        let rows = try await database.query(query)
        guard let id = try rows.decode(Int64.self).first(where: { _ in true }) else {
            throw FundError.database("The token was not stored; try again.")
        }
        return (id, token)
    }

    /// Revokes one of a holder's tokens; it stops working at once.
    public func revoke(tokenId: Int64, of holderId: Int64) async throws {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE \(holder.table) SET revoked_at = coalesce(revoked_at, now())
                WHERE id = $1 AND \(holder.column) = $2 RETURNING id
                """)
        query.binds.append(tokenId, context: .default)
        query.binds.append(holderId, context: .default)
        let rows = try await database.query(query)
        guard try rows.decode(Int64.self).first(where: { _ in true }) != nil else {
            throw FundError.notFound(kind: "token", reference: String(tokenId))
        }
    }

    public func list(for holderId: Int64) async throws -> [TokenInfo] {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT id, \(holder.column), hint, created_at, revoked_at FROM \(holder.table)
                WHERE \(holder.column) = $1 ORDER BY id
                """)
        query.binds.append(holderId, context: .default)
        let rows = try await database.query(query)
        var tokens: [TokenInfo] = []
        for (id, organisationId, hint, createdAt, revokedAt) in try rows.decode(
            (Int64, Int64, String, Date, Date?).self)
        {
            tokens.append(
                TokenInfo(
                    id: id, organisationId: organisationId, hint: hint, createdAt: createdAt, revokedAt: revokedAt))
        }
        return tokens
    }

    /// The reviewer a live reviewer token belongs to, and the token's id; nil for unknown or
    /// revoked tokens.
    public func authenticateReviewer(_ token: String) async throws -> (reviewerId: Int64, tokenId: Int64)? {
        guard token.hasPrefix(Holder.reviewer.prefix), token.count < 200 else { return nil }
        let hash = Digest.sha256(token)
        let rows = try await database.query(
            """
            SELECT reviewer_id, id, token_sha256 FROM reviewer_tokens
            WHERE token_sha256 = \(hash) AND revoked_at IS NULL
            """)
        guard let (reviewerId, tokenId, stored) = try rows.first?.decode((Int64, Int64, String).self),
            Digest.constantTimeEqual(stored, hash)
        else { return nil }
        return (reviewerId, tokenId)
    }

    /// The organisation a live token belongs to, with its labels; nil for unknown or revoked tokens.
    public func authenticate(_ token: String) async throws -> Applicant? {
        guard let hash = Self.organisationHash(token) else { return nil }
        for row in try await database.execute(AuthenticateStatement(hash: hash)) {
            return try Self.applicant(row, hash: hash)
        }
        return nil
    }

    /// The SHA-256 a token is looked up by; nil for what cannot be an organisation's token.
    static func organisationHash(_ token: String) -> String? {
        guard token.hasPrefix(Self.prefix), token.count < 200 else { return nil }
        return Digest.sha256(token)
    }

    static func applicant(_ row: AuthenticateStatement.Row, hash: String) throws -> Applicant? {
        let (tokenId, stored, id, name, kind, city, country, labels) = row
        // The lookup goes by hash; comparing again without early exit keeps timing flat.
        guard Digest.constantTimeEqual(stored, hash) else { return nil }
        return Applicant(
            tokenId: tokenId,
            organisation: try OrganisationRepository.organisation(id, name, kind, city, country, labels))
    }
}

/// Who a request's token speaks for, however it is looked up.
public protocol ApplicantAuthenticating: Sendable {
    /// The organisation a live token belongs to; nil for unknown or revoked tokens.
    func authenticate(_ token: String) async throws -> Applicant?
}

extension TokenRepository: ApplicantAuthenticating {}

/// The API's organisation tokens under load: lookups that arrive while others are in flight go
/// together as one query (`Batcher`), one round trip for all; a lone lookup goes at once. Each
/// is still a live lookup, so a revoked token stops working at once. Under the intake's load
/// the token's round trip was the largest part of the server's CPU per submission after the
/// framework's own (Benchmarks/intake).
public struct TokenLookups: ApplicantAuthenticating {
    private let batcher: Batcher<String, AuthenticateStatement.Row?>

    /// - Parameters:
    ///   - concurrentLookups: queries in flight at once (connections held).
    ///   - deadline: how long a query may take before its lookups are answered 503 (the
    ///     server's request timeout).
    public init(
        database: Database, concurrentLookups: Int = 2, largestBatch: Int = 64, deadline: Duration = .seconds(10)
    ) {
        batcher = Batcher(
            lanes: concurrentLookups, largestBatch: largestBatch, deadline: deadline,
            late: { FundError.databaseUnavailable("The database did not answer in time; try again.") },
            lane: { $0.hashValue }, run: { await Self.run($0, on: database) })
    }

    public func authenticate(_ token: String) async throws -> Applicant? {
        guard let hash = TokenRepository.organisationHash(token), let row = try await batcher.answer(hash) else {
            return nil
        }
        return try TokenRepository.applicant(row, hash: hash)
    }

    /// How many queries ran and how many lookups they answered (the tests read them).
    public var batches: Int { get async { await batcher.batches } }
    public var received: Int { get async { await batcher.received } }

    private static func run(_ hashes: [String], on database: Database) async -> [Result<
        AuthenticateStatement.Row?, any Error
    >] {
        do {
            let rows = try await database.query(
                """
                SELECT \(unescaped: AuthenticateStatement.columns)
                WHERE t.token_sha256 = ANY(\(hashes)) AND t.revoked_at IS NULL
                GROUP BY t.id, o.id
                """)
            var found: [String: AuthenticateStatement.Row] = [:]
            for row in rows {
                let decoded = try row.decode(AuthenticateStatement.Row.self)
                found[decoded.1] = decoded
            }
            return hashes.map { .success(found[$0]) }
        } catch {
            return hashes.map { _ in .failure(Database.domainError(error)) }
        }
    }
}

/// One token looked up alone (the grants API; the submissions API uses `TokenLookups`), prepared
/// once per connection.
struct AuthenticateStatement: PostgresPreparedStatement {
    /// What a lookup reads, up to its WHERE clause.
    static let columns = """
        t.id, t.token_sha256, o.id, o.name, o.kind, o.city, o.country, \(OrganisationRepository.labelsColumn)
        FROM organisation_tokens t
        JOIN organisations o ON o.id = t.organisation_id
        LEFT JOIN label_periods l ON l.organisation_id = o.id
        """
    static let sql = """
        SELECT \(columns)
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
