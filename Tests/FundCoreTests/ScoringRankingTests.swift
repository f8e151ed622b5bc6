import Foundation
import FundCore
import Testing

@Suite("Scoring and ranking")
struct ScoringRankingTests {
    static let grid = ScoringGrid(
        criteria: [
            Criterion(key: "impact", name: "Impact", weight: 3, threshold: 2.5),
            Criterion(key: "feasibility", name: "Feasibility", weight: 1),
        ],
        overallThreshold: 50)

    static func review(_ reviewer: Int64, _ impact: Double, _ feasibility: Double) -> ReviewScores {
        ReviewScores(reviewerId: reviewer, scores: ["impact": impact, "feasibility": feasibility])
    }

    @Test func totalsAreExactWeightedMeansScaledTo100() {
        let score = Scoring.score(
            submissionId: 1, reviews: [Self.review(1, 4, 3), Self.review(2, 4.5, 2), Self.review(3, 3.5, 4)],
            grid: Self.grid, required: 3)
        // impact mean 4 → 0.8, feasibility mean 3 → 0.6: (3·0.8 + 1·0.6) / 4 = 0.75 → 75.
        #expect(score.total == Fraction(75, 1))
        #expect(score.means["impact"] == Fraction(4, 1))
        #expect(score.isFundable)
        // A mean that is not a finite decimal stays exact: (4 + 4 + 4.5) / 3.
        let third = Scoring.score(
            submissionId: 2, reviews: [Self.review(1, 4, 3), Self.review(2, 4, 3), Self.review(3, 4.5, 3)],
            grid: Self.grid, required: 3)
        #expect(third.means["impact"] == Fraction(25, 6))
        #expect(third.means["impact"]?.description == "4.2")
    }

    @Test func fractionsPrintExactlyRoundedHalfUp() {
        #expect(Fraction(25, 6).decimal(places: 3) == "4.167")
        #expect(Fraction(1, 8).decimal(places: 2) == "0.13")
        #expect(Fraction(100, 1).decimal(places: 3) == "100.000")
        #expect(Fraction(1, 3).decimal(places: 0) == "0")
        #expect(Fraction(1, 20).description == "0.1")
    }

