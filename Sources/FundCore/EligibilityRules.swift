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
    ) -> [String] {
        var reasons: [String] = []
        if !rules.allowedKinds.contains(organisation.kind) {
            reasons.append(
                "\(organisation.name) is a \(organisation.kind.rawValue); this call is open to "
                    + rules.allowedKinds.map(\.rawValue).joined(separator: ", ") + " only")
        }
        if let window = rules.labelAwardedWithin,
            !organisation.labels.contains(where: { window.contains($0.awarded) })
        {
            reasons.append("\(organisation.name) holds no label awarded between \(window.first) and \(window.last)")
        }
        if rules.labelValidAtDeadline, !organisation.labels.contains(where: { $0.isValid(on: deadlineDay) }) {
            reasons.append("\(organisation.name)'s label is not valid on the deadline, \(deadlineDay)")
        }
        if let cap = rules.maxRequest, let requested, requested > cap {
            reasons.append("the request of \(requested.plain) EUR exceeds the call's cap of \(cap.plain) EUR")
        }
        if submissionsSoFar >= rules.maxSubmissionsPerOrganisation {
            reasons.append(
                "\(organisation.name) already has \(submissionsSoFar) submission\(submissionsSoFar == 1 ? "" : "s") "
                    + "in this call, the most it allows")
        }
        return reasons
    }

    /// The day a deadline falls on, given its exclusive end (see `LocalTime.deadline`).
    public static func deadlineDay(closesAt: Date, in zone: TimeZone) -> CalendarDay {
        CalendarDay(closesAt.addingTimeInterval(-0.001), in: zone)
    }
}
