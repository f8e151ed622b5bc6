import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The tamper-evident record of every change: list it, verify its hash chain.",
        discussion: """
            Every change to organisations, envelopes, calls, submissions, tokens, reviewers, assignments, \
            reviews, allocations and grants is recorded by the database in the same transaction, with who \
            made it (cli:USER, organisation-token:ID, reviewer-token:ID, or sql:ROLE for plain SQL). Events \
            are then sealed into a SHA-256 chain: each stores the previous event's hash and a hash over \
            that and its own content.
            """,
        subcommands: [Log.self, Verify.self]
    )

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recorded changes, oldest first.",
            discussion: "Times print in Europe/Paris. JSON carries each change's fields before and after.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only this call's changes (id or title).") var call: String?
        @Option(
            help: ArgumentHelp(
                "Only changes from this moment on: YYYY-MM-DD or \"YYYY-MM-DD HH:MM\", Paris time.",
                valueName: "when"))
        var since: String?
        @Option(help: "At most this many events.") var limit: Int?
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func validate() throws {
            if let limit, limit <= 0 { throw ValidationError("--limit: give a positive number of events.") }
            if format == .csv { throw ValidationError("--format: use table or json.") }
        }

        func run() async throws {
            let zone = try LocalTime.zone(named: LocalTime.defaultZoneName)
            let since = try since.map { text in
                try parseOption("since", text) { (text) throws(FundError) in try Self.instant(text, in: zone) }
            }
            let (reference, limit, format) = (call, limit, format)
            try await database.withDatabase { database in
                var callId: Int64?
                if let reference { callId = try await CallRepository(database).find(reference).id }
                var first = true
                var printed = 0
                if format == .json { print("[", terminator: "") }
                try await AuditTrail(database).streamEvents(callId: callId, since: since, limit: limit) { event in
                    switch format {
                    case .json:
                        print((first ? "" : ",\n") + Self.json(event, in: zone).rendered, terminator: "")
                    default:
                        print(Self.line(event, in: zone))
                    }
                    first = false
                    printed += 1
                }
                if format == .json {
                    print("]")
                } else if printed == 0 {
                    print("(no recorded changes)")
                }
            }
        }

        static func instant(_ text: String, in zone: TimeZone) throws(FundError) -> Date {
            if let day = try? CalendarDay(parsing: text) {
                return try LocalTime.instant("\(day) 00:00", in: zone)
            }
            return try LocalTime.instant(text, in: zone)
        }

        /// `#12  2024-12-01 10:00:00.000 +01:00  cli:admin  call.open  call:3  {"status":"open"}`;
        /// an unsealed event shows `#-` until the next seal.
        static func line(_ event: AuditEvent, in zone: TimeZone) -> String {
            let position = event.seq.map { "#\($0)" } ?? "#-"
            let change = event.after ?? event.before.map { "deleted " + $0 } ?? ""
            return [
                position, LocalTime.format(event.occurredAt, in: zone, milliseconds: true), event.actor,
                event.action, event.target, change,
            ].joined(separator: "  ")
        }

        static func json(_ event: AuditEvent, in zone: TimeZone) -> JSONValue {
            .object([
                "id": .integer(event.id), "seq": JSONValue(event.seq),
                "occurredAt": .string(LocalTime.iso8601(event.occurredAt, in: zone)), "actor": .string(event.actor),
                "action": .string(event.action), "target": .string(event.target), "callId": JSONValue(event.callId),
                "before": event.before.map(JSONValue.raw) ?? .null, "after": event.after.map(JSONValue.raw) ?? .null,
            ])
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal pending events, then check the whole hash chain; exit status 1 at the first broken link.",
            discussion: """
                Recomputes every event's SHA-256 from its content and the previous event's hash, checks the \
                positions run without gaps, and compares the last event with the chain's head.
                """)
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let result = try await database.withDatabase { database in try await AuditTrail(database).verify() }
            if result.sealedNow > 0 { print("Sealed \(result.sealedNow) pending event(s) first.") }
            if let broken = result.firstBreak {
                let event = broken.eventId.map { " (event id \($0))" } ?? ""
                throw FundError.auditBroken(
                    "the audit chain is broken at #\(broken.seq)\(event): \(broken.reason). "
                        + "Events before #\(broken.seq) are intact; restore the audit_events table from a backup "
                        + "and compare with `cfund audit log --format json`.")
            }
            print("Audit chain intact: \(result.checked) event(s) checked, head at #\(result.headSeq).")
            print(
                "Head hash: \(result.headHash)\nKeep it outside the database (a report, a mail): a chain rewritten "
                    + "from its start by someone able to recompute every hash would end on another one.")
        }
    }
}
