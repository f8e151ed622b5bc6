import Foundation

/// What the allocation does when the next award in the ranking does not fit the money left.
public enum AllocationPolicy: String, CaseIterable, Codable, Sendable {
    case strict
    case skip
    case partial
}

/// A call for projects.
public struct Call: Hashable, Sendable, Codable {
    public var id: Int64
    public var envelopeId: Int64
    public var title: String
    public var budget: Money
    public var opensAt: Date
    /// The first instant that is too late (exclusive): see `LocalTime.deadline`.
    public var closesAt: Date
    public var timeZone: String
    public var rules: EligibilityRules
    public var grid: ScoringGrid
    public var reviewsPerSubmission: Int
    public var policy: AllocationPolicy
    public var status: CallStatus
    /// The files a submission carries: which are required, how large they may be.
    public var attachments: AttachmentRules
    /// When reviews are due; after it, a review is no longer finalised (not a frozen rule: the
    /// programme team may extend it).
    public var reviewsDueAt: Date?

    public init(
        id: Int64 = 0, envelopeId: Int64, title: String, budget: Money, opensAt: Date, closesAt: Date,
        timeZone: String = LocalTime.defaultZoneName, rules: EligibilityRules = EligibilityRules(),
        grid: ScoringGrid = .standard, reviewsPerSubmission: Int = 3, policy: AllocationPolicy = .skip,
        status: CallStatus = .draft, attachments: AttachmentRules = AttachmentRules(), reviewsDueAt: Date? = nil
    ) {
        self.id = id
        self.envelopeId = envelopeId
        self.title = title
        self.budget = budget
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.timeZone = timeZone
        self.rules = rules
        self.grid = grid
        self.reviewsPerSubmission = reviewsPerSubmission
        self.policy = policy
        self.status = status
        self.attachments = attachments
        self.reviewsDueAt = reviewsDueAt
    }

    /// The call with its title cleaned (see `TextRule`), and everything wrong with it as entered,
    /// one issue per field.
    public func validated() -> (call: Call, issues: [FieldIssue]) {
        var issues: [FieldIssue] = []
        var clean = self
        clean.title = TextRule.callTitle.check(title, into: &issues)
        if budget.cents <= 0 { issues.append(FieldIssue(field: "budget", reason: "the budget must be above zero")) }
        if closesAt <= opensAt {
            issues.append(FieldIssue(field: "closes", reason: "the call must close after it opens"))
        }
        if TimeZone(identifier: timeZone) == nil {
            issues.append(FieldIssue(field: "time-zone", reason: "\"\(timeZone)\" is not a known time zone"))
        }
        if !(1...10).contains(reviewsPerSubmission) {
            issues.append(FieldIssue(field: "reviews-per-submission", reason: "ask for 1 to 10 reviews"))
        }
        if let cap = rules.maxRequest, cap > budget {
            issues.append(FieldIssue(field: "max-request", reason: "the cap per project exceeds the call's budget"))
        }
        if let reviewsDueAt, reviewsDueAt <= closesAt {
            issues.append(FieldIssue(field: "reviews-due", reason: "reviews are due after the call closes"))
        }
        if !(1_024...104_857_600).contains(attachments.maxFileBytes) {
            issues.append(FieldIssue(field: "max-file-size", reason: "a file may be 1 KB to 100 MB"))
        } else if attachments.maxSubmissionBytes < attachments.maxFileBytes {
            issues.append(
                FieldIssue(
                    field: "max-files-size", reason: "the files of a submission may not weigh less than one file"))
        }
        return (clean, issues + rules.validate() + grid.validate())
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    public var deadlineDay: CalendarDay { Eligibility.deadlineDay(closesAt: closesAt, in: zone) }

}
