/// An amount of euros held as integer cents, never as floating point.
///
/// Parsing is exact: "1500000", "1500000.00", "1 500 000,00" and "1 500 000,00 €" all mean
/// EUR 1,500,000.00; "12.345" (a fraction of a cent), negative amounts and amounts that do not fit
/// in 64 bits are refused with a message saying why.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let cents: Int64

    public init(cents: Int64) {
        self.cents = cents
    }

    public static let zero = Money(cents: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    /// Adds two amounts, failing instead of wrapping when the sum leaves the 64-bit range.
    public func adding(_ other: Money) throws(FundError) -> Money {
        let (sum, overflow) = cents.addingReportingOverflow(other.cents)
        if overflow { throw .invalidAmount(input: "\(self) + \(other)", reason: "the sum is too large") }
        return Money(cents: sum)
    }

    public func subtracting(_ other: Money) -> Money { Money(cents: cents - other.cents) }

    /// The sum of amounts already stored (a call's grants, an envelope's calls): each is checked
    /// on the way in, and their sums stay far below the 64-bit limit, which would stop the
    /// program rather than wrap.
    public static func total(_ amounts: some Sequence<Money>) -> Money {
        Money(cents: amounts.reduce(0) { $0 + $1.cents })
    }

    /// "1500000.00": what CSV files, JSON and the CLI print.
    public var description: String { plain }

    public var plain: String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let euros = magnitude / 100
        let rest = magnitude % 100
        return "\(sign)\(euros).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// "1 500 000,00 €" with no-break spaces, as French readers and spreadsheets expect.
    public var french: String { frenchNumber + "\u{00A0}€" }

    /// "€1,500,000.00", as English readers write an amount.
    public var english: String {
        let sign = cents < 0 ? "-" : ""
        let digits = String(cents.magnitude / 100)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let rest = cents.magnitude % 100
        return "\(sign)€\(grouped).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// "1 500 000,00" without the currency sign, for spreadsheet cells.
    public var frenchNumber: String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let digits = String(magnitude / 100)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append("\u{00A0}") }
            grouped.append(digit)
        }
        let rest = magnitude % 100
        return "\(sign)\(grouped),\(rest < 10 ? "0" : "")\(rest)"
    }

    /// Parses a non-negative euro amount exactly.
    ///
    /// Spaces (ordinary, no-break and narrow no-break) group thousands; one "." or "," marks the
    /// decimals, of which there may be one or two; a trailing "€" or "EUR" is allowed.
    public init(parsing input: String) throws(FundError) {
        func refuse(_ reason: String) -> FundError { .invalidAmount(input: input, reason: reason) }
        var text = input.trimmingWhitespace()
        for suffix in ["€", "EUR", "eur"] where text.hasSuffix(suffix) {
            text = String(text.dropLast(suffix.count)).trimmingWhitespace()
        }
        if text.hasPrefix("-") { throw refuse("amounts cannot be negative") }
        if text.hasPrefix("+") { text.removeFirst() }
        let spaces: Set<Character> = [" ", "\u{00A0}", "\u{202F}"]
        text.removeAll { spaces.contains($0) }
        if text.isEmpty { throw refuse("write an amount in euros such as 1500000.00") }

        let marks = text.filter { $0 == "." || $0 == "," }
        if marks.count > 1 {
            throw refuse("use spaces to group thousands and one '.' or ',' for the cents, as in 1 500 000.00")
        }
        let parts = text.split(separator: marks.first ?? ".", omittingEmptySubsequences: false)
        let euroDigits = parts[0]
        let centDigits = parts.count > 1 ? parts[1] : ""
        if euroDigits.isEmpty || !euroDigits.allSatisfy(\.isASCIIDigit)
            || !centDigits.allSatisfy(\.isASCIIDigit)
        {
            throw refuse("only digits, spaces and one decimal mark are allowed")
        }
        if parts.count > 1 && centDigits.isEmpty { throw refuse("write the cents after the decimal mark") }
        if centDigits.count > 2 { throw refuse("amounts are exact to the cent: at most two decimals") }

        var cents: Int64 = 0
        let paddedCents = String(centDigits) + String(repeating: "0", count: 2 - centDigits.count)
        for digit in String(euroDigits) + paddedCents {
            let (times, overflowTimes) = cents.multipliedReportingOverflow(by: 10)
            let (plus, overflowPlus) = times.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            if overflowTimes || overflowPlus { throw refuse("the amount is too large") }
            cents = plus
        }
        self.cents = cents
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    public func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
