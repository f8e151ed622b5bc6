import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "The Fund's team on the web: invite the programme and finance people, list them, revoke one.",
        subcommands: [Invite.self, List.self, Revoke.self]
    )

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a person of the Fund's team to /admin: prints their one-time sign-in link.",
            discussion: """
                --role programme reads every call and acts where the web offers it (assigning missing reviews); \
                --role finance reads and downloads reports, and acts on nothing. Inviting someone again sends \
                a new link, sets the role given and lifts a revocation. The link works once, for 7 days; only \
                its SHA-256 is stored. Links start with CFUND_PUBLIC_URL (default http://127.0.0.1:8080).
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The person's email address.") var email: String
        @Option(help: "The person's name (default: the address).") var name: String?
        @Option(help: "programme or finance.") var role: String
        @Option(help: "The language of their mail: fr or en (default: as before, French for someone new).")
        var language: String?

        func run() async throws {
            guard let chosen = AdminRole(rawValue: role) else {
                throw ValidationError("--role: use programme or finance.")
            }
            let speaking = try language.map {
                guard let language = Language(rawValue: $0) else { throw ValidationError("--language: use fr or en.") }
                return language
            }
            let (email, name) = (email, name)
            let (admin, secret) = try await database.withDatabase { database in
                try await AdminRepository(database).invite(name: name, email: email, role: chosen, language: speaking)
            }
            print("Invited \(admin.name) <\(admin.email)> (\(admin.role.rawValue)). Their sign-in link (once, 7 days):")
            print(PortalLinks.signIn(secret))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the Fund's team on the web, revoked ones too.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let admins = try await database.withDatabase { database in try await AdminRepository(database).list() }
            let listing = Listing(
                columns: ["id", "name", "email", "role", "revoked"],
                rows: admins.map {
                    [
                        String($0.id), $0.name, $0.email, $0.role.rawValue,
                        $0.revokedAt.map { LocalTime.format($0, in: LocalTime.paris) } ?? "",
                    ]
                },
                json: admins.map {
                    [
                        "id": .integer($0.id), "name": .string($0.name), "email": .string($0.email),
                        "role": .string($0.role.rawValue), "revoked": .bool($0.revokedAt != nil),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a person of the team: their sessions end at once, their links stop working.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Their email address.") var email: String

        func run() async throws {
            let email = email
            let admin = try await database.withDatabase { database in
                try await AdminRepository(database).revoke(email: email)
            }
            print("Revoked \(admin.name) <\(admin.email)>: their sessions ended.")
        }
    }
}
