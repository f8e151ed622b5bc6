import ArgumentParser
import Foundation
import FundCore
import FundStore
import PostgresNIO

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Set up the source documents' case: the network, the EUR 1.5M envelope and the 2024 Capitals call.",
        discussion: """
            The demo works in its own database, cfund_demo, on the same server as the other commands \
            (the embedded cluster by default). It is dropped and recreated on every run, so the data \
            in your cfund database is left alone.
            """)
    static let databaseName = "cfund_demo"

    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print only the final summary.") var quiet = false

    func run() async throws {
        let logger = database.logger
        let server = try await DatabaseChoice.resolve(url: database.url).prepare(logger: logger)
        let demo = server.with(database: Self.databaseName)
        let quiet = quiet
        @Sendable func step(_ line: String) { if !quiet { print(line) } }

        try await Database.with(server.with(database: "postgres"), logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.databaseName) WITH (FORCE)"))
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.databaseName)"))
        }
        step("Created a fresh database \(demo.displayURL)")

        let summary = try await Database.with(demo, logger: logger) { database in
            let applied = try await Migrator.fromSchemaFolder().migrate(database)
            step("Applied \(applied.count) migration(s)")

            let entries = try OrganisationImport.parse(DemoNetwork.csv)
            let imported = try await OrganisationRepository(database).importEntries(entries)
            let organisations = try await OrganisationRepository(database).list()
            func count(_ kind: OrganisationKind) -> Int { organisations.filter { $0.kind == kind }.count }
            step(
                "Imported the network: \(imported.organisationsCreated) organisations "
                    + "(\(count(.capital)) Capitals, \(count(.communityFrance)) Communities in France, "
                    + "\(count(.communityAbroad)) abroad), \(imported.labelsAdded) label periods")

            let envelopeId = try await EnvelopeRepository(database).create(
                Envelope(
                    name: "Community Fund 2023-2024", amount: try Money(parsing: "1 500 000,00"),
                    validity: try DayRange(parsing: "2023-01-01..2024-12-31")))
            step("Created the envelope \"Community Fund 2023-2024\": \(Money(cents: 150_000_000).french)")

            let paris = try LocalTime.zone(named: "Europe/Paris")
            let call = Call(
                envelopeId: envelopeId, title: "Financing 2024 for French Tech Capitals",
                budget: try Money(parsing: "600000.00"),
                opensAt: try LocalTime.instant("2024-11-13 00:00", in: paris),
                closesAt: try LocalTime.deadline("2024-12-15 23:59", in: paris),
                timeZone: paris.identifier,
                rules: EligibilityRules(
                    allowedKinds: [.capital], labelAwardedWithin: try DayRange(parsing: "2024-01-01..2024-12-31"),
                    maxRequest: try Money(parsing: "50000.00")))
            let callId = try await CallRepository(database).create(call)
            step(
                "Created the call \"\(call.title)\": \(call.budget.french), on time until "
                    + "\(LocalTime.lastAcceptedMoment(before: call.closesAt, in: paris)) Paris time")

            let eligible = organisations.filter {
                Eligibility.reasons(for: $0, rules: call.rules, deadlineDay: call.deadlineDay).isEmpty
            }
            let refused = organisations.filter { $0.kind == .capital && !eligible.contains($0) }
            let envelope = try await EnvelopeRepository(database).find(String(envelopeId))
            return DemoSummary(
                organisations: organisations.count, capitals: count(.capital),
                communitiesInFrance: count(.communityFrance), communitiesAbroad: count(.communityAbroad),
                callId: callId, eligibleCapitals: eligible.map(\.name), ineligibleCapitals: refused.map(\.name),
                envelope: envelope)
        }

        print("Demo database: \(demo.displayURL)")
        print(
            "Network: \(summary.organisations) organisations (\(summary.capitals) Capitals, "
                + "\(summary.communitiesInFrance) Communities in France, \(summary.communitiesAbroad) abroad)")
        print(
            "Envelope \"\(summary.envelope.envelope.name)\": \(summary.envelope.balance.total.french), "
                + "reserved \(summary.envelope.balance.reserved.french), left \(summary.envelope.balance.left.french)")
        print(
            "Call \(summary.callId): \(summary.eligibleCapitals.count) Capitals eligible; not eligible (no 2024 label): "
                + summary.ineligibleCapitals.joined(separator: ", "))
        print("Look around with: cfund call show \(summary.callId) --database-url '\(demo.displayURL)'")
    }
}

struct DemoSummary: Sendable {
    let organisations: Int
    let capitals: Int
    let communitiesInFrance: Int
    let communitiesAbroad: Int
    let callId: Int64
    let eligibleCapitals: [String]
    let ineligibleCapitals: [String]
    let envelope: EnvelopeSummary
}
