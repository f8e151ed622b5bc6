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

    public static func validate(name: String, amount: Money) -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if name.trimmingWhitespace().isEmpty { issues.append(FieldIssue(field: "name", reason: "the name is empty")) }
        if amount.cents <= 0 { issues.append(FieldIssue(field: "amount", reason: "the amount must be above zero")) }
        return issues
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

    /// Whether a further reservation fits; the database enforces the same rule on its own.
    public func canReserve(_ amount: Money) -> Bool { amount <= left }
}
