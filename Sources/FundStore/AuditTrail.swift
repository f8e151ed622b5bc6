import Crypto
import Foundation
import FundCore
import PostgresNIO

/// One recorded change, as `cfund audit log` shows it.
public struct AuditEvent: Sendable, Equatable {
    public let id: Int64
    /// Position in the chain; nil until sealed.
    public let seq: Int64?
    public let occurredAt: Date
    public let actor: String
    public let action: String
    public let target: String
    public let callId: Int64?
    /// The changed fields before and after, as JSON text (`null` for a creation's before).
    public let before: String?
    public let after: String?
}

/// Who the audit trail names for a change (the `cfund.actor` setting); plain SQL, which sets
/// none, is recorded as `sql:` and the database role.
public enum AuditActor {
    public static func cli(user: String) -> String { "cli:" + user }
    public static func organisationToken(_ id: Int64) -> String { "organisation-token:\(id)" }
    public static func reviewerToken(_ id: Int64) -> String { "reviewer-token:\(id)" }
    public static func contact(_ id: Int64) -> String { "contact:\(id)" }
    /// A reviewer signed in on the web (their API token is `reviewerToken`).
    public static func reviewer(_ id: Int64) -> String { "reviewer:\(id)" }
    public static func admin(_ id: Int64) -> String { "admin:\(id)" }
}

/// What `cfund audit verify` found.
public struct AuditVerification: Sendable, Equatable {
    /// The first event whose link does not hold, and why.
    public struct Break: Sendable, Equatable {
        public let seq: Int64
        public let eventId: Int64?
        public let reason: String
    }

    public let sealedNow: Int64
    public let checked: Int64
    public let headSeq: Int64
    /// The last event's hash, hex: written down outside the database, it also catches a chain
    /// rewritten from start to end by someone who can recompute every hash.
    public let headHash: String
    public let firstBreak: Break?
    public var intact: Bool { firstBreak == nil }
}

/// Checks a chain link by link: feed events in `seq` order, then `finish` with the head.
/// Kept apart from the database so the rules are tested on hand-made chains.
public struct AuditChainCheck: Sendable {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    private var expectedSeq: Int64 = 1
    private var previousHash = AuditChainCheck.genesis
    public private(set) var checked: Int64 = 0
    public private(set) var firstBreak: AuditVerification.Break?

    public init() {}

    /// `content` is the event's canonical text (`audit_event_text`), as the sealer hashed it.
    public mutating func add(seq: Int64, eventId: Int64, content: String, prevHash: [UInt8], hash: [UInt8]) {
        guard firstBreak == nil else { return }
        checked += 1
        if seq != expectedSeq {
            firstBreak = .init(
                seq: expectedSeq, eventId: nil,
                reason: "event #\(expectedSeq) is missing (the next one is #\(seq)): events were deleted")
        } else if prevHash != previousHash {
            firstBreak = .init(
                seq: seq, eventId: eventId,
                reason: "its previous-hash does not match event #\(seq - 1)'s hash: the chain was cut or reordered")
        } else if Self.hash(previous: prevHash, content: content) != hash {
            firstBreak = .init(
                seq: seq, eventId: eventId,
                reason: "its content does not match its hash: the event was edited after it was sealed")
        }
        expectedSeq = seq + 1
        previousHash = hash
    }

    /// Compares the last event with the chain's head, which catches events cut off the end.
    public mutating func finish(headSeq: Int64, headHash: [UInt8]) {
        guard firstBreak == nil else { return }
        if headSeq != expectedSeq - 1 || headHash != previousHash {
            firstBreak = .init(
                seq: expectedSeq, eventId: nil,
                reason: "the chain ends at #\(expectedSeq - 1) but its head says #\(headSeq): "
                    + "events at the end were deleted or the head was edited")
        }
    }

    public static func hash(previous: [UInt8], content: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: Data(content.utf8))
        return Array(hasher.finalize())
    }
}

/// The tamper-evident audit trail (Schema/0005): events are written by triggers in the
/// transaction of each change; this type seals them into the hash chain, lists and verifies it.
public struct AuditTrail: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Chains the events committed since the last seal; returns how many.
    @discardableResult
    public func seal() async throws -> Int64 {
        try await database.query("SELECT audit_seal()").first?.decode(Int64.self) ?? 0
    }

    /// Streams events in the order they happened (id order), optionally one call's, from a time on.
    public func streamEvents(
        callId: Int64? = nil, since: Date? = nil, limit: Int? = nil, _ body: (AuditEvent) throws -> Void
    ) async throws {
        let query: PostgresQuery = """
            SELECT id, seq, occurred_at, actor, action, target, call_id, before::text, after::text
            FROM audit_events
            WHERE (\(callId)::bigint IS NULL OR call_id = \(callId))
              AND (\(since)::timestamptz IS NULL OR occurred_at >= \(since))
            ORDER BY id
            LIMIT \(limit.map(Int64.init))
            """
        try await database.forEachRow(query) { row in
            let (id, seq, occurredAt, actor, action, target, call, before, after) = try row.decode(
                (Int64, Int64?, Date, String, String, String, Int64?, String?, String?).self)
            try body(
                AuditEvent(
                    id: id, seq: seq, occurredAt: occurredAt, actor: actor, action: action, target: target,
                    callId: call, before: before, after: after))
        }
    }

    /// Seals what is pending, then walks the whole chain from the first event, recomputing
    /// every hash here (not in SQL), and compares its end with the head.
    public func verify() async throws -> AuditVerification {
        let sealedNow = try await seal()
        var check = AuditChainCheck()
        let query: PostgresQuery = """
            SELECT e.seq, e.id, audit_event_text(e), e.prev_hash, e.hash
            FROM audit_events e WHERE e.seq IS NOT NULL ORDER BY e.seq
            """
        try await database.forEachRow(query) { row in
            let (seq, id, content, prevHash, hash) = try row.decode((Int64, Int64, String, Data, Data).self)
            check.add(seq: seq, eventId: id, content: content, prevHash: Array(prevHash), hash: Array(hash))
        }
        let head = try await database.query("SELECT seq, hash FROM audit_chain").first?.decode((Int64, Data).self)
        check.finish(headSeq: head?.0 ?? 0, headHash: head.map { Array($0.1) } ?? AuditChainCheck.genesis)
        let headHash = Digest.hex(head.map { Array($0.1) } ?? AuditChainCheck.genesis)
        return AuditVerification(
            sealedNow: sealedNow, checked: check.checked, headSeq: head?.0 ?? 0, headHash: headHash,
            firstBreak: check.firstBreak)
    }
}
