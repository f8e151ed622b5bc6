/// How a grant is paid, from the terms its decision fixed (a call's terms, copied onto each
/// grant): an advance of `advancePercent` once the agreement is signed (at the decision when the
/// grant needs none), the balance once the final report is accepted; each to be paid within 60
/// days of what makes it due (law 2021-875). 100 % is a single payment at signature, 0 % a single
/// payment after the final report. What is paid goes to the advance first.
public struct PaymentSchedule: Sendable, Equatable {
    /// Days within which a payment that is due must be made.
    public static let paymentDays = 60

    public enum Kind: String, Sendable {
        /// The whole grant in one payment.
        case single
        case advance
        case balance
    }

    /// What an instalment waits for before it is due.
    public enum Awaiting: String, Sendable {
        case signature
        case finalReport = "final-report"
    }

    public enum State: Sendable, Equatable {
        case paid
        /// Due since `since`, to be paid by `payBy`; `late` once that day has passed.
        case due(since: CalendarDay, payBy: CalendarDay, late: Bool)
        case awaiting(Awaiting)
    }

    public struct Instalment: Sendable, Equatable {
        public let kind: Kind
        public let amount: Money
        public let paid: Money
        public let state: State

        public var left: Money { amount.subtracting(paid) }
    }

    public let instalments: [Instalment]

    private enum Trigger {
        case since(CalendarDay)
        case awaiting(Awaiting)
    }

    /// The advance of `amount` at `percent`, to the cent below; the balance carries the rest.
    public static func advance(of amount: Money, percent: Int) -> Money {
        Money(cents: amount.cents * Int64(percent) / 100)
    }

    /// Paid beyond what the grant comes to once settled (`settled`), to be paid back.
    public let toRecover: Money

    /// - Parameters:
    ///   - settled: what the grant comes to after its final report (`Settlement`), once accepted.
    ///   - paid: paid less what was paid back.
    public init(
        amount: Money, advancePercent: Int, agreementRequired: Bool, decidedOn: CalendarDay, signedOn: CalendarDay?,
        finalReportAcceptedOn: CalendarDay? = nil, settled: Money? = nil, paid: Money, today: CalendarDay
    ) {
        toRecover = Money(cents: max(0, paid.cents - (settled ?? amount).cents))
        let total = settled ?? amount
        let advance = min(Self.advance(of: amount, percent: advancePercent), total)
        // The advance (or a single payment at signature) is due from the signature, or from the
        // decision when the grant needs no agreement.
        let advanceFrom: Trigger =
            agreementRequired ? signedOn.map(Trigger.since) ?? .awaiting(.signature) : .since(decidedOn)
        let balanceFrom: Trigger = finalReportAcceptedOn.map(Trigger.since) ?? .awaiting(.finalReport)
        let parts: [(Kind, Money, Trigger)]
        switch advancePercent {
        case 100: parts = [(.single, total, advanceFrom)]
        case 0: parts = [(.single, total, balanceFrom)]
        default: parts = [(.advance, advance, advanceFrom), (.balance, total.subtracting(advance), balanceFrom)]
        }
        var unassigned = paid.cents
        instalments = parts.map { kind, share, from in
            let covered = Money(cents: min(unassigned, share.cents))
            unassigned -= covered.cents
            let state: State
            if covered == share {
                state = .paid
            } else {
                switch from {
                case .since(let since):
                    let payBy = since.adding(days: Self.paymentDays)
                    state = .due(since: since, payBy: payBy, late: payBy < today)
                case .awaiting(let awaiting):
                    state = .awaiting(awaiting)
                }
            }
            return Instalment(kind: kind, amount: share, paid: covered, state: state)
        }
    }

    /// What is due now and not paid.
    public var due: Money {
        Money(
            cents: instalments.reduce(0) { total, instalment in
                if case .due = instalment.state { return total + instalment.left.cents }
                return total
            })
    }
}
