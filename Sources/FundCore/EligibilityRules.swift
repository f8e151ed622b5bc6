import Foundation

/// Who may apply to a call, and for how much.
public struct EligibilityRules: Hashable, Sendable, Codable {
    public var allowedKinds: [OrganisationKind]
    /// The applicant must hold a label awarded within this range of days.
    public var labelAwardedWithin: DayRange?
    /// The applicant's label must still be valid on the deadline's day.
    public var labelValidAtDeadline: Bool
    public var maxRequest: Money?
    public var maxSubmissionsPerOrganisation: Int

    public init(
        allowedKinds: [OrganisationKind] = OrganisationKind.allCases,
        labelAwardedWithin: DayRange? = nil,
        labelValidAtDeadline: Bool = true,
        maxRequest: Money? = nil,
        maxSubmissionsPerOrganisation: Int = 1
    ) {
        self.allowedKinds = allowedKinds
        self.labelAwardedWithin = labelAwardedWithin
        self.labelValidAtDeadline = labelValidAtDeadline
        self.maxRequest = maxRequest
        self.maxSubmissionsPerOrganisation = maxSubmissionsPerOrganisation
    }

    public func validate() -> [FieldIssue] {
        var issues: [FieldIssue] = []
        if allowedKinds.isEmpty { issues.append(FieldIssue(field: "kinds", reason: "allow at least one kind")) }
        if let cap = maxRequest, cap.cents <= 0 {
            issues.append(FieldIssue(field: "max-request", reason: "the cap must be above zero"))
        }
        if maxSubmissionsPerOrganisation < 1 {
            issues.append(
                FieldIssue(field: "max-submissions", reason: "allow at least one submission per organisation"))
        }
        return issues
    }
}

/// Why an organisation may not submit to a call; empty means it may.
public enum Eligibility {
    /// - Parameters:
    ///   - deadlineDay: the day of the call's last accepted moment, in the call's time zone.
    ///   - submissionsSoFar: the organisation's live (not withdrawn) submissions to this call.
    public static func reasons(
        for organisation: Organisation,
        rules: EligibilityRules,
        deadlineDay: CalendarDay,
        requested: Money? = nil,
        submissionsSoFar: Int = 0
    ) -> [Message] {
        var reasons: [Message] = []
        let name = Message.Value.text(organisation.name)
        if !rules.allowedKinds.contains(organisation.kind) {
            reasons.append(
                Message(
                    "eligibility.kind",
                    [
                        "organisation": name, "kind": .keys(["kind.\(organisation.kind.rawValue)"]),
                        "allowed": .keys(rules.allowedKinds.map { "kind.\($0.rawValue)" }),
                    ]))
        }
        if let window = rules.labelAwardedWithin,
            !organisation.labels.contains(where: { window.contains($0.awarded) })
        {
            reasons.append(
                Message(
                    "eligibility.labelWindow",
                    ["organisation": name, "from": .day(window.first), "to": .day(window.last)]))
        }
        if rules.labelValidAtDeadline, !organisation.labels.contains(where: { $0.isValid(on: deadlineDay) }) {
            reasons.append(Message("eligibility.labelAtDeadline", ["organisation": name, "day": .day(deadlineDay)]))
        }
        if let cap = rules.maxRequest, let requested, requested > cap {
            reasons.append(Message("eligibility.cap", ["requested": .money(requested), "cap": .money(cap)]))
        }
        if submissionsSoFar >= rules.maxSubmissionsPerOrganisation {
            reasons.append(Message("eligibility.count", ["organisation": name, "count": .number(submissionsSoFar)]))
        }
        return reasons
    }

    /// The day a deadline falls on, given its exclusive end (see `LocalTime.deadline`).
    public static func deadlineDay(closesAt: Date, in zone: TimeZone) -> CalendarDay {
        CalendarDay(closesAt.addingTimeInterval(-0.001), in: zone)
    }
}
