import FundCore
import Testing

/// How a grant's payments fall due, from its terms: the advance at signature (or at the decision
/// without an agreement), the balance after the final report, 60 days to pay each.
@Suite("Payment schedules")
struct PaymentScheduleTests {
    static func day(_ text: String) -> CalendarDay { try! CalendarDay(parsing: text) }

    static func schedule(
        _ cents: Int64, advance: Int = 50, agreement: Bool = true, signed: String? = nil, report: String? = nil,
        paid: Int64 = 0, today: String = "2025-01-15"
    ) -> PaymentSchedule {
        PaymentSchedule(
            amount: Money(cents: cents), advancePercent: advance, agreementRequired: agreement,
            decidedOn: day("2024-12-20"), signedOn: signed.map(day), finalReportAcceptedOn: report.map(day),
            paid: Money(cents: paid), today: day(today))
    }

    @Test func theAdvanceIsRoundedDownAndTheBalanceCarriesTheCent() {
        let odd = Self.schedule(4_780_021, advance: 33)
        #expect(odd.instalments.map(\.amount.cents) == [1_577_406, 3_202_615])
        #expect(odd.instalments.map(\.amount.cents).reduce(0, +) == 4_780_021)
        #expect(odd.instalments.map(\.kind) == [.advance, .balance])
    }

    @Test func eachInstalmentWaitsForWhatMakesItDueThenHasSixtyDays() {
        let unsigned = Self.schedule(4_000_000)
        #expect(unsigned.instalments.map(\.state) == [.awaiting(.signature), .awaiting(.finalReport)])
        #expect(unsigned.due == Money(cents: 0))
        let signed = Self.schedule(4_000_000, signed: "2025-01-10")
        #expect(
            signed.instalments.first?.state
                == .due(since: Self.day("2025-01-10"), payBy: Self.day("2025-03-11"), late: false))
        #expect(signed.due == Money(cents: 2_000_000))
        let late = Self.schedule(4_000_000, signed: "2024-11-01", today: "2025-01-01")
        #expect(
            late.instalments.first?.state
                == .due(since: Self.day("2024-11-01"), payBy: Self.day("2024-12-31"), late: true))
        // Without an agreement the advance is due from the decision.
        let small = Self.schedule(1_500_000, agreement: false)
        #expect(
            small.instalments.first?.state
                == .due(since: Self.day("2024-12-20"), payBy: Self.day("2025-02-18"), late: false))
        let reported = Self.schedule(4_000_000, signed: "2025-01-10", report: "2025-09-30", paid: 2_000_000)
        #expect(
            reported.instalments.map(\.state) == [
                .paid, .due(since: Self.day("2025-09-30"), payBy: Self.day("2025-11-29"), late: false),
            ])
    }

    @Test func aSinglePaymentComesAtSignatureOrAfterTheReport() {
        #expect(Self.schedule(4_000_000, advance: 100, signed: "2025-01-10").instalments.map(\.kind) == [.single])
        #expect(Self.schedule(4_000_000, advance: 100).instalments.map(\.state) == [.awaiting(.signature)])
        #expect(
            Self.schedule(4_000_000, advance: 0, signed: "2025-01-10").instalments.map(\.state) == [
                .awaiting(.finalReport)
            ])
    }

    @Test func paymentsGoToTheAdvanceFirst() {
        let partly = Self.schedule(4_000_000, signed: "2025-01-10", paid: 2_500_000)
        #expect(partly.instalments.map(\.paid.cents) == [2_000_000, 500_000])
        #expect(partly.instalments.map(\.left.cents) == [0, 1_500_000])
        #expect(partly.instalments.first?.state == .paid)
    }
}
