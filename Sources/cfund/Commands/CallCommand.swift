import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Calls for projects: draft → open → closed → reviewing → decided.",
        subcommands: [Create.self, Open.self, Close.self, List.self, Show.self, ReviewDeadline.self, Terms.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a draft call, reserving its budget from an envelope.",
            discussion: """
                Example: cfund call create --envelope "Community Fund 2023-2024" \
                --title "Financing 2024 for French Tech Capitals" --budget 600000.00 \
                --opens "2024-11-13 00:00" --closes "2024-12-15 23:59" --time-zone Europe/Paris \
                --kinds capital --label-awarded-between 2024-01-01..2024-12-31 --max-request 50000.00

                --closes names the last minute (or second) that is still on time: "2024-12-15 23:59" \
                accepts a submission received at 23:59:59.999 Paris time and refuses one at 00:00:00.
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Envelope id or name.") var envelope: String
        @Option(help: "Unique title, 3 to 200 characters.") var title: String
        @Option(help: "Budget in euros, reserved from the envelope.") var budget: String
        @Option(help: "Opening, local time: \"YYYY-MM-DD HH:MM\".") var opens: String
        @Option(help: "Last minute on time, local time: \"YYYY-MM-DD HH:MM\".") var closes: String
        @Option(name: .customLong("time-zone"), help: "IANA zone of --opens and --closes.")
        var timeZone = LocalTime.defaultZoneName
        @Option(help: "Kinds allowed, comma-separated: capital, community_fr, community_abroad.")
        var kinds = OrganisationKind.allCases.map(\.rawValue).joined(separator: ",")
        @Option(
            name: .customLong("label-awarded-between"),
            help: "Only labels awarded within FIRST..LAST, e.g. 2024-01-01..2024-12-31.")
        var labelAwardedBetween: String?
        @Flag(
            inversion: .prefixedNo, exclusivity: .exclusive,
            help: "Require a label valid on the deadline's day.")
        var labelValidAtDeadline = true
        @Option(name: .customLong("max-request"), help: "Cap on one project's request, in euros.")
        var maxRequest: String?
        @Option(name: .customLong("max-submissions"), help: "Live submissions allowed per organisation.")
        var maxSubmissions = 1
        @Option(name: .customLong("reviews"), help: "Finalised reviews wanted per submission.")
        var reviews = 3
        @Option(help: "Scoring grid as a JSON file (see Config/grid.example.json); default: the standard grid.")
        var grid: String?
        @Option(help: "Allocation policy when the next award does not fit: strict, skip or partial.")
        var policy = AllocationPolicy.skip.rawValue
        @Option(
            name: .customLong("require-files"),
            help: "Files every submission must carry, comma-separated: description, budget, statutes, other.")
        var requireFiles = ""
        @Option(name: .customLong("max-file-size"), help: "Largest file, in megabytes.") var maxFileSize = 10
        @Option(name: .customLong("max-files-size"), help: "Largest total of a submission's files, in megabytes.")
        var maxFilesSize = 25
        @Option(
            name: .customLong("reviews-due"),
            help: "Last minute reviews may be finalised, local time: \"YYYY-MM-DD HH:MM\" (default: no deadline).")
        var reviewsDue: String?

        func run() async throws {
            let zone = try parseOption("time-zone", timeZone, LocalTime.zone(named:))
            let money = try parseOption("budget", budget, Money.init(parsing:))
            let opensAt = try parseOption("opens", opens) { (text) throws(FundError) in
                try LocalTime.instant(text, in: zone)
            }
            let closesAt = try parseOption("closes", closes) { (text) throws(FundError) in
                try LocalTime.deadline(text, in: zone)
            }
            let allowed = try kinds.split(separator: ",").map {
                try parseOption("kinds", String($0), OrganisationKind.init(parsing:))
            }
            let window = try labelAwardedBetween.map {
                try parseOption("label-awarded-between", $0, DayRange.init(parsing:))
            }
            let cap = try maxRequest.map { try parseOption("max-request", $0, Money.init(parsing:)) }
            let reviewsDueAt = try reviewsDue.map {
                try parseOption("reviews-due", $0) { (text) throws(FundError) in try LocalTime.deadline(text, in: zone)
                }
            }
            guard let chosenPolicy = AllocationPolicy(rawValue: policy) else {
                throw ValidationError("--policy: use strict, skip or partial.")
            }
            let chosenGrid = try grid.map(Self.loadGrid) ?? .standard
            let files = AttachmentRules(
                required: try requireFiles.split(separator: ",").map {
                    try parseOption("require-files", String($0), AttachmentKind.init(parsing:))
                }, maxFileBytes: Int64(maxFileSize) * 1_048_576, maxSubmissionBytes: Int64(maxFilesSize) * 1_048_576)
            let rules = EligibilityRules(
                allowedKinds: allowed, labelAwardedWithin: window, labelValidAtDeadline: labelValidAtDeadline,
                maxRequest: cap, maxSubmissionsPerOrganisation: maxSubmissions)
            let reference = envelope
            let (id, envelopeName) = try await database.withDatabase { database in
                let envelope = try await EnvelopeRepository(database).find(reference).envelope
                let call = Call(
                    envelopeId: envelope.id, title: title, budget: money, opensAt: opensAt, closesAt: closesAt,
                    timeZone: zone.identifier, rules: rules, grid: chosenGrid, reviewsPerSubmission: reviews,
                    policy: chosenPolicy, attachments: files, reviewsDueAt: reviewsDueAt)
                return (try await CallRepository(database).create(call), envelope.name)
            }
            print("Created draft call \(id): \(title), \(money.french) from \(envelopeName).")
            print(
                "Open from \(LocalTime.format(opensAt, in: zone)) until "
                    + "\(LocalTime.lastAcceptedMoment(before: closesAt, in: zone)) (\(zone.identifier)).")
            print("Open it with: cfund call open \(id)")
        }

        static func loadGrid(_ path: String) throws -> ScoringGrid {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--grid: \(path) cannot be read.")
            }
            let grid: ScoringGrid
            do {
                grid = try JSONDecoder().decode(ScoringGrid.self, from: data)
            } catch {
                throw ValidationError("--grid: \(path) is not a scoring grid (\(error)); see Config/grid.example.json.")
            }
            let issues = grid.validate()
            guard issues.isEmpty else { throw FundError.validation(issues) }
            return grid
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a draft call: its budget and rules freeze, and submissions are accepted in its window.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String

        func run() async throws {
            let reference = call
            let call = try await database.withDatabase { database in try await CallRepository(database).open(reference)
            }
            print(
                "Call \(call.id) \"\(call.title)\" is open; it accepts submissions from "
                    + "\(LocalTime.format(call.opensAt, in: call.zone)) until "
                    + "\(LocalTime.lastAcceptedMoment(before: call.closesAt, in: call.zone)).")
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an open call after its deadline.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Flag(help: "Close before the deadline, cutting applicants off.") var early = false

        func run() async throws {
            let reference = call
            let early = early
            let (call, ineligible) = try await database.withDatabase { database in
                try await CallRepository(database).close(reference, early: early)
            }
            print(
                "Call \(call.id) \"\(call.title)\" is closed; eligibility re-checked: \(ineligible) submission(s) "
                    + "marked ineligible (see cfund submission list \(call.id)).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List calls with their window, budget and status.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Only calls in this status: draft, open, closed, reviewing or decided.") var status: String?

        func run() async throws {
            var wanted: CallStatus?
            if let status {
                guard let parsed = CallStatus(rawValue: status) else {
                    throw ValidationError(
                        "--status: use one of \(CallStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                wanted = parsed
            }
            let filter = wanted
            let calls = try await database.withDatabase { database in
                try await CallRepository(database).list(status: filter)
            }
            print(CallCommand.listing(calls).render(output.format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a call: window, budget, eligibility and grid.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title.") var call: String

        func run() async throws {
            let reference = call
            let (call, envelope) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                return (call, try await EnvelopeRepository(database).find(String(call.envelopeId)).envelope)
            }
            switch output.format {
            case .json:
                var json = CallCommand.listing([call]).json[0]
                json["grid"] = .raw(String(decoding: try JSONEncoder.sorted.encode(call.grid), as: UTF8.self))
                print(JSONValue.object(json).rendered)
            case .csv:
                print(CallCommand.listing([call]).render(.csv), terminator: "")
            case .table:
                let zone = call.zone
                let rules = call.rules
                print("Call \(call.id): \(call.title) [\(call.status.rawValue)]")
                print("Envelope:    \(envelope.name)")
                print("Budget:      \(call.budget.french)")
                print("Opens:       \(LocalTime.format(call.opensAt, in: zone))")
                print(
                    "On time until \(LocalTime.lastAcceptedMoment(before: call.closesAt, in: zone)) (\(zone.identifier))"
                )
                print("Open to:     \(rules.allowedKinds.map(\.rawValue).joined(separator: ", "))")
                if let window = rules.labelAwardedWithin {
                    print("Label:       awarded \(window.first) to \(window.last)")
                }
                if rules.labelValidAtDeadline { print("             and valid on \(call.deadlineDay)") }
                print("Max request: \(rules.maxRequest?.french ?? "none")")
                print("Submissions: at most \(rules.maxSubmissionsPerOrganisation) per organisation")
                print("Reviews:     \(call.reviewsPerSubmission) per submission; policy \(call.policy.rawValue)")
                print("Reviews due: \(CallCommand.reviewsDue(call))")
                print(
                    "Files:       \(call.attachments.required.map(\.rawValue).joined(separator: ", ").ifEmpty("none")) "
                        + "required; up to \(call.attachments.maxFileBytes / 1_048_576) MB each, "
                        + "\(call.attachments.maxSubmissionBytes / 1_048_576) MB in all")
                print("Grid (overall threshold \(call.grid.overallThreshold) / 100):")
                for criterion in call.grid.criteria {
                    let threshold = criterion.threshold.map { ", threshold \($0)" } ?? ""
                    print(
                        "  \(criterion.key): \(criterion.name), weight \(criterion.weight), "
                            + "\(criterion.min)..\(criterion.max) by \(criterion.step)\(threshold)")
                }
            }
        }
    }

    struct ReviewDeadline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-deadline",
            abstract: "Set or extend the deadline for a call's reviews, or lift it.",
            discussion: """
                After the deadline, reviewers keep their drafts but cannot finalise them, on the web, through \
                the API or with a sheet, until the deadline is extended. --until names the last minute that is \
                still on time, in the call's time zone, and must fall after the call closes. The audit trail \
                records who changed it.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "Last minute on time, in the call's zone: \"YYYY-MM-DD HH:MM\".") var until: String?
        @Flag(help: "Lift the deadline: reviews may be finalised at any time.") var none = false

        func run() async throws {
            guard (until == nil) != none else { throw ValidationError("Give either --until or --none.") }
            let (reference, until) = (call, until)
            let call = try await database.withDatabase { database in
                let repository = CallRepository(database)
                let zone = try await repository.find(reference).zone
                let due = try until.map {
                    try parseOption("until", $0) { (text) throws(FundError) in try LocalTime.deadline(text, in: zone) }
                }
                return try await repository.setReviewDeadline(reference, until: due)
            }
            print("Reviews of call \(call.id) \"\(call.title)\": \(CallCommand.reviewsDue(call)).")
        }
    }

    /// "due by 31/01/2025 23:59 (Europe/Paris)", or that there is no deadline.
    static func reviewsDue(_ call: Call) -> String {
        guard let due = call.reviewsDueAt else { return "no deadline" }
        return "due by \(LocalTime.lastAcceptedMoment(before: due, in: call.zone)) (\(call.timeZone))"
    }

    static func listing(_ calls: [Call]) -> Listing {
        Listing(
            columns: ["id", "title", "status", "budget", "opens", "closes", "kinds"],
            rows: calls.map { call in
                [
                    String(call.id), call.title, call.status.rawValue, call.budget.plain,
                    LocalTime.format(call.opensAt, in: call.zone),
                    LocalTime.lastAcceptedMoment(before: call.closesAt, in: call.zone),
                    call.rules.allowedKinds.map(\.rawValue).joined(separator: ","),
                ]
            },
            json: calls.map { call in
                [
                    "id": .integer(call.id), "envelopeId": .integer(call.envelopeId), "title": .string(call.title),
                    "status": .string(call.status.rawValue), "budgetCents": .integer(call.budget.cents),
                    "opensAt": .string(LocalTime.iso8601(call.opensAt, in: call.zone)),
                    "closesAt": .string(LocalTime.iso8601(call.closesAt, in: call.zone)),
                    "timeZone": .string(call.timeZone),
                    "allowedKinds": .array(call.rules.allowedKinds.map { .string($0.rawValue) }),
                    "labelAwardedFrom": JSONValue(call.rules.labelAwardedWithin?.first.description),
                    "labelAwardedTo": JSONValue(call.rules.labelAwardedWithin?.last.description),
                    "labelValidAtDeadline": .bool(call.rules.labelValidAtDeadline),
                    "maxRequestCents": JSONValue(call.rules.maxRequest?.cents),
                    "maxSubmissionsPerOrganisation": .integer(Int64(call.rules.maxSubmissionsPerOrganisation)),
                    "reviewsPerSubmission": .integer(Int64(call.reviewsPerSubmission)),
                    "policy": .string(call.policy.rawValue),
                ]
            })
    }
}
