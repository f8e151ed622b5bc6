import FundCore
import Testing

@Suite("Allocation")
struct AllocationPlannerTests {
    static func candidate(_ id: Int64, _ euros: Int64, organisation: Int64? = nil) -> AllocationCandidate {
        AllocationCandidate(submissionId: id, organisationId: organisation ?? id, requested: Money(cents: euros * 100))
    }

    static func plan(
        _ candidates: [AllocationCandidate], _ budget: Int64, _ policy: AllocationPolicy,
        capPerOrganisation: Int64? = nil, capPerProject: Int64? = nil
    ) -> AllocationPlan {
        AllocationPlanner.plan(
            candidates,
            parameters: AllocationParameters(
                budget: Money(cents: budget * 100), policy: policy, minimumShare: Fraction(1, 2),
                capPerProject: capPerProject.map { Money(cents: $0 * 100) },
                capPerOrganisation: capPerOrganisation.map { Money(cents: $0 * 100) }))
    }

    static let ranking = [candidate(1, 40_000), candidate(2, 30_000), candidate(3, 50_000), candidate(4, 20_000)]

    @Test func strictStopsAtTheFirstThatDoesNotFit() {
        let plan = Self.plan(Self.ranking, 100_000, .strict)
        #expect(plan.lines.map(\.status) == [.funded, .funded, .reserve, .reserve])
        #expect(plan.granted == Money(cents: 7_000_000))
        #expect(plan.left == Money(cents: 3_000_000))
        #expect(plan.reserve == [3, 4])
        #expect(plan.lines[3].reason.contains("strict policy stopped"))
    }

    @Test func skipPassesToTheNextThatFits() {
        let plan = Self.plan(Self.ranking, 100_000, .skip)
        #expect(plan.lines.map(\.status) == [.funded, .funded, .reserve, .funded])
        #expect(plan.granted == Money(cents: 9_000_000))
        #expect(plan.reserve == [3])
        #expect(plan.lines[2].reason == "50000.00 EUR does not fit in the 30000.00 EUR left")
    }

    @Test func partialAwardsWhatIsLeftAboveTheMinimumShare() {
        let plan = Self.plan(Self.ranking, 100_000, .partial)
        // 30,000 left ≥ half of 50,000: submission 3 gets it all; nothing remains for 4.
        #expect(plan.lines.map(\.status) == [.funded, .funded, .partiallyFunded, .reserve])
        #expect(plan.lines[2].awarded == Money(cents: 3_000_000))
        #expect(plan.left == .zero)
        let short = Self.plan(Self.ranking, 94_999, .partial)
        // 24,999 left < 25,000: 3 goes to the reserve and 4 (20,000) is funded.
        #expect(short.lines.map(\.status) == [.funded, .funded, .reserve, .funded])
    }

    @Test func organisationCapsAndProjectCapsTrimAwards() {
        let sameOrganisation = [
            Self.candidate(1, 40_000, organisation: 7), Self.candidate(2, 30_000, organisation: 7),
            Self.candidate(3, 10_000, organisation: 7), Self.candidate(4, 10_000, organisation: 8),
        ]
        let plan = Self.plan(sameOrganisation, 200_000, .skip, capPerOrganisation: 50_000, capPerProject: 35_000)
        #expect(plan.lines.map(\.awarded.cents) == [3_500_000, 1_500_000, 0, 1_000_000])
        #expect(plan.lines.map(\.status) == [.partiallyFunded, .partiallyFunded, .reserve, .funded])
        #expect(plan.lines[0].reason == "funded up to the call's cap per project of 35000.00 EUR")
        #expect(plan.lines[2].reason == "the organisation's cap of 50000.00 EUR is used up")
    }

    @Test func tiesAtTheFundingLineFollowTheRankOrderAndNothingFitsIsAllReserve() {
        let tied = [Self.candidate(5, 60_000), Self.candidate(6, 60_000)]
        #expect(Self.plan(tied, 100_000, .skip).lines.map(\.status) == [.funded, .reserve])
        let nothing = Self.plan(tied, 10_000, .skip)
        #expect(nothing.granted == .zero && nothing.reserve == [5, 6])
    }

    @Test func refusedSubmissionsKeepTheirStatusAndReason() {
        let candidates = [
            AllocationCandidate(
                submissionId: 9, organisationId: 9, requested: Money(cents: 100),
                refusal: .init(status: .rejected, reason: "total 40.0 below the overall threshold 50.0")),
            Self.candidate(1, 10),
        ]
        let plan = Self.plan(candidates, 100, .skip)
        #expect(
            plan.lines[0]
                == AllocationLine(
                    submissionId: 9, status: .rejected, awarded: .zero,
                    reason: "total 40.0 below the overall threshold 50.0"))
        #expect(plan.lines[1].status == .funded)
    }

    @Test func neverOverBudgetAndAlwaysTheSamePlan() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let candidates = (1...Int.random(in: 1...40, using: &generator)).map { id in
                AllocationCandidate(
                    submissionId: Int64(id), organisationId: Int64.random(in: 1...8, using: &generator),
                    requested: Money(cents: Int64.random(in: 1...5_000_000, using: &generator)))
            }
            let parameters = AllocationParameters(
                budget: Money(cents: Int64.random(in: 0...50_000_000, using: &generator)),
                policy: AllocationPolicy.allCases.randomElement(using: &generator)!,
                minimumShare: Fraction(Int128(Int.random(in: 0...10, using: &generator)), 10),
                capPerProject: Bool.random(using: &generator) ? Money(cents: 2_000_000) : nil,
                capPerOrganisation: Bool.random(using: &generator) ? Money(cents: 6_000_000) : nil)
            let plan = AllocationPlanner.plan(candidates, parameters: parameters)
            #expect(plan.granted <= parameters.budget)
            #expect(plan.granted.cents + plan.left.cents == parameters.budget.cents)
            #expect(plan == AllocationPlanner.plan(candidates, parameters: parameters))
            for (line, candidate) in zip(plan.lines, candidates) {
                #expect(line.awarded <= candidate.requested)
                if let cap = parameters.capPerProject { #expect(line.awarded <= cap) }
            }
            if let cap = parameters.capPerOrganisation {
                let byOrganisation = Dictionary(grouping: zip(plan.lines, candidates), by: { $0.1.organisationId })
                for pairs in byOrganisation.values {
                    #expect(pairs.reduce(0) { $0 + $1.0.awarded.cents } <= cap.cents)
                }
            }
        }
    }
}
