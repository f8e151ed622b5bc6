import Foundation
import FundCore
import FundReports
import FundStore

/// SplitMix64: every random choice of the demo comes from a seed, so each run plays the same
/// round and the test suite can assert its figures.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One applicant's project in the demo, and how good the reviewers will find it.
struct DemoProject: Sendable {
    let capital: String
    let title: String
    let requestedCents: Int64
    let totalCostCents: Int64
    let ambitions: [String]
    /// The project's merit on the 0-5 scale, before each reviewer's own bias.
    let quality: Double

    var body: String {
        """
        {"title": \(JSONValue.string(title).rendered), "summary": "A programme of the Capital for its founders in 2025.",
         "requestedCents": \(requestedCents), "totalCostCents": \(totalCostCents),
         "ambitions": [\(ambitions.map { JSONValue.string($0).rendered }.joined(separator: ", "))],
         "contact": {"name": "Programme lead", "email": "contact@\(capital.lowercased().filter(\.isLetter)).example"}}
        """
    }
}

/// The demo's reviewers: who they are tied to, and how harsh or lenient they score.
struct DemoReviewer: Sendable {
    let name: String
    let email: String
    let affiliation: String?
    let conflict: (organisation: String, reason: String)?
    let bias: Double
    /// Scores through the CSV sheet instead of the API.
    let usesSheet: Bool
}

enum DemoCast {
    static let seed: UInt64 = 2024

    /// The eligible Capitals' projects: two for most, one for a few, in the order they arrive.
    static var projects: [DemoProject] {
        var generator = SeededGenerator(seed: seed)
        let programmes = [
            "French Tech Tremplin", "French Tech Central", "GreenTech Booster", "Talents & Territoires",
            "Deep Tech Days", "Scale-up Academy",
        ]
        let ambitions = ["world_class", "societal_challenges", "talents_and_territories", "green_tech"]
        let eligible =
            DemoNetwork.firstWave
            + DemoNetwork.laterCapitals.filter {
                !DemoNetwork.labelledOnlyIn2023.contains($0)
            }
        let single: Set<String> = ["Grenoble", "Est", "Brest+"]
        var projects: [DemoProject] = []
        for round in 0..<2 {
            for capital in eligible where round == 0 || !single.contains(capital) {
                let programme = programmes[Int.random(in: 0..<programmes.count, using: &generator)]
                let requested = Int64(Int.random(in: 30...100, using: &generator)) * 50_000
                let share = Int64(Int.random(in: 150...250, using: &generator))
                let first = Int.random(in: 0..<ambitions.count, using: &generator)
                projects.append(
                    DemoProject(
                        capital: capital, title: "\(programme) \(capital)\(round == 1 ? " 2025" : "")",
                        requestedCents: requested, totalCostCents: requested * share / 100,
                        ambitions: [ambitions[first], ambitions[(first + 2) % ambitions.count]],
                        quality: Double(Int.random(in: 3...9, using: &generator)) / 2))
            }
        }
        return projects
    }

    /// Two projects every reviewer scores alike, so the ranking has a tie to break.
    static let tiedProjects = [4, 9]
    static let tiedScores: [String: Double] = ["impact": 4, "ambitions": 3.5, "feasibility": 3.5, "inclusion": 3]

    static let reviewers: [DemoReviewer] = [
        DemoReviewer(
            name: "Alice Martin", email: "alice.martin@example.org", affiliation: "French Tech Lyon", conflict: nil,
            bias: 0, usesSheet: false),
        DemoReviewer(
            name: "Bruno Petit", email: "bruno.petit@example.org", affiliation: nil,
            conflict: ("French Tech Côte d'Azur", "mentors the project's team"), bias: 0.25, usesSheet: false),
        DemoReviewer(
            name: "Chloé Durand", email: "chloe.durand@example.org", affiliation: nil, conflict: nil, bias: -1,
            usesSheet: false),
        DemoReviewer(
            name: "David Roux", email: "david.roux@example.org", affiliation: "French Tech Bordeaux", conflict: nil,
            bias: 0, usesSheet: false),
        DemoReviewer(
            name: "Émilie Bernard", email: "emilie.bernard@example.org", affiliation: nil, conflict: nil, bias: 1,
            usesSheet: false),
        DemoReviewer(
            name: "Farid Haddad", email: "farid.haddad@example.org", affiliation: nil,
            conflict: ("French Tech Toulouse", "worked for the Capital until 2023"), bias: -0.25, usesSheet: false),
        DemoReviewer(
            name: "Gaëlle Moreau", email: "gaelle.moreau@example.org", affiliation: nil, conflict: nil, bias: 0,
            usesSheet: false),
        DemoReviewer(
            name: "Hugo Lefebvre", email: "hugo.lefebvre@example.org", affiliation: nil, conflict: nil, bias: 0,
            usesSheet: true),
    ]

    /// A reviewer's scores for a project: its quality, the reviewer's bias and a little noise,
    /// on the grid's half-point steps. The noise depends on the pair only, not on the order
    /// reviews are made in.
    static func scores(project: Int, reviewer: Int, grid: ScoringGrid) -> [String: Double] {
        if tiedProjects.contains(project) { return tiedScores }
        var generator = SeededGenerator(seed: seed &+ UInt64(project) &* 101 &+ UInt64(reviewer))
        let quality = projects[project].quality + reviewers[reviewer].bias
        var scores: [String: Double] = [:]
        for criterion in grid.criteria {
            let noise = Double(Int.random(in: -1...1, using: &generator)) * criterion.step
            let raw = ((quality + noise) / criterion.step).rounded() * criterion.step
            scores[criterion.key] = min(criterion.max, max(criterion.min, raw))
        }
        return scores
    }
}
