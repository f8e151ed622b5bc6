import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct EnvelopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envelope",
        abstract: "Budget envelopes, from which calls reserve their money.",
        subcommands: [Create.self, List.self, Show.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an envelope.",
            discussion: """
                Example: cfund envelope create --name "Community Fund 2023-2024" --amount 1500000.00 \
                --from 2023-01-01 --to 2024-12-31
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Unique name.") var name: String
        @Option(help: "Amount in euros, exact to the cent: 1500000.00 or \"1 500 000,00\".") var amount: String
        @Option(help: "First day of validity (YYYY-MM-DD).") var from: String
        @Option(help: "Last day of validity (YYYY-MM-DD).") var to: String

        func run() async throws {
            let money = try parseOption("amount", amount, Money.init(parsing:))
            let first = try parseOption("from", from, CalendarDay.init(parsing:))
            let last = try parseOption("to", to, CalendarDay.init(parsing:))
            let validity: DayRange
            do {
                validity = try DayRange(first: first, last: last)
            } catch {
                throw ValidationError("--to: the envelope must end on or after --from.")
            }
            let envelope = Envelope(name: name, amount: money, validity: validity)
            let id = try await database.withDatabase { database in
                try await EnvelopeRepository(database).create(envelope)
            }
            print(
                "Created envelope \(id): \(envelope.name), \(money.french), valid \(validity.first) to \(validity.last)."
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List envelopes with what calls reserve and what is left.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions

        func run() async throws {
            let summaries = try await database.withDatabase { database in try await EnvelopeRepository(database).list()
            }
            print(EnvelopeCommand.listing(summaries).render(output.format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one envelope and the calls that reserve from it.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Envelope id or name.") var envelope: String

        func run() async throws {
            let reference = envelope
            let (summary, calls) = try await database.withDatabase { database in
                let summary = try await EnvelopeRepository(database).find(reference)
                let calls = try await CallRepository(database).list().filter { $0.envelopeId == summary.envelope.id }
                return (summary, calls)
            }
            let callListing = CallCommand.listing(calls)
            switch output.format {
            case .json:
                var json = EnvelopeCommand.listing([summary]).json[0]
                json["calls"] = .array(callListing.json.map(JSONValue.object))
                print(JSONValue.object(json).rendered)
            case .csv:
                print(callListing.render(.csv), terminator: "")
            case .table:
                let envelope = summary.envelope
                print("Envelope \(envelope.id): \(envelope.name)")
                print("Valid:     \(envelope.validity.first) to \(envelope.validity.last)")
                print("Total:     \(summary.balance.total.french)")
                print("Reserved:  \(summary.balance.reserved.french) by \(summary.callCount) call(s)")
                print("Left:      \(summary.balance.left.french)")
                print("")
                print(callListing.render(.table), terminator: "")
            }
        }
    }

    static func listing(_ summaries: [EnvelopeSummary]) -> Listing {
        Listing(
            columns: ["id", "name", "from", "to", "total", "reserved", "left", "calls"],
            rows: summaries.map { summary in
                [
                    String(summary.envelope.id), summary.envelope.name, summary.envelope.validity.first.description,
                    summary.envelope.validity.last.description, summary.balance.total.plain,
                    summary.balance.reserved.plain, summary.balance.left.plain, String(summary.callCount),
                ]
            },
            json: summaries.map { summary in
                [
                    "id": .integer(summary.envelope.id), "name": .string(summary.envelope.name),
                    "validFrom": .string(summary.envelope.validity.first.description),
                    "validTo": .string(summary.envelope.validity.last.description),
                    "totalCents": .integer(summary.balance.total.cents),
                    "reservedCents": .integer(summary.balance.reserved.cents),
                    "leftCents": .integer(summary.balance.left.cents), "calls": .integer(Int64(summary.callCount)),
                ]
            })
    }
}