    @Test func thresholdsAndMissingReviewsSayWhichRuleFailed() {
        let low = Scoring.score(
            submissionId: 1, reviews: [Self.review(1, 2, 5), Self.review(2, 2.5, 5), Self.review(3, 2.5, 5)],
            grid: Self.grid, required: 3)
        #expect(
            low.unfundableReasons.contains { $0.text(in: .en).contains("impact scores 2.3 below its threshold 2.5") })
        #expect(low.unfundableReasons.contains { $0.text(in: .fr) == "impact : moyenne de 2,3, sous son seuil de 2,5" })
        let atThreshold = Scoring.score(
            submissionId: 2, reviews: [Self.review(1, 2.5, 5), Self.review(2, 2.5, 5), Self.review(3, 2.5, 5)],
            grid: Self.grid, required: 3)
        #expect(atThreshold.isFundable)
        let few = Scoring.score(submissionId: 3, reviews: [Self.review(1, 5, 5)], grid: Self.grid, required: 3)
        #expect(few.unfundableReasons.map { $0.text(in: .en) } == ["1 of 3 required reviews are final"])
        let overall = Scoring.score(
            submissionId: 4, reviews: [Self.review(1, 2.5, 0), Self.review(2, 2.5, 0), Self.review(3, 2.5, 0)],
            grid: Self.grid, required: 3)
        #expect(overall.unfundableReasons.map { $0.text(in: .en) } == ["total 37.5 below the overall threshold 50.0"])
    }

    static func entry(_ id: Int64, _ reviews: [ReviewScores], received: TimeInterval = 0) -> RankingEntry {
        RankingEntry(
            score: Scoring.score(submissionId: id, reviews: reviews, grid: grid, required: 3),
            receivedAt: Date(timeIntervalSince1970: 1_700_000_000 + received))
    }

    @Test func everyTieBreakRuleIsUsedAndShown() {
        // 10 and 11 tie on total (3·0.8+0.4 = 2.8 vs 3·0.6+1 = 2.8) but 10 is better on impact.
        let a = Self.entry(10, [Self.review(1, 4, 2), Self.review(2, 4, 2), Self.review(3, 4, 2)])
        let b = Self.entry(11, [Self.review(1, 3, 5), Self.review(2, 3, 5), Self.review(3, 3, 5)])
        // 12 and 13 are identical but 13 arrived earlier; 14 is identical to 13 and later still, 15 same time as 14.
        let same = [Self.review(1, 3, 3), Self.review(2, 3, 3), Self.review(3, 3, 3)]
        let c = Self.entry(12, same, received: 50)
        let d = Self.entry(13, same, received: 10)
        let e = Self.entry(15, same, received: 60)
        let f = Self.entry(14, same, received: 60)
        let ranked = Ranking.rank([f, c, b, e, a, d], grid: Self.grid)
        #expect(ranked.map(\.entry.score.submissionId) == [10, 11, 13, 12, 14, 15])
        #expect(ranked[0].tieBrokenBy == nil)
        #expect(ranked[1].tieBrokenBy == "tied on total with #10; impact 4.0 > 3.0")
        #expect(ranked[2].tieBrokenBy == nil)
        #expect(ranked[3].tieBrokenBy == "tied on total and every criterion with #13; received earlier")
        #expect(ranked[5].tieBrokenBy == "tied on everything with #14; lower submission id")
    }

    @Test func rankingIgnoresInputOrderAndReviewOrder() {
        var generator = SystemRandomNumberGenerator()
        let steps = stride(from: 0.0, through: 5.0, by: 0.5).map { $0 }
        for _ in 0..<30 {
            let entries: [(Int64, [ReviewScores], TimeInterval)] = (1...25).map { id in
                let reviews = (1...3).map { reviewer in
                    Self.review(
                        Int64(reviewer), steps.randomElement(using: &generator)!,
                        steps.randomElement(using: &generator)!)
                }
                return (Int64(id), reviews, TimeInterval(Int.random(in: 0...5, using: &generator)))
            }
            let straight = Ranking.rank(entries.map { Self.entry($0.0, $0.1, received: $0.2) }, grid: Self.grid)
            let shuffled = Ranking.rank(
                entries.shuffled(using: &generator).map {
                    Self.entry($0.0, $0.1.shuffled(using: &generator), received: $0.2)
                },
                grid: Self.grid)
            #expect(straight.map(\.entry.score.submissionId) == shuffled.map(\.entry.score.submissionId))
            #expect(straight.map(\.tieBrokenBy) == shuffled.map(\.tieBrokenBy))
        }
    }
}

@Suite("Reviewer assignment")
struct ReviewerAssignmentTests {
    typealias Need = ReviewerAssignment.SubmissionNeed
    typealias Reviewer = ReviewerAssignment.Reviewer

