import FundCore
import FundStore

/// Calls whose rules are frozen (every status after draft), kept in memory: their cap and
/// eligibility rules can no longer change, and whether one is open at a given instant is
/// decided by the database on every write, never from this cache.
actor CallCache {
    private var calls: [Int64: Call] = [:]

    func call(_ id: Int64, database: Database) async throws -> Call {
        if let call = calls[id] { return call }
        let call = try await CallRepository(database).find(id: id)
        if call.status.rulesAreFrozen { calls[id] = call }
        return call
    }
}
