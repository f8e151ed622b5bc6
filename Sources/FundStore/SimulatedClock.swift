import Foundation
import FundCore

/// Moves the database clock that judges deadlines (`cfund_now()`), for tests and the demo.
/// Production never sets it; `cfund db status` warns when it is set.
public struct SimulatedClock: Sendable {
    let database: any QueryExecutor

    public init(_ database: any QueryExecutor) {
        self.database = database
    }

    /// Sets the clock to `instant`, rounded to the millisecond: binary floating point would
    /// otherwise turn .999 into .998999, one millisecond early.
    public func set(_ instant: Date) async throws {
        let milliseconds = Int64((instant.timeIntervalSince1970 * 1000).rounded())
        try await database.query(
            """
            INSERT INTO simulated_clock (at) VALUES ('epoch'::timestamptz + \(milliseconds) * interval '1 millisecond')
            ON CONFLICT (singleton) DO UPDATE SET at = excluded.at
            """)
    }

    public func clear() async throws {
        try await database.query("DELETE FROM simulated_clock")
    }

    /// The instant deadlines are judged against: the simulated one when set, else the database's.
    public func now() async throws -> Date {
        guard let now = try await database.query("SELECT cfund_now()").first?.decode(Date.self) else {
            throw FundError.databaseUnavailable("The database did not say what time it is; try again.")
        }
        return now
    }

    public func current() async throws -> Date? {
        try await database.query("SELECT at FROM simulated_clock").decode(Date.self).first(where: { _ in true })
    }
}
