/// What a grant comes to once its final report is accepted: reduced in the proportion of the
/// actual cost to the planned one when the project cost less and the call says so (its terms),
/// to the cent below; never more than decided.
public enum Settlement {
    public static func settled(amount: Money, plannedCost: Money, actualCost: Money, reduce: Bool) -> Money {
        guard reduce, plannedCost.cents > 0, actualCost < plannedCost else { return amount }
        let product = amount.cents.multipliedFullWidth(by: actualCost.cents)
        return Money(cents: plannedCost.cents.dividingFullWidth(product).quotient)
    }
}
