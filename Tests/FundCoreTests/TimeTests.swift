import Foundation
import FundCore
import Testing

@Suite("Days, wall-clock times and deadlines")
struct TimeTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)!
    }

    @Test func aDeadlineMinuteIncludesItsLastMillisecond() throws {
        let closesAt = try LocalTime.deadline("2024-12-15 23:59", in: paris)
        // The first late instant: PostgreSQL accepts what arrives before it (guard_call_window).
        #expect(closesAt == utc("2024-12-15T23:00:00.000Z"))
        #expect(LocalTime.lastAcceptedMoment(before: closesAt, in: paris) == "2024-12-15 23:59:59.999 +01:00")
    }

    @Test func secondsNarrowTheDeadlineToThatSecond() throws {
        let closesAt = try LocalTime.deadline("2024-12-15 23:59:30", in: paris)
        #expect(closesAt == utc("2024-12-15T22:59:31.000Z"))
    }

    @Test func summerDeadlinesUseSummerTime() throws {
        #expect(try LocalTime.deadline("2024-07-01 12:00", in: paris) == utc("2024-07-01T10:01:00.000Z"))
        #expect(LocalTime.format(utc("2024-07-01T10:00:00.000Z"), in: paris) == "2024-07-01 12:00 +02:00")
    }

    @Test func aDeadlineJustBeforeClocksGoBackKeepsItsOffset() throws {
        // 27 October 2024: at 03:00 CEST clocks went back to 02:00 CET.
        #expect(try LocalTime.deadline("2024-10-27 01:59", in: paris) == utc("2024-10-27T00:00:00.000Z"))
        #expect(try LocalTime.deadline("2024-10-27 03:59", in: paris) == utc("2024-10-27T03:00:00.000Z"))
        // In the repeated hour the first occurrence (summer time) is taken.
        #expect(try LocalTime.instant("2024-10-27 02:30", in: paris) == utc("2024-10-27T00:30:00.000Z"))
    }

    @Test func aTimeSkippedWhenClocksGoForwardIsRefused() {
        // 31 March 2024: 02:00 CET jumped to 03:00 CEST; 02:30 never happened in Paris.
        #expect(throws: FundError.self) { try LocalTime.instant("2024-03-31 02:30", in: paris) }
        #expect((try? LocalTime.deadline("2024-03-31 01:59", in: paris)) == utc("2024-03-31T01:00:00.000Z"))
    }

    @Test(arguments: ["2024-12-15", "2024-12-15 24:00", "2024-13-01 10:00", "15 Dec 2024 10:00", "2024-12-15 9:5"])
    func badWallClockTimesAreRefused(input: String) {
        #expect(throws: FundError.self) { try LocalTime.instant(input, in: paris) }
    }

    @Test func unknownZonesAreNamed() {
        #expect(throws: FundError.unknownTimeZone("Europe/Atlantis")) { try LocalTime.zone(named: "Europe/Atlantis") }
    }

    @Test func daysParseBothFormsAndRefuseImpossibleDates() throws {
        #expect(try CalendarDay(parsing: "2024-02-29").description == "2024-02-29")
        #expect(try CalendarDay(parsing: "15/12/2024") == CalendarDay(year: 2024, month: 12, day: 15))
        #expect(throws: FundError.self) { try CalendarDay(parsing: "2023-02-29") }
        #expect(throws: FundError.self) { try CalendarDay(parsing: "2024-1-1x") }
        #expect(try CalendarDay(parsing: "2024-02-29").adding(years: 3).description == "2027-02-28")
    }

    @Test func dayRangesAreInclusiveAndOrdered() throws {
        let year = try DayRange(parsing: "2024-01-01..2024-12-31")
        #expect(year.contains(try CalendarDay(parsing: "2024-01-01")))
        #expect(year.contains(try CalendarDay(parsing: "2024-12-31")))
        #expect(!year.contains(try CalendarDay(parsing: "2025-01-01")))
        #expect(throws: FundError.self) { try DayRange(parsing: "2024-12-31..2024-01-01") }
        #expect(throws: FundError.self) { try DayRange(parsing: "2024-01-01") }
    }
}

@Suite("UTC timestamps")
struct UTCTimestampTests {
    @Test func arithmeticMatchesTheCalendarAcrossCenturiesAndLeapDays() {
        let utc = TimeZone(identifier: "UTC")!
        let paris = TimeZone(identifier: "Europe/Paris")!
        var generator = SystemRandomNumberGenerator()
        // Paris kept local mean time (+00:09:21) until 1911; offsets in whole minutes start after.
        let samples: [Double] =
            [0, -1, 951_782_400, 4_107_542_399.999, 1_734_303_599.999, -1_000_000_000]
            + (0..<500).map { _ in
                Double(Int64.random(in: -1_700_000_000_000...4_000_000_000_000, using: &generator)) / 1000
            }
        for seconds in samples {
            let instant = Date(timeIntervalSince1970: seconds)
            let fast = LocalTime.iso8601(instant, in: utc)
            // Paris's calendar path, shifted back to UTC, must name the same instant.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            #expect(
                formatter.date(from: fast) == formatter.date(from: LocalTime.iso8601(instant, in: paris)),
                "\(seconds)")
        }
        #expect(LocalTime.iso8601(Date(timeIntervalSince1970: 951_782_400), in: utc) == "2000-02-29T00:00:00.000Z")
    }
}