    @Test func conflictedReviewersAreNeverAssignedAndLoadsStayEven() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let organisations = Int64(Int.random(in: 5...40, using: &generator))
            let submissions = (1...Int.random(in: 10...120, using: &generator)).map { id in
                Need(submissionId: Int64(id), organisationId: Int64.random(in: 1...organisations, using: &generator))
            }
            let reviewers = (1...Int.random(in: 6...30, using: &generator)).map { id in
                Reviewer(
                    id: Int64(id),
                    conflictedOrganisations: Set(
                        (1...organisations).filter { _ in Int.random(in: 0..<50, using: &generator) == 0 }))
            }
            guard
                case .success(let pairs) = ReviewerAssignment.plan(
                    submissions: submissions, reviewers: reviewers, perSubmission: 3)
            else {
                Issue.record("a sparse network should always be assignable")
                continue
            }
            let organisationOf = Dictionary(
                uniqueKeysWithValues: submissions.map { ($0.submissionId, $0.organisationId) })
            let conflicts = Dictionary(uniqueKeysWithValues: reviewers.map { ($0.id, $0.conflictedOrganisations) })
            for pair in pairs {
                #expect(!(conflicts[pair.reviewerId]!.contains(organisationOf[pair.submissionId]!)))
            }
            let perSubmission = Dictionary(grouping: pairs, by: \.submissionId)
            #expect(perSubmission.count == submissions.count)
            #expect(perSubmission.values.allSatisfy { Set($0.map(\.reviewerId)).count == 3 })
            let loads = reviewers.map { reviewer in pairs.filter { $0.reviewerId == reviewer.id }.count }
            #expect(loads.max()! - loads.min()! <= 1, "loads \(loads)")
        }
    }

    @Test func theSameInputGivesTheSamePlan() {
        let submissions = (1...50).map { Need(submissionId: Int64($0), organisationId: Int64($0 % 7)) }
        let reviewers = (1...9).map { Reviewer(id: Int64($0), conflictedOrganisations: [Int64($0 % 7)]) }
        let first = ReviewerAssignment.plan(submissions: submissions, reviewers: reviewers, perSubmission: 3)
        let second = ReviewerAssignment.plan(
            submissions: submissions.reversed(), reviewers: reviewers.reversed(), perSubmission: 3)
        #expect(first == second)
    }

    @Test func anImpossibleAssignmentNamesTheSubmissionsAndAssignsNothing() {
        let submissions = [Need(submissionId: 1, organisationId: 1), Need(submissionId: 2, organisationId: 2)]
        let reviewers = [
            Reviewer(id: 1, conflictedOrganisations: [1]), Reviewer(id: 2, conflictedOrganisations: [1]),
            Reviewer(id: 3, conflictedOrganisations: []),
        ]
        let result = ReviewerAssignment.plan(submissions: submissions, reviewers: reviewers, perSubmission: 2)
        guard case .failure(let impossible) = result else {
            Issue.record("submission 1 has one reviewer free of conflicts")
            return
        }
        #expect(
            impossible.reasons.map { $0.text(in: .en) } == [
                "submission 1 needs 2 more reviewer(s) but only 1 are free of conflicts with its organisation"
            ])
        #expect(impossible.reasons[0].text(in: .fr).hasPrefix("le dossier 1 demande encore 2 évaluateur(s)"))
    }

    @Test func aRerunAddsOnlyWhatIsMissing() {
        let submissions = [
            Need(submissionId: 1, organisationId: 1, assigned: [1, 2]),
            Need(submissionId: 2, organisationId: 2, assigned: [1, 2, 3]),
        ]
        let reviewers = (1...4).map {
            Reviewer(id: Int64($0), conflictedOrganisations: [], currentLoad: $0 <= 2 ? 2 : ($0 == 3 ? 1 : 0))
        }
        let result = ReviewerAssignment.plan(submissions: submissions, reviewers: reviewers, perSubmission: 3)
        #expect(result == .success([ReviewerAssignment.Pair(submissionId: 1, reviewerId: 4)]))
    }

    @Test func aLoadCapIsRespectedOrExplained() {
        let submissions = (1...6).map { Need(submissionId: Int64($0), organisationId: 9) }
        let reviewers = (1...4).map { Reviewer(id: Int64($0), conflictedOrganisations: []) }
        guard
            case .success(let pairs) = ReviewerAssignment.plan(
                submissions: submissions, reviewers: reviewers, perSubmission: 2, maxLoad: 3)
        else {
            Issue.record("12 reviews fit in 4 reviewers × 3")
            return
        }
        #expect(Dictionary(grouping: pairs, by: \.reviewerId).values.allSatisfy { $0.count <= 3 })
        let tooTight = ReviewerAssignment.plan(
            submissions: submissions, reviewers: reviewers, perSubmission: 2, maxLoad: 2)
        guard case .failure(let impossible) = tooTight else {
            Issue.record("12 reviews do not fit in 4 reviewers × 2")
            return
        }
        #expect(impossible.reasons.first?.text(in: .en).contains("raise --max-load or add reviewers") == true)
    }
}

