import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct OrganisationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "The network directory: French Tech Capitals and Communities with their label periods.",
        subcommands: [Add.self, List.self, Import.self, Identify.self, Token.self, Invite.self, Contacts.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an organisation with one label period.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Unique name, e.g. \"French Tech Lyon\".") var name: String
        @Option(help: "capital, community_fr or community_abroad.") var kind: String
        @Option(help: "City.") var city = ""
        @Option(help: "Country.") var country = "France"
        @Option(name: .customLong("label-awarded"), help: "Day the State awarded the label (YYYY-MM-DD).")
        var labelAwarded: String
        @Option(
            name: .customLong("label-expires"),
            help: "Day the label expires (YYYY-MM-DD); default \(LabelPeriod.defaultYears) years after the award.")
        var labelExpires: String?
        @Option(help: "SIRET, 14 digits (spaces allowed), for the agreements and the open-data file.") var siret:
            String?
        @Option(help: "RNA number of an association, W and 9 digits.") var rna: String?

        func run() async throws {
            let parsedKind = try parseOption("kind", kind, OrganisationKind.init(parsing:))
            let awarded = try parseOption("label-awarded", labelAwarded, CalendarDay.init(parsing:))
            let expires = try labelExpires.map { try parseOption("label-expires", $0, CalendarDay.init(parsing:)) }
            let label: LabelPeriod
            do {
                label = try LabelPeriod(awarded: awarded, expires: expires)
            } catch {
                throw ValidationError("--label-expires: \(error.shortReason).")
            }
            let organisation = Organisation(
                name: name, kind: parsedKind, city: city, country: country, labels: [label], siret: siret, rna: rna)
            let id = try await database.withDatabase { database in
                try await OrganisationRepository(database).add(organisation)
            }
            print(
                "Added organisation \(id): \(organisation.name) (\(parsedKind.rawValue), label \(label.awarded) to \(label.expires))."
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organisations with their label periods.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Only this kind: capital, community_fr or community_abroad.") var kind: String?

        func run() async throws {
            let wanted = try kind.map { try parseOption("kind", $0, OrganisationKind.init(parsing:)) }
            let organisations = try await database.withDatabase { database in
                try await OrganisationRepository(database).list()
            }.filter { wanted == nil || $0.kind == wanted }
            let listing = Listing(
                columns: ["id", "name", "kind", "city", "country", "labels", "siret", "rna"],
                rows: organisations.map { organisation in
                    [
                        String(organisation.id), organisation.name, organisation.kind.rawValue, organisation.city,
                        organisation.country,
                        organisation.labels.map { "\($0.awarded)..\($0.expires)" }.joined(separator: " "),
                        organisation.siret ?? "", organisation.rna ?? "",
                    ]
                },
                json: organisations.map { organisation in
                    [
                        "id": .integer(organisation.id), "name": .string(organisation.name),
                        "kind": .string(organisation.kind.rawValue), "city": .string(organisation.city),
                        "country": .string(organisation.country),
                        "siret": organisation.siret.map { .string($0) } ?? .null,
                        "rna": organisation.rna.map { .string($0) } ?? .null,
                        "labels": .array(
                            organisation.labels.map {
                                .object([
                                    "awarded": .string($0.awarded.description),
                                    "expires": .string($0.expires.description),
                                ])
                            }),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Identify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an organisation's SIRET and RNA number (an empty value clears one).",
            discussion: """
                Agreements name the beneficiary by them, and the open-data file (cfund report opendata) needs the \
                SIRET, or the RNA number of an association. The SIRET's check key is verified.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Organisation id or name.") var organisation: String
        @Option(help: "SIRET, 14 digits (spaces allowed).") var siret: String?
        @Option(help: "RNA number, W and 9 digits.") var rna: String?

        func run() async throws {
            guard siret != nil || rna != nil else { throw ValidationError("Give --siret, --rna or both.") }
            let (reference, siret, rna) = (organisation, siret, rna)
            let stored = try await database.withDatabase { database in
                let repository = OrganisationRepository(database)
                return try await repository.identify(try await repository.find(reference).id, siret: siret, rna: rna)
            }
            print("\(stored.name): SIRET \(stored.siret ?? "none"), RNA \(stored.rna ?? "none").")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import organisations from a CSV file, all or nothing.",
            discussion: """
                The header must be: \(OrganisationImport.header.joined(separator: ",")), optionally followed by \
                \(OrganisationImport.identifiers.joined(separator: ",")) (SIRET, RNA number; either may be empty). An organisation may \
                appear on several lines, one per label period; label_expires may be empty (\(LabelPeriod.defaultYears) \
                years). Every bad line is reported with its number and nothing is written. Importing the same \
                file twice changes nothing.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            let entries = try OrganisationImport.parse(try readTextFile(file))
            let summary = try await database.withDatabase { database in
                try await ProgressLine.during("Importing \(entries.count) entries") {
                    try await OrganisationRepository(database).importEntries(entries)
                }
            }
            print(
                "Imported \(file): \(summary.organisationsCreated) organisations created, "
                    + "\(summary.labelsAdded) label periods added, \(summary.unchanged) already known.")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for an organisation, list its tokens, or revoke one.",
            discussion: """
                The token is printed once and only its SHA-256 is stored: hand it to the organisation \
                over a safe channel. A revoked token stops working at once.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Organisation id or name.") var organisation: String
        @Option(help: "Revoke the token with this id instead of issuing one.") var revoke: Int64?
        @Flag(help: "List the organisation's tokens instead of issuing one.") var list = false

        func run() async throws {
            let reference = organisation
            let revoke = revoke
            let list = list
            let lines = try await database.withDatabase { database -> [String] in
                let organisation = try await OrganisationRepository(database).find(reference)
                return try await TokenRepository(database).manage(
                    holderId: organisation.id, holderName: organisation.name, revoke: revoke, list: list)
            }
            print(lines.isEmpty ? "(no tokens)" : lines.joined(separator: "\n"))
        }
    }

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Invite a person of an organisation to the web portal: prints their one-time sign-in link.",
            discussion: """
                Adds the person as one of the organisation's contacts (or finds them by address, lifting a \
                revocation) and prints a sign-in link: it works once, for 7 days, and only its SHA-256 is \
                stored. Send it to the person; following it opens a session on the portal. Links start with \
                CFUND_PUBLIC_URL (default http://127.0.0.1:8080, where `cfund serve` listens).
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Organisation id or name.") var organisation: String
        @Option(help: "The person's email address.") var email: String
        @Option(help: "The person's name (default: the address).") var name: String?
        @Option(help: "The language of their mail: fr or en.") var language = "fr"

        func run() async throws {
            guard let chosen = Language(rawValue: language) else { throw ValidationError("--language: use fr or en.") }
            let (reference, email, name) = (organisation, email, name)
            let (organisation, contact, secret) = try await database.withDatabase { database in
                let organisation = try await OrganisationRepository(database).find(reference)
                let (contact, secret) = try await ContactRepository(database).invite(
                    organisationId: organisation.id, name: name, email: email, language: chosen)
                return (organisation, contact, secret)
            }
            print(
                "Invited \(contact.name) <\(contact.email)> of \(organisation.name). Their sign-in link (once, 7 days):"
            )
            print(PortalLinks.signIn(secret))
        }
    }

    struct Contacts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the people of an organisation who use the portal, or revoke one.",
            discussion: "--revoke ends the person's sessions at once; inviting them again lets them back in.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Organisation id or name.") var organisation: String
        @Option(help: "Revoke the contact with this email address.") var revoke: String?

        func run() async throws {
            let (reference, revoke) = (organisation, revoke)
            let (revoked, contacts) = try await database.withDatabase { database in
                let organisation = try await OrganisationRepository(database).find(reference)
                let contacts = ContactRepository(database)
                var revoked: Contact?
                if let revoke { revoked = try await contacts.revoke(organisationId: organisation.id, email: revoke) }
                return (revoked, try await contacts.list(organisationId: organisation.id))
            }
            if let revoked { print("Revoked \(revoked.name) <\(revoked.email)>: their sessions ended.") }
            let listing = Listing(
                columns: ["id", "name", "email", "language", "sessions", "last seen", "revoked"],
                rows: contacts.map { info -> [String] in
                    let lastSeen = info.lastSeen.map { LocalTime.format($0, in: LocalTime.paris) } ?? ""
                    let revoked = info.contact.revokedAt.map { LocalTime.format($0, in: LocalTime.paris) } ?? ""
                    return [
                        String(info.contact.id), info.contact.name, info.contact.email, info.contact.language.rawValue,
                        String(info.openSessions), lastSeen, revoked,
                    ]
                },
                json: contacts.map { info -> [String: JSONValue] in
                    [
                        "id": .integer(info.contact.id), "name": .string(info.contact.name),
                        "email": .string(info.contact.email), "language": .string(info.contact.language.rawValue),
                        "openSessions": .integer(Int64(info.openSessions)),
                        "revoked": .bool(info.contact.revokedAt != nil),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }
}

/// Where the portal's links point: `CFUND_PUBLIC_URL`, else where `cfund serve` listens by default.
enum PortalLinks {
    static var base: String {
        let configured = ProcessInfo.processInfo.environment["CFUND_PUBLIC_URL"] ?? "http://127.0.0.1:8080"
        return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
    }

    static func signIn(_ secret: String, base: String = PortalLinks.base) -> String { "\(base)/sign-in/\(secret)" }
}
