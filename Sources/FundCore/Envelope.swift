/// A budget the State sets aside, from which calls reserve their money.
public struct Envelope: Hashable, Sendable, Codable {
    public var id: Int64
    public var name: String
    public var amount: Money
    public var validity: DayRange

    public init(id: Int64 = 0, name: String, amount: Money, validity: DayRange) {
        self.id = id
        self.name = name
        self.amount = amount
        self.validity = validity
    }

    /// The envelope with its name cleaned (see `TextRule`), and what is wrong with it.
    public func validated() -> (envelope: Envelope, issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var clean = self
        clean.name = TextRule.envelopeName.check(name, into: &issues)
        if amount.cents <= 0 { issues.append(FieldIssue(field: "amount", reason: "the amount must be above zero")) }
        return (clean, issues)
    }
}

/// What an envelope holds, what its calls reserve, and what is left: always `reserved + left == total`.
public struct EnvelopeBalance: Hashable, Sendable {
    public let total: Money
    public let reserved: Money

    public init(total: Money, reserved: Money) {
        self.total = total
        self.reserved = reserved
    }

    public var left: Money { total.subtracting(reserved) }

}
