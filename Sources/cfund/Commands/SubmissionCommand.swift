import ArgumentParser
import Foundation
import FundCore
import FundStore

struct SubmissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submission",
        abstract: "The submissions applicants sent to a call.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a call's submissions in order of receipt.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title.") var call: String

        func run() async throws {
            let reference = call
            let (call, submissions) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                return (call, try await SubmissionRepository(database).list(callId: call.id))
            }
            let listing = Listing(
                columns: ["id", "organisation", "title", "requested", "version", "received", "status"],
                rows: submissions.map { submission in
                    [
                        String(submission.id), submission.organisation, submission.title, submission.requested.plain,
                        String(submission.version),
                        LocalTime.format(submission.receivedAt, in: call.zone, milliseconds: true),
                        submission.status.rawValue,
                    ]
                },
                json: submissions.map { submission in
                    [
                        "id": .integer(submission.id), "organisation": .string(submission.organisation),
                        "title": .string(submission.title), "requestedCents": .integer(submission.requested.cents),
                        "version": .integer(Int64(submission.version)),
                        "receivedAt": .string(LocalTime.iso8601(submission.receivedAt, in: call.zone)),
                        "status": .string(submission.status.rawValue),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a submission with its version history.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Submission id.") var id: Int64

        func run() async throws {
            let id = id
            let (submission, call, versions) = try await database.withDatabase { database in
                let submission = try await SubmissionRepository(database).find(id)
                let call = try await CallRepository(database).find(id: submission.callId)
                return (submission, call, try await SubmissionRepository(database).history(id))
            }
            let zone = call.zone
            let content = submission.content
            print("Submission \(submission.id): \(content.title) [\(submission.status.rawValue)]")
            print("Call:         \(call.title)")
            print("Organisation: \(submission.organisationName)")
            print("Requested:    \(content.requested.french) of \(content.totalCost.french)")
            print("Ambitions:    \(content.ambitions.map(\.rawValue).joined(separator: ", "))")
            print("Contact:      \(content.contactName) <\(content.contactEmail)>")
            print(
                "Received:     \(LocalTime.format(submission.receivedAt, in: zone, milliseconds: true)) (version \(submission.version))"
            )
            print("Receipt:      \(Digest.sha256(submission.receiptText))")
            if !submission.statusReasons.isEmpty {
                print("Reasons:      \(submission.statusReasons.joined(separator: "; "))")
            }
            print("")
            print("Versions:")
            for version in versions {
                print(
                    "  \(version.version)  \(LocalTime.format(version.receivedAt, in: zone, milliseconds: true))  "
                        + "\(version.content.requested.plain) EUR  \(version.content.title)")
            }
        }
    }
}
