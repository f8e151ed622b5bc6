import Foundation

/// Turns wall-clock times typed in a named zone into instants, and instants back into local text.
///
/// A call's deadline is entered as a minute ("2024-12-15 23:59") and means the whole of that
/// minute: the call accepts submissions received strictly before the *next* minute, so one
/// received at 23:59:59.999 is on time and one at 00:00:00.000 is late. Cfund therefore stores
/// the first instant that is too late (`closesAt`, an exclusive bound) and compares with `<`.
public enum LocalTime {
    public static let defaultZoneName = "Europe/Paris"
    public static let paris = TimeZone(identifier: defaultZoneName)!

    /// "15/12/2024 à 23:59 (heure de Paris)", "15/12/2024 at 23:59 (Paris time)": an instant as
    /// people read it in their language, with `milliseconds` for a receipt ("23:59:59,999").
    public static func spoken(
        _ instant: Date, in zone: TimeZone, language: Language, milliseconds: Bool = false
    ) -> String {
        let (second, millis) = wholeMilliseconds(instant)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: second)
        let day = "\(pad(parts.day!))/\(pad(parts.month!))/\(pad(parts.year!, 4))"
        var time = "\(pad(parts.hour!)):\(pad(parts.minute!))"
        if milliseconds {
            time += ":\(pad(parts.second!))\(language == .fr ? "," : ".")\(pad(millis, 3))"
        }
        let city = zone.identifier.split(separator: "/").last.map { $0.replacingOccurrences(of: "_", with: " ") }
        switch language {
        case .fr: return "\(day) à \(time) (heure de \(city ?? zone.identifier))"
        case .en: return "\(day) at \(time) (\(city ?? zone.identifier) time)"
        }
    }

    public static func zone(named name: String) throws(FundError) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { throw .unknownTimeZone(name) }
        return zone
    }

    /// The instant a wall-clock time names; refuses times that do not exist in the zone (the hour
    /// skipped when clocks go forward). In the repeated hour when clocks go back, the first
    /// occurrence is used.
    public static func instant(_ input: String, in zone: TimeZone) throws(FundError) -> Date {
        let wall = try WallClock(parsing: input)
        return try instant(of: wall, in: zone, input: input)
    }

    /// The exclusive end of a deadline typed as a wall-clock time: one minute after "23:59", or
    /// one second after "23:59:59".
    public static func deadline(_ input: String, in zone: TimeZone) throws(FundError) -> Date {
        let wall = try WallClock(parsing: input)
        let start = try instant(of: wall, in: zone, input: input)
        return start.addingTimeInterval(wall.hasSeconds ? 1 : 60)
    }

    /// "2024-12-15 23:59 +01:00", or with `milliseconds` "2024-12-15 23:59:59.999 +01:00": local
    /// wall-clock time and the zone's offset at that instant.
    public static func format(_ instant: Date, in zone: TimeZone, milliseconds: Bool = false) -> String {
        let (second, millis) = wholeMilliseconds(instant)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: second)
        var text =
            "\(pad(parts.year!, 4))-\(pad(parts.month!))-\(pad(parts.day!)) \(pad(parts.hour!)):\(pad(parts.minute!))"
        if milliseconds { text += ":\(pad(parts.second!)).\(pad(millis, 3))" }
        let offset = zone.secondsFromGMT(for: second)
        let sign = offset < 0 ? "-" : "+"
        return "\(text) \(sign)\(pad(abs(offset) / 3600)):\(pad(abs(offset) % 3600 / 60))"
    }

    /// The last accepted millisecond before an exclusive deadline, as people read it.
    public static func lastAcceptedMoment(before closesAt: Date, in zone: TimeZone) -> String {
        format(closesAt.addingTimeInterval(-0.001), in: zone, milliseconds: true)
    }

    /// ISO-8601 with milliseconds and the zone's offset ("2024-12-15T23:59:59.999+01:00", or "Z"
    /// for UTC), for JSON and receipts.
    public static func iso8601(_ instant: Date, in zone: TimeZone) -> String {
        let (second, millis) = wholeMilliseconds(instant)
        if ["UTC", "GMT"].contains(zone.identifier) { return utcISO8601(second, millis) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: second)
        let offset = zone.secondsFromGMT(for: second)
        let sign = offset < 0 ? "-" : "+"
        let suffix =
            offset == 0 && ["UTC", "GMT"].contains(zone.identifier)
            ? "Z" : "\(sign)\(pad(abs(offset) / 3600)):\(pad(abs(offset) % 3600 / 60))"
        return
            "\(pad(parts.year!, 4))-\(pad(parts.month!))-\(pad(parts.day!))T\(pad(parts.hour!)):\(pad(parts.minute!)):"
            + "\(pad(parts.second!)).\(pad(millis, 3))\(suffix)"
    }

    /// The instant's whole second and its milliseconds, rounded from binary floating point so
    /// that .999 never shows as .998.
    static func wholeMilliseconds(_ instant: Date) -> (second: Date, milliseconds: Int) {
        let totalMilliseconds = (instant.timeIntervalSince1970 * 1000).rounded()
        let wholeSeconds = (totalMilliseconds / 1000).rounded(.down)
        return (Date(timeIntervalSince1970: wholeSeconds), Int(totalMilliseconds - wholeSeconds * 1000))
    }

    /// UTC by arithmetic (days to civil date, after Howard Hinnant), sparing Foundation's
    /// calendar on the intake's hot path.
    static func utcISO8601(_ second: Date, _ millis: Int) -> String {
        let seconds = Int(second.timeIntervalSince1970)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(secondOfDay / 3600)):\(pad(secondOfDay % 3600 / 60)):"
            + "\(pad(secondOfDay % 60)).\(pad(millis, 3))Z"
    }

    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func instant(of wall: WallClock, in zone: TimeZone, input: String) throws(FundError) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: wall.day.year, month: wall.day.month, day: wall.day.day,
            hour: wall.hour, minute: wall.minute, second: wall.second)
        guard let date = calendar.date(from: components) else {
            throw .invalidInstant(input: input, reason: "it cannot be placed in \(zone.identifier)")
        }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == wall.day.year, back.month == wall.day.month, back.day == wall.day.day,
            back.hour == wall.hour, back.minute == wall.minute, back.second == wall.second
        else {
            throw .invalidInstant(
                input: input, reason: "that time does not exist in \(zone.identifier) (clocks go forward then)")
        }
        // In the repeated hour, Foundation may pick either occurrence; take the earlier one.
        let hourEarlier = date.addingTimeInterval(-3600)
        let earlier = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: hourEarlier)
        if earlier == back { return hourEarlier }
        return date
    }
}

