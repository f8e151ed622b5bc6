/// One submission as allocation sees it, in rank order.
public struct AllocationCandidate: Hashable, Sendable {
    /// Why a submission cannot be funded, and the status it ends with.
    public struct Refusal: Hashable, Sendable {
        public let status: SubmissionStatus
        public let reason: String

        public init(status: SubmissionStatus, reason: String) {
            self.status = status
            self.reason = reason
        }
    }

    public let submissionId: Int64
    public let organisationId: Int64
    public let requested: Money
    /// Nil when the submission can be funded.
    public let refusal: Refusal?

    public init(submissionId: Int64, organisationId: Int64, requested: Money, refusal: Refusal? = nil) {
        self.submissionId = submissionId
        self.organisationId = organisationId
        self.requested = requested
        self.refusal = refusal
    }
}

/// The rules of one allocation run.
public struct AllocationParameters: Hashable, Sendable {
    public var budget: Money
    public var policy: AllocationPolicy
    /// `partial` awards what is left only if it is at least this share of the request.
    public var minimumShare: Fraction
    public var capPerProject: Money?
    public var capPerOrganisation: Money?

    public init(
        budget: Money, policy: AllocationPolicy, minimumShare: Fraction = Fraction(1, 2), capPerProject: Money? = nil,
        capPerOrganisation: Money? = nil
    ) {
        self.budget = budget
        self.policy = policy
        self.minimumShare = minimumShare
        self.capPerProject = capPerProject
        self.capPerOrganisation = capPerOrganisation
    }
}

/// One line of a plan: what a submission gets and why.
public struct AllocationLine: Hashable, Sendable {
    public let submissionId: Int64
    public let status: SubmissionStatus
    public let awarded: Money
    public let reason: String

    public init(submissionId: Int64, status: SubmissionStatus, awarded: Money, reason: String) {
        self.submissionId = submissionId
        self.status = status
        self.awarded = awarded
        self.reason = reason
    }
}

public struct AllocationPlan: Hashable, Sendable {
    public let lines: [AllocationLine]
    public let granted: Money
    public let left: Money
    /// Fundable submissions left unfunded, in rank order.
    public var reserve: [Int64] { lines.filter { $0.status == .reserve }.map(\.submissionId) }
}

/// Walks the ranking and spends the budget: each fundable submission gets min(requested, the
/// per-project cap, what is left of its organisation's cap) while money remains. When the next
/// award does not fit, `strict` stops, `skip` passes to the next that fits, and `partial` awards
/// what is left if that is at least the minimum share of the request (and otherwise passes on,
/// like `skip`). Unfunded fundable submissions form the reserve list in rank order.
public enum AllocationPlanner {
    public static func plan(_ candidates: [AllocationCandidate], parameters: AllocationParameters) -> AllocationPlan {
        var left = parameters.budget
        var byOrganisation: [Int64: Money] = [:]
        var stopped = false
        var lines: [AllocationLine] = []
        for candidate in candidates {
            if let refusal = candidate.refusal {
                lines.append(
                    AllocationLine(
                        submissionId: candidate.submissionId, status: refusal.status, awarded: .zero,
                        reason: refusal.reason))
                continue
            }
            func reserve(_ reason: String) {
                lines.append(
                    AllocationLine(
                        submissionId: candidate.submissionId, status: .reserve, awarded: .zero, reason: reason))
            }
            if stopped {
                reserve("the strict policy stopped at an earlier submission that did not fit")
                continue
            }
            var award = candidate.requested
            var capped: [String] = []
            if let cap = parameters.capPerProject, cap < award {
                award = cap
                capped.append("the call's cap per project of \(cap.plain) EUR")
            }
            if let cap = parameters.capPerOrganisation {
                let room = cap.subtracting(byOrganisation[candidate.organisationId] ?? .zero)
                if room < award {
                    award = max(room, .zero)
                    capped.append("what is left of the organisation's cap, \(max(room, .zero).plain) EUR")
                }
            }
            guard award.cents > 0 else {
                reserve("the organisation's cap of \(parameters.capPerOrganisation!.plain) EUR is used up")
                continue
            }
            if award <= left {
                left = left.subtracting(award)
                byOrganisation[candidate.organisationId, default: .zero] =
                    (try? byOrganisation[
                        candidate.organisationId, default: .zero
                    ].adding(award)) ?? award
                let full = award == candidate.requested
                lines.append(
                    AllocationLine(
                        submissionId: candidate.submissionId, status: full ? .funded : .partiallyFunded,
                        awarded: award,
                        reason: full
                            ? "funded in rank order" : "funded up to " + capped.joined(separator: " and ")))
                continue
            }
            switch parameters.policy {
            case .strict:
                stopped = true
                reserve("\(award.plain) EUR does not fit in the \(left.plain) EUR left; the strict policy stops here")
            case .skip:
                reserve("\(award.plain) EUR does not fit in the \(left.plain) EUR left")
            case .partial:
                let share = parameters.minimumShare
                // left ≥ share × requested, exactly.
                if left.cents > 0,
                    Int128(left.cents) * share.denominator >= Int128(candidate.requested.cents) * share.numerator
                {
                    let awarded = left
                    left = .zero
                    byOrganisation[candidate.organisationId, default: .zero] =
                        (try? byOrganisation[candidate.organisationId, default: .zero].adding(awarded)) ?? awarded
                    lines.append(
                        AllocationLine(
                            submissionId: candidate.submissionId, status: .partiallyFunded, awarded: awarded,
                            reason: "partially funded with the \(awarded.plain) EUR left, at least the minimum share"))
                } else {
                    reserve(
                        "the \(left.plain) EUR left is below the minimum share of the \(candidate.requested.plain) EUR asked"
                    )
                }
            }
        }
        let granted = Money.total(lines.map(\.awarded))
        return AllocationPlan(lines: lines, granted: granted, left: left)
    }
}
