import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct ReviewerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Reviewers, their affiliation and declared conflicts of interest.",
        subcommands: [Add.self, Conflict.self, List.self, Token.self, Invite.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a reviewer; one affiliated with an organisation never reviews its submissions.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Full name.") var name: String
        @Option(help: "Email address (unique).") var email: String
        @Option(help: "Organisation id or name the reviewer belongs to.") var affiliation: String?
        @Option(help: "The language of their mail: fr or en (then the one they choose on the site).")
        var language = "fr"

        func run() async throws {
            guard let chosen = Language(rawValue: language) else { throw ValidationError("--language: use fr or en.") }
            let (name, email, affiliation) = (name, email, affiliation)
            let id = try await database.withDatabase { database in
                let organisation = try await affiliation.asyncMap {
                    try await OrganisationRepository(database).find($0)
                }
                return try await ReviewerRepository(database).add(
                    name: name, email: email, affiliationId: organisation?.id, language: chosen)
            }
            print("Added reviewer \(id): \(name) <\(email)>\(affiliation.map { ", affiliated with \($0)" } ?? "").")
        }
    }

    struct Conflict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare a conflict: the reviewer never gets, sees or scores that organisation's submissions.",
            discussion: "Assignments the reviewer already holds on that organisation's submissions are removed.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Reviewer id, email or name.") var reviewer: String
        @Argument(help: "Organisation id or name.") var organisation: String
        @Option(help: "Why, for the record.") var reason = ""

        func run() async throws {
            let (reviewerReference, organisationReference, reason) = (reviewer, organisation, reason)
            let (reviewer, organisation, removed) = try await database.withDatabase { database in
                let reviewer = try await ReviewerRepository(database).find(reviewerReference)
                let organisation = try await OrganisationRepository(database).find(organisationReference)
                let removed = try await ReviewerRepository(database).declareConflict(
                    reviewerId: reviewer.id, organisationId: organisation.id, reason: reason)
                return (reviewer, organisation, removed)
            }
            print(
                "\(reviewer.name) is conflicted with \(organisation.name)"
                    + (removed > 0 ? "; \(removed) assignment(s) on its submissions removed." : "."))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reviewers with affiliation and conflicts.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let reviewers = try await database.withDatabase { database in try await ReviewerRepository(database).list()
            }
            let listing = Listing(
                columns: ["id", "name", "email", "affiliation", "conflicts"],
                rows: reviewers.map {
                    [String($0.id), $0.name, $0.email, $0.affiliation ?? "", $0.conflicts.joined(separator: "; ")]
                },
                json: reviewers.map {
                    [
                        "id": .integer($0.id), "name": .string($0.name), "email": .string($0.email),
                        "affiliation": JSONValue($0.affiliation),
                        "conflicts": .array($0.conflicts.map(JSONValue.string)),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a reviewer API token (cfr_...), list them, or revoke one.",
            discussion: "Printed once; only its SHA-256 is stored. A revoked token stops working at once.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Reviewer id, email or name.") var reviewer: String
        @Option(help: "Revoke the token with this id instead of issuing one.") var revoke: Int64?
        @Flag(help: "List the reviewer's tokens instead of issuing one.") var list = false

        func run() async throws {
            let (reference, revoke, list) = (reviewer, revoke, list)
            let lines = try await database.withDatabase { database -> [String] in
                let reviewer = try await ReviewerRepository(database).find(reference)
                return try await TokenRepository(database, holder: .reviewer).manage(
                    holderId: reviewer.id, holderName: reviewer.name, revoke: revoke, list: list)
            }
            print(lines.isEmpty ? "(no tokens)" : lines.joined(separator: "\n"))
        }
    }
}

extension ReviewerCommand {
    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a reviewer to the reviewers' workspace on the web: prints their one-time sign-in link.",
            discussion: """
                The link works once, for 7 days, and only its SHA-256 is stored; following it opens a session \
                on /review, where the reviewer scores their assignments. Links start with CFUND_PUBLIC_URL \
                (default http://127.0.0.1:8080, where `cfund serve` listens).
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Reviewer id, email or name.") var reviewer: String

        func run() async throws {
            let reference = reviewer
            let (reviewer, secret) = try await database.withDatabase { database in
                let repository = ReviewerRepository(database)
                let reviewer = try await repository.find(reference)
                return (reviewer, try await repository.invite(reviewerId: reviewer.id))
            }
            print("Invited \(reviewer.name) <\(reviewer.email)>. Their sign-in link (once, 7 days):")
            print(PortalLinks.signIn(secret))
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
