import Foundation

/// A calendar date with no time of day, as label periods and envelope validity use ("2024-01-01").
public struct CalendarDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(FundError) {
        let text = "\(year)-\(month)-\(day)"
        guard (1...9999).contains(year) else { throw .invalidDate(input: text, reason: "the year must be 1 to 9999") }
        guard (1...12).contains(month) else { throw .invalidDate(input: text, reason: "the month must be 1 to 12") }
        guard (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw .invalidDate(input: text, reason: "that month has \(Self.daysIn(month: month, year: year)) days")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "YYYY-MM-DD"; also accepts the French "DD/MM/YYYY" the source documents use.
    public init(parsing input: String) throws(FundError) {
        let text = input.trimmingWhitespace()
        let iso = text.split(separator: "-", omittingEmptySubsequences: false)
        let french = text.split(separator: "/", omittingEmptySubsequences: false)
        let numbers: [Int]
        if iso.count == 3, iso[0].count == 4 {
            numbers = iso.compactMap { Int($0) }
        } else if french.count == 3, french[2].count == 4 {
            numbers = [french[2], french[1], french[0]].compactMap { Int($0) }
        } else {
            throw .invalidDate(input: input, reason: "write it as YYYY-MM-DD, for example 2024-12-31")
        }
        guard numbers.count == 3 else {
            throw .invalidDate(input: input, reason: "write it as YYYY-MM-DD, for example 2024-12-31")
        }
        do {
            try self.init(year: numbers[0], month: numbers[1], day: numbers[2])
        } catch {
            guard case .invalidDate(_, let reason) = error else { throw error }
            throw .invalidDate(input: input, reason: reason)
        }
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// "2024-12-31", the form PostgreSQL's `date` reads and writes.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// "31/12/2024", as French readers write a day.
    public var french: String {
        "\(LocalTime.pad(day))/\(LocalTime.pad(month))/\(LocalTime.pad(year, 4))"
    }

    /// The same day and month `years` later; 29 February becomes 28 February in a common year.
    public func adding(years: Int) -> CalendarDay {
        let target = year + years
        let lastDay = Self.daysIn(month: month, year: target)
        return (try? CalendarDay(year: target, month: month, day: min(day, lastDay))) ?? self
    }

    /// The day `days` after this one (before it when negative).
    public func adding(days: Int) -> CalendarDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return CalendarDay(calendar.date(byAdding: .day, value: days, to: start)!, in: calendar.timeZone)
    }

    /// The calendar day on which `instant` falls in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        self.year = parts.year!
        self.month = parts.month!
        self.day = parts.day!
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }
}

/// An inclusive range of days, written "2024-01-01..2024-12-31" on the command line.
public struct DayRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public let first: CalendarDay
    public let last: CalendarDay

    public init(first: CalendarDay, last: CalendarDay) throws(FundError) {
        guard first <= last else {
            throw .invalidDate(input: "\(first)..\(last)", reason: "the range ends before it starts")
        }
        self.first = first
        self.last = last
    }

    public init(parsing input: String) throws(FundError) {
        let parts = input.components(separatedBy: "..")
        guard parts.count == 2 else {
            throw .invalidDate(input: input, reason: "write a range as FIRST..LAST, for example 2024-01-01..2024-12-31")
        }
        try self.init(first: CalendarDay(parsing: parts[0]), last: CalendarDay(parsing: parts[1]))
    }

    public func contains(_ day: CalendarDay) -> Bool { first <= day && day <= last }

    public var description: String { "\(first)..\(last)" }
}