/// A wall-clock time as typed: "2024-12-15 23:59", "2024-12-15T23:59:30" or "15/12/2024 23:59".
struct WallClock {
    let day: CalendarDay
    let hour: Int
    let minute: Int
    let second: Int
    let hasSeconds: Bool

    init(parsing input: String) throws(FundError) {
        let text = input.trimmingWhitespace().replacingOccurrences(of: "T", with: " ")
        let pieces = text.split(separator: " ", omittingEmptySubsequences: true)
        let usage = "write it as YYYY-MM-DD HH:MM, for example 2024-12-15 23:59"
        guard pieces.count == 2 else { throw .invalidInstant(input: input, reason: usage) }
        do {
            day = try CalendarDay(parsing: String(pieces[0]))
        } catch {
            throw .invalidInstant(input: input, reason: usage)
        }
        let clock = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 2 || clock.count == 3,
            clock.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) })
        else {
            throw .invalidInstant(input: input, reason: usage)
        }
        hour = Int(clock[0])!
        minute = Int(clock[1])!
        second = clock.count == 3 ? Int(clock[2])! : 0
        hasSeconds = clock.count == 3
        guard hour < 24, minute < 60, second < 60 else {
            throw .invalidInstant(input: input, reason: "hours run 00-23, minutes and seconds 00-59")
        }
    }
}
