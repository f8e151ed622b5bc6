import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Assign reviewers, follow progress, exchange scoring sheets, reopen final reviews.",
        subcommands: [Assign.self, Status.self, Sheet.self, Import.self, Reopen.self]
    )

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give every eligible submission its reviewers, never a conflicted one, loads balanced.",
            discussion: """
                Closes the call first if its deadline has passed (re-checking eligibility), then moves it to \
                reviewing. Re-running adds only what is missing. When some submission cannot get enough \
                non-conflicted reviewers, nothing is assigned and the submissions are named.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(name: .customLong("per-submission"), help: "Reviewers per submission (default: the call's setting).")
        var perSubmission: Int?
        @Option(name: .customLong("max-load"), help: "Most assignments one reviewer may hold in this call.")
        var maxLoad: Int?

        func run() async throws {
            let (reference, perSubmission, maxLoad) = (call, perSubmission, maxLoad)
            if let perSubmission, !(1...20).contains(perSubmission) {
                throw ValidationError("--per-submission: ask for 1 to 20 reviewers.")
            }
            let (call, stored, progress) = try await database.withDatabase { database in
                let calls = CallRepository(database)
                let call = try await calls.startReviewing(try await calls.find(reference))
                let reviews = ReviewRepository(database)
                let stored = try await ProgressLine.during("Assigning reviewers") {
                    try await reviews.assign(
                        callId: call.id, perSubmission: perSubmission ?? call.reviewsPerSubmission, maxLoad: maxLoad)
                }
                return (call, stored, try await reviews.status(callId: call.id, wanted: call.reviewsPerSubmission).1)
            }
            let loads = progress.map(\.load)
            print(
                "Assigned \(stored) new review(s) in \"\(call.title)\"; reviewer loads \(loads.min() ?? 0) to "
                    + "\(loads.max() ?? 0) across \(progress.count) reviewer(s).")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Per submission: final, draft and missing reviews; per reviewer: load and progress; recusals; "
                + "the review deadline.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title.") var call: String

        func run() async throws {
            let reference = call
            let (call, submissions, reviewers, recusals) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                let reviews = ReviewRepository(database)
                let (submissions, reviewers) = try await reviews.status(
                    callId: call.id, wanted: call.reviewsPerSubmission)
                return (call, submissions, reviewers, try await reviews.recusals(callId: call.id))
            }
            let bySubmission = Listing(
                columns: ["submission", "organisation", "title", "final", "draft", "missing"],
                rows: submissions.map {
                    [
                        String($0.submissionId), $0.organisation, $0.title, String($0.final), String($0.draft),
                        String($0.missing),
                    ]
                },
                json: submissions.map {
                    [
                        "submissionId": .integer($0.submissionId), "organisation": .string($0.organisation),
                        "title": .string($0.title), "final": .integer(Int64($0.final)),
                        "draft": .integer(Int64($0.draft)), "missing": .integer(Int64($0.missing)),
                    ]
                })
            let byReviewer = Listing(
                columns: ["reviewer", "name", "load", "final", "progress"],
                rows: reviewers.map {
                    [
                        String($0.reviewerId), $0.name, String($0.load), String($0.final),
                        $0.load == 0 ? "-" : "\($0.final * 100 / $0.load)%",
                    ]
                },
                json: reviewers.map {
                    [
                        "reviewerId": .integer($0.reviewerId), "name": .string($0.name),
                        "load": .integer(Int64($0.load)), "final": .integer(Int64($0.final)),
                    ]
                })
            let stepsBack = Listing(
                columns: ["reviewer", "submission", "organisation", "declared", "reason"],
                rows: recusals.map {
                    [
                        $0.reviewer, String($0.submissionId), $0.organisation,
                        LocalTime.format($0.declaredAt, in: call.zone), $0.reason,
                    ]
                },
                json: recusals.map {
                    [
                        "reviewer": .string($0.reviewer), "submissionId": .integer($0.submissionId),
                        "organisation": .string($0.organisation),
                        "declaredAt": .string(ISO8601DateFormatter().string(from: $0.declaredAt)),
                        "reason": .string($0.reason),
                    ]
                })
            switch output.format {
            case .json:
                print(
                    JSONValue.object([
                        "submissions": .array(bySubmission.json.map(JSONValue.object)),
                        "reviewers": .array(byReviewer.json.map(JSONValue.object)),
                        "recusals": .array(stepsBack.json.map(JSONValue.object)),
                        "reviewsDueAt": JSONValue(call.reviewsDueAt.map { ISO8601DateFormatter().string(from: $0) }),
                    ]).rendered)
            case .csv:
                print(bySubmission.render(.csv), terminator: "")
            case .table:
                print("Reviews \(CallCommand.reviewsDue(call)).\n")
                print(bySubmission.render(.table))
                print(byReviewer.render(.table), terminator: "")
                if !recusals.isEmpty {
                    print("\nRecusals (fill the gaps with: cfund review assign \(call.id)):")
                    print(stepsBack.render(.table), terminator: "")
                }
            }
        }
    }

    struct Sheet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a reviewer's scoring sheet (CSV) for a call: cfund review sheet CALL --reviewer R > sheet.csv")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "Reviewer id, email or name.") var reviewer: String

        func run() async throws {
            let (callReference, reviewerReference) = (call, reviewer)
            let (call, reviewer, assignments) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(callReference)
                let reviewer = try await ReviewerRepository(database).find(reviewerReference)
                let assignments = try await ReviewRepository(database).assignments(
                    reviewerId: reviewer.id, callId: call.id)
                return (call, reviewer, assignments)
            }
            print(Self.text(grid: call.grid, reviewerEmail: reviewer.email, assignments: assignments), terminator: "")
        }

        /// The sheet as CSV, scores already given filled in; the demo fills one in from it.
        static func text(grid: ScoringGrid, reviewerEmail: String, assignments: [AssignmentView]) -> String {
            var text = CSV.line(ReviewSheet.header(grid: grid))
            for assignment in assignments {
                let scores = grid.criteria.map { criterion in assignment.scores[criterion.key].map { "\($0)" } ?? "" }
                let comments = grid.criteria.map { assignment.comments[$0.key] ?? "" }
                text += CSV.line(
                    [
                        String(assignment.assignmentId), String(assignment.submission.id),
                        assignment.submission.organisationName, assignment.submission.content.title, reviewerEmail,
                    ] + scores + comments + [assignment.final ? "yes" : "no"])
            }
            return text
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read scoring sheets back, all or nothing; every bad cell is reported with its line and column.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Argument(help: "The filled-in sheet (CSV).") var file: String

        func run() async throws {
            let text = try readTextFile(file)
            let reference = call
            let imported = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                let rows = try ReviewSheet.parse(text, grid: call.grid)
                return try await ProgressLine.during("Importing \(rows.count) reviews") {
                    try await ReviewRepository(database).importSheet(callId: call.id, rows: rows)
                }
            }
            print("Imported \(imported) review(s) from \(file).")
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reopen a final review so its reviewer can change it; the reason is kept.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Assignment id.") var assignment: Int64
        @Option(help: "Why the review is reopened.") var reason: String

        func run() async throws {
            let (assignment, reason) = (assignment, reason)
            try await database.withDatabase { database in
                try await ReviewRepository(database).reopen(assignmentId: assignment, reason: reason)
            }
            print("Reopened the review of assignment \(assignment).")
        }
    }
}
