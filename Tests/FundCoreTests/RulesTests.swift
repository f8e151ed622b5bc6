import Foundation
import FundCore
import Testing

@Suite("Lifecycle, eligibility and grids")
struct RulesTests {
    @Test func theLifecycleOnlyStepsForward() {
        #expect(CallStatus.draft.canBecome(.open))
        #expect(CallStatus.open.canBecome(.closed))
        #expect(CallStatus.closed.canBecome(.reviewing))
        #expect(CallStatus.reviewing.canBecome(.decided))
        for from in CallStatus.allCases {
            for to in CallStatus.allCases where from.allowedNext != [to] {
                #expect(!from.canBecome(to), "\(from) → \(to)")
            }
        }
        #expect(!CallStatus.draft.rulesAreFrozen)
        #expect(CallStatus.allCases.filter(\.rulesAreFrozen).count == 4)
        #expect(
            FundError.invalidTransition(call: "C", from: .decided, to: .open).description
                == "Call \"C\" is decided and cannot become open; allowed next: none.")
    }

    static func capital(_ labels: [(String, String?)]) throws -> Organisation {
        Organisation(
            name: "French Tech Lyon", kind: .capital, city: "Lyon", country: "France",
            labels: try labels.map {
                try LabelPeriod(awarded: CalendarDay(parsing: $0.0), expires: $0.1.map(CalendarDay.init(parsing:)))
            })
    }

    static let rules = EligibilityRules(
        allowedKinds: [.capital], labelAwardedWithin: try! DayRange(parsing: "2024-01-01..2024-12-31"),
        maxRequest: Money(cents: 5_000_000))
    static let deadline = try! CalendarDay(parsing: "2024-12-15")

    @Test func aCapitalLabelledIn2024IsEligible() throws {
        let reasons = Eligibility.reasons(
            for: try Self.capital([("2014-11-12", nil), ("2024-03-01", nil)]), rules: Self.rules,
            deadlineDay: Self.deadline,
            requested: Money(cents: 5_000_000))
        #expect(reasons.isEmpty)
    }

    @Test func theLabelWindowIsInclusiveAtBothEnds() throws {
        for day in ["2024-01-01", "2024-12-31"] {
            let organisation = try Self.capital([(day, "2027-06-01")])
            let reasons = Eligibility.reasons(for: organisation, rules: Self.rules, deadlineDay: Self.deadline).map(
                \.english)
            #expect(!reasons.contains { $0.contains("no label awarded") })
        }
        for day in ["2023-12-31", "2025-01-01"] {
            let organisation = try Self.capital([(day, "2027-06-01")])
            let reasons = Eligibility.reasons(for: organisation, rules: Self.rules, deadlineDay: Self.deadline).map(
                \.english)
            #expect(reasons.contains { $0.contains("no label awarded between 2024-01-01 and 2024-12-31") })
        }
    }

    @Test func aLabelExpiredOnTheDeadlineDoesNotCount() throws {
        let organisation = try Self.capital([("2024-01-10", "2024-12-15")])
        let reasons = Eligibility.reasons(for: organisation, rules: Self.rules, deadlineDay: Self.deadline).map(
            \.english)
        #expect(reasons == ["French Tech Lyon's label is not valid on the deadline, 2024-12-15"])
        let lastDay = try Self.capital([("2024-01-10", "2024-12-16")])
        #expect(Eligibility.reasons(for: lastDay, rules: Self.rules, deadlineDay: Self.deadline).isEmpty)
    }

    @Test func kindCapAndSubmissionCountAreEachExplained() throws {
        var community = try Self.capital([("2024-03-01", nil)])
        community.kind = .communityFrance
        let reasons = Eligibility.reasons(
            for: community, rules: Self.rules, deadlineDay: Self.deadline, requested: Money(cents: 5_000_001),
            submissionsSoFar: 1
        ).map(\.english)
        #expect(reasons.count == 3)
        #expect(reasons[0].contains("is a community_fr; this call is open to capital only"))
        #expect(reasons[1].contains("exceeds the call's cap of €50,000.00"))
        #expect(reasons[2].contains("already has 1 submission"))
    }

    @Test func theDeadlineDayIsTheLastAcceptedMomentsDay() throws {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let closesAt = try LocalTime.deadline("2024-12-15 23:59", in: paris)
        #expect(Eligibility.deadlineDay(closesAt: closesAt, in: paris) == Self.deadline)
    }

    @Test func labelsLastThreeYearsByDefault() throws {
        let label = try LabelPeriod(awarded: CalendarDay(parsing: "2024-03-01"))
        #expect(label.expires.description == "2027-03-01")
        #expect(throws: FundError.self) {
            try LabelPeriod(awarded: CalendarDay(parsing: "2024-03-01"), expires: CalendarDay(parsing: "2024-03-01"))
        }
    }

    @Test func gridsAcceptOnlyOnScaleOnStepScores() {
        let criterion = Criterion(key: "impact", name: "Impact", weight: 3, min: 0, max: 5, step: 0.5)
        #expect(criterion.accepts(0) && criterion.accepts(2.5) && criterion.accepts(5))
        #expect(!criterion.accepts(2.25) && !criterion.accepts(5.5) && !criterion.accepts(-0.5))
        #expect(ScoringGrid.standard.validate().isEmpty)
        let bad = ScoringGrid(
            criteria: [
                Criterion(key: "a b", name: "", weight: 0, min: 5, max: 0, step: 0.7, threshold: 9),
                Criterion(key: "a b", name: "", weight: 1),
            ], overallThreshold: 120)
        let fields = bad.validate().map(\.reason)
        #expect(fields.contains("keys use letters, digits and _ only"))
        #expect(fields.contains("the key appears twice"))
        #expect(fields.contains("the weight must be at least 1"))
        #expect(fields.contains("the overall threshold is out of 100"))
    }

    @Test func aCallReportsEveryBadField() {
        let call = Call(
            envelopeId: 1, title: "X", budget: Money(cents: 0), opensAt: Date(timeIntervalSince1970: 10),
            closesAt: Date(timeIntervalSince1970: 5), timeZone: "Mars/Olympus", reviewsPerSubmission: 0)
        let fields = Set(call.validated().issues.map(\.field))
        #expect(fields == ["title", "budget", "closes", "time-zone", "reviews-per-submission"])
    }
}
