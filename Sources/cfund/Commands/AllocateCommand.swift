import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct AllocateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Plan (dry run) or commit the allocation of a call's budget down its ranking.",
        discussion: """
            Each fundable submission, in rank order, gets min(requested, the call's cap per project, what is left \
            of its organisation's cap) while the budget lasts. When the next award does not fit: strict stops, \
            skip passes to the next that fits, partial awards what is left if it is at least --min-share of the \
            request. Unfunded fundable submissions form the reserve list in rank order. Without --commit nothing \
            is stored and the plan can be run again freely; --commit stores it as the call's decision. \
            --promote funds the reserve list, in order, with money that declined grants returned.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "Call id or title.") var call: String
    @Option(help: "strict, skip or partial (default: the call's policy).") var policy: String?
    @Option(name: .customLong("min-share"), help: "Smallest share of a request a partial award may be, 0 to 1.")
    var minShare = "0.5"
    @Option(name: .customLong("cap-per-org"), help: "Most one organisation may receive in this call, in euros.")
    var capPerOrganisation: String?
    @Flag(help: "Store the plan as the call's decision.") var commit = false
    @Option(help: "Why, recorded with the decision.") var reason = ""
    @Flag(help: "Fund the reserve list with money returned by declined grants.") var promote = false

    func run() async throws {
        let share = try Self.parseShare(minShare)
        let cap = try capPerOrganisation.map { try parseOption("cap-per-org", $0, Money.init(parsing:)) }
        let chosenPolicy = try policy.map { text -> AllocationPolicy in
            guard let policy = AllocationPolicy(rawValue: text) else {
                throw ValidationError("--policy: use strict, skip or partial.")
            }
            return policy
        }
        let (reference, commit, reason, promote) = (call, commit, reason, promote)
        if promote {
            let promoted = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                return try await AllocationRepository(database).promote(callId: call.id)
            }
            print(
                promoted.isEmpty
                    ? "Nothing promoted: no reserve submission fits in the money returned."
                    : promoted.map { "Promoted submission \($0.submissionId): grant \($0.id) of \($0.amount.french)" }
                        .joined(separator: "\n"))
            return
        }
        let (call, plan, runId) = try await database.withDatabase { database in
            let call = try await CallRepository(database).find(reference)
            let parameters = AllocationParameters(
                budget: call.budget, policy: chosenPolicy ?? call.policy, minimumShare: share,
                capPerProject: call.rules.maxRequest, capPerOrganisation: cap)
            if commit {
                let (runId, plan) = try await AllocationRepository(database).commit(
                    callId: call.id, parameters: parameters, reason: reason)
                return (call, plan, Optional(runId))
            }
            let candidates = try await CallRanking.candidates(call, database: database)
            return (call, AllocationPlanner.plan(candidates, parameters: parameters), nil)
        }
        let columns = ["position", "submission", "status", "awarded", "reason"]
        switch output.format {
        case .csv:
            // Streamed: at 100,000 lines, building the whole text first costs as much as the plan.
            let writer = try StreamWriter(path: nil)
            writer.write(CSV.line(columns))
            for (index, line) in plan.lines.enumerated() {
                writer.write(
                    CSV.line([
                        String(index + 1), String(line.submissionId), line.status.rawValue, line.awarded.plain,
                        line.reason,
                    ]))
            }
            writer.close()
        case .json:
            let lines = plan.lines.enumerated().map { index, line -> JSONValue in
                .object([
                    "position": .integer(Int64(index + 1)), "submissionId": .integer(line.submissionId),
                    "status": .string(line.status.rawValue), "awardedCents": .integer(line.awarded.cents),
                    "reason": .string(line.reason),
                ])
            }
            print(
                JSONValue.object([
                    "callId": .integer(call.id), "committed": .bool(runId != nil), "runId": JSONValue(runId),
                    "budgetCents": .integer(call.budget.cents), "grantedCents": .integer(plan.granted.cents),
                    "leftCents": .integer(plan.left.cents), "lines": .array(lines),
                ]).rendered)
        case .table:
            let rows = plan.lines.enumerated().map { index, line in
                [String(index + 1), String(line.submissionId), line.status.rawValue, line.awarded.plain, line.reason]
            }
            print(Listing(columns: columns, rows: rows, json: []).render(.table), terminator: "")
            print(
                "\nBudget \(call.budget.french); granted \(plan.granted.french); left \(plan.left.french); "
                    + "reserve list: \(plan.reserve.map(String.init).joined(separator: ", ").ifEmpty("empty")).")
            print(
                runId.map { "Committed as decision \($0); the call is decided." }
                    ?? "Dry run: nothing stored. Add --commit to make it the call's decision.")
        }
    }

    /// "0.5" or "1/2" as an exact fraction between 0 and 1.
    static func parseShare(_ text: String) throws -> Fraction {
        let parts = text.split(separator: "/")
        if parts.count == 2, let numerator = Int64(parts[0]), let denominator = Int64(parts[1]), denominator > 0,
            (0...denominator).contains(numerator)
        {
            return Fraction(Int128(numerator), Int128(denominator))
        }
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        if pieces.count <= 2, pieces.allSatisfy({ $0.allSatisfy(\.isNumber) }),
            let whole = Int64(pieces[0].isEmpty ? "0" : pieces[0])
        {
            let decimals = pieces.count == 2 ? String(pieces[1]) : ""
            if decimals.count <= 6 {
                let scale = Int128(Int64(pow(10, Double(decimals.count))))
                let value = Int128(whole) * scale + Int128(Int64(decimals.isEmpty ? "0" : decimals)!)
                if value <= scale { return Fraction(value, scale) }
            }
        }
        throw ValidationError("--min-share: write a share between 0 and 1, such as 0.5.")
    }
}

struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grants of committed decisions: their agreements, what is paid and due.",
        subcommands: [List.self, Show.self, Agreement.self, Sign.self, Decline.self]
    )

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a funded project declines its grant; the money returns to the call.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "Why.") var reason: String

        func run() async throws {
            let (grant, reason) = (grant, reason)
            let declined = try await database.withDatabase { database in
                try await AllocationRepository(database).decline(grantId: grant, reason: reason)
            }
            print(
                "Grant \(declined.id) (\(declined.amount.french), submission \(declined.submissionId)) declined; "
                    + "fund the reserve list with: cfund allocate CALL --promote")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a call's grants.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title.") var call: String

        func run() async throws {
            let reference = call
            let grants = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                return try await AllocationRepository(database).grants(callId: call.id)
            }
            let listing = Listing(
                columns: ["grant", "submission", "amount", "status", "promoted"],
                rows: grants.map {
                    [String($0.id), String($0.submissionId), $0.amount.plain, $0.status, $0.promoted ? "yes" : ""]
                },
                json: grants.map {
                    [
                        "id": .integer($0.id), "submissionId": .integer($0.submissionId),
                        "amountCents": .integer($0.amount.cents), "status": .string($0.status),
                        "promoted": .bool($0.promoted),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }
}

struct DecisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decision",
        abstract: "Committed decisions.",
        subcommands: [Revise.self]
    )

    struct Revise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Supersede a call's decision, recording why, so that a new allocate --commit can replace it.",
            discussion: "The superseded decision and its grants stay on record; its grants stop counting.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "Why the decision is revised.") var reason: String

        func run() async throws {
            let (reference, reason) = (call, reason)
            let (call, run) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                return (call, try await AllocationRepository(database).revise(callId: call.id, reason: reason))
            }
            print(
                "Decision \(run) of \"\(call.title)\" is superseded; the call is back in review. "
                    + "Commit the new decision with: cfund allocate \(call.id) --commit --reason ...")
        }
    }
}
