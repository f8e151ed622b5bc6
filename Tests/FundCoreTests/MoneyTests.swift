import FundCore
import Testing

@Suite("Money")
struct MoneyTests {
    @Test(
        arguments: [
            ("1500000", 150_000_000), ("1500000.00", 150_000_000), ("1 500 000,00", 150_000_000),
            ("1\u{00A0}500\u{00A0}000,00\u{00A0}€", 150_000_000), ("1\u{202F}500\u{202F}000,00 €", 150_000_000),
            ("12.3", 1_230), ("0.07", 7), ("0", 0), ("  42,50 EUR ", 4_250), ("92233720368547758.07", Int64.max),
        ] as [(String, Int64)])
    func parsesExactly(input: String, cents: Int64) throws {
        #expect(try Money(parsing: input).cents == cents)
    }

    @Test(arguments: [
        ("12.345", "at most two decimals"), ("-5", "negative"), ("92233720368547758.08", "too large"),
        ("1,500,000.00", "one '.' or ','"), ("abc", "only digits"), ("", "write an amount"), ("12.", "write the cents"),
        ("1e6", "only digits"),
    ])
    func refusesWithAReason(input: String, reason: String) {
        #expect {
            try Money(parsing: input)
        } throws: { error in
            guard case .invalidAmount(let echoed, let why) = error as? FundError else { return false }
            return echoed == input && why.contains(reason)
        }
    }

    @Test func formatsPlainAndFrench() {
        let amount = Money(cents: 150_000_000)
        #expect(amount.plain == "1500000.00")
        #expect(amount.french == "1\u{00A0}500\u{00A0}000,00\u{00A0}€")
        #expect(Money(cents: 7).plain == "0.07")
        #expect(Money(cents: 7).frenchNumber == "0,07")
        #expect(Money(cents: -123_456).plain == "-1234.56")
        #expect(Money(cents: 99_999).frenchNumber == "999,99")
        #expect(Money(cents: 100_000).frenchNumber == "1\u{00A0}000,00")
    }

    @Test func roundTripsThroughBothFormats() throws {
        for cents: Int64 in [0, 1, 99, 100, 123_456_789, 150_000_000, Int64.max] {
            #expect(try Money(parsing: Money(cents: cents).plain).cents == cents)
            #expect(try Money(parsing: Money(cents: cents).french).cents == cents)
        }
    }

    @Test func sumsRefuseToOverflow() throws {
        #expect(try Money(cents: 1).adding(Money(cents: 2)) == Money(cents: 3))
        #expect(throws: FundError.self) { try Money(cents: Int64.max).adding(Money(cents: 1)) }
    }
}
