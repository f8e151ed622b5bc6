import FundCore
import FundStore

/// Calls whose rules are frozen (every status after draft), kept in memory: their cap and
/// eligibility rules can no longer change, and whether one is open at a given instant is
/// decided by the database on every write, never from this cache.
actor CallCache {
    /// A call and the day of its deadline in its zone, worked out once.
    struct Entry: Sendable {
        let call: Call
        let deadlineDay: CalendarDay
    }

    private var entries: [Int64: Entry] = [:]

    func entry(_ id: Int64, database: Database) async throws -> Entry {
        if let entry = entries[id] { return entry }
        let call = try await CallRepository(database).find(id: id)
        let entry = Entry(call: call, deadlineDay: call.deadlineDay)
        if call.status.rulesAreFrozen { entries[id] = entry }
        return entry
    }

    func call(_ id: Int64, database: Database) async throws -> Call {
        try await entry(id, database: database).call
    }
}