@Suite("Normalisation")
struct NormalisationTests {
    static let grid = ScoringGridFixtures.two

    static func reviews(shift: Double = 0) -> [Int64: [ReviewScores]] {
        // Reviewer 1 is harsh (scores low); reviewer 3 lenient.
        let raw: [(Int64, Int64, Double, Double)] = [
            (1, 1, 1.0, 1.5), (1, 2, 3.0, 3.0), (1, 3, 4.0, 4.5),
            (2, 1, 2.0, 2.5), (2, 2, 3.5, 3.5), (2, 3, 4.5, 4.5),
            (3, 1, 1.5, 2.0), (3, 2, 3.0, 2.5), (3, 3, 4.0, 3.5),
            (4, 1, 2.0, 1.0), (4, 2, 2.5, 3.0), (4, 3, 3.5, 4.0),
        ]
        var reviews: [Int64: [ReviewScores]] = [:]
        for (submission, reviewer, impact, feasibility) in raw {
            let bump = reviewer == 1 ? shift : 0
            reviews[submission, default: []].append(
                ReviewScores(
                    reviewerId: reviewer, scores: ["impact": impact + bump, "feasibility": feasibility + bump]))
        }
        return reviews
    }

    static func order(_ result: Normalisation.Result) -> [Int64] {
        result.totals.keys.sorted { (result.totals[$0]!, $1) > (result.totals[$1]!, $0) }
    }

    @Test func aReviewerAddingOneToEveryScoreChangesNoNormalisedRank() {
        let before = Normalisation.apply(Self.reviews(), grid: Self.grid)
        let after = Normalisation.apply(Self.reviews(shift: 0.5), grid: Self.grid)
        #expect(Self.order(before) == Self.order(after))
    }

    @Test func reviewOrderDoesNotMatterAndHarshReviewersAreFlagged() {
        var shuffled = Self.reviews()
        for key in shuffled.keys { shuffled[key]!.reverse() }
        let a = Normalisation.apply(Self.reviews(), grid: Self.grid)
        let b = Normalisation.apply(shuffled, grid: Self.grid)
        #expect(a.totals == b.totals)
        #expect(a.dispersion == b.dispersion)
        let biases = Normalisation.apply(Self.reviews(shift: 1), grid: Self.grid).reviewers
        #expect(biases.first { $0.reviewerId == 1 }?.flagged == true)
        #expect(biases.first { $0.reviewerId == 2 }?.flagged == false)
    }
}

enum ScoringGridFixtures {
    static let two = ScoringGrid(
        criteria: [
            Criterion(key: "impact", name: "Impact", weight: 3, threshold: 2.5),
            Criterion(key: "feasibility", name: "Feasibility", weight: 1),
        ],
        overallThreshold: 50)
}

@Suite("Review sheets")
struct ReviewSheetTests {
    static let grid = ScoringGrid(
        criteria: [Criterion(key: "impact", name: "Impact", weight: 1)], overallThreshold: 0)

    @Test func aCommentWithANulCharacterIsRefusedWithItsLine() {
        let sheet =
            CSV.line(ReviewSheet.header(grid: Self.grid))
            + CSV.line(["1", "10", "Org", "Title", "a@example.org", "4", "fine", "yes"])
            + CSV.line(["2", "11", "Org", "Title", "a@example.org", "4", "bad\u{0}text", "yes"])
        #expect {
            try ReviewSheet.parse(sheet, grid: Self.grid)
        } throws: { error in
            guard case .importRejected(let issues) = error as? FundError else { return false }
            return issues.count == 1 && issues[0].line == 3 && issues[0].reason.contains("NUL character")
        }
    }
}
