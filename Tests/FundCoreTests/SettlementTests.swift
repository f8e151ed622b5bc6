import FundCore
import Testing

/// What a grant comes to after its final report.
@Suite("Settling a grant")
struct SettlementTests {
    static func settled(_ amount: Int64, planned: Int64, actual: Int64, reduce: Bool = true) -> Int64 {
        Settlement.settled(
            amount: Money(cents: amount), plannedCost: Money(cents: planned), actualCost: Money(cents: actual),
            reduce: reduce
        ).cents
    }

    @Test func aCheaperProjectReducesTheGrantInProportionToTheCentBelow() {
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 6_000_000) == 3_000_000)
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 6_000_001) == 3_000_000)
        #expect(Self.settled(100, planned: 300, actual: 200) == 66)
        // Amounts far past what Int64 multiplication holds stay exact.
        #expect(
            Self.settled(9_000_000_000_000, planned: 9_000_000_000_000, actual: 4_500_000_000_000) == 4_500_000_000_000)
    }

    @Test func neverMoreThanDecidedAndOnlyWhenTheCallReduces() {
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 9_000_000) == 4_000_000)
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 8_000_000) == 4_000_000)
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 2_000_000, reduce: false) == 4_000_000)
        #expect(Self.settled(4_000_000, planned: 0, actual: 0) == 4_000_000)
        #expect(Self.settled(4_000_000, planned: 8_000_000, actual: 0) == 0)
    }

    @Test func aSettledScheduleOwesTheBalanceOrAsksMoneyBack() {
        let day = { (text: String) in try! CalendarDay(parsing: text) }
        func schedule(settled: Int64, paid: Int64) -> PaymentSchedule {
            PaymentSchedule(
                amount: Money(cents: 4_000_000), advancePercent: 50, agreementRequired: true,
                decidedOn: day("2024-12-20"), signedOn: day("2025-01-10"), finalReportAcceptedOn: day("2025-09-30"),
                settled: Money(cents: settled), paid: Money(cents: paid), today: day("2025-10-01"))
        }
        let balance = schedule(settled: 3_000_000, paid: 2_000_000)
        #expect(balance.instalments.map(\.amount.cents) == [2_000_000, 1_000_000])
        #expect(balance.due == Money(cents: 1_000_000) && balance.toRecover == Money(cents: 0))
        let back = schedule(settled: 1_500_000, paid: 2_000_000)
        #expect(back.instalments.map(\.amount.cents) == [1_500_000, 0])
        #expect(back.due == Money(cents: 0) && back.toRecover == Money(cents: 500_000))
    }
}
