import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore
import FundWeb

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports for finance: allocations of a call, an envelope's reconciliation, reviews, a summary page.",
        discussion: """
            With CFUND_READ_DATABASE_URL set (and no --database-url), reports read the streaming replica it \
            names, a moment behind the primary, and leave the primary to the work that decides and writes.
            """,
        subcommands: [
            Allocations.self, EnvelopeReport.self, Reviews.self, HTML.self, OpenDataReport.self, Workbook.self,
        ]
    )

    struct Allocations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allocations",
            abstract: "One row per submission of a call's decision, and a totals line.",
            discussion: """
                CSV per RFC 4180 in UTF-8 (amounts like 1500000.00), or with --excel what a French-locale \
                spreadsheet opens cleanly: semicolons, decimal commas, a UTF-8 byte-order mark. Rows stream to \
                the output as the database sends them.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "csv or json.") var format: OutputFormat = .csv
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @Flag(help: "Semicolons, decimal commas and a byte-order mark, for French spreadsheets.") var excel = false

        func run() async throws {
            guard format != .table else { throw ValidationError("--format: use csv or json.") }
            let writer = try StreamWriter(path: output)
            let (reference, format, excel) = (call, format, excel)
            // Progress only beside a file: on standard output it would mix with the rows.
            let showProgress = output != nil && format == .csv && ProgressLine.terminal
            try await database.withReadDatabase { database in
                let call = try await CallRepository(database).find(reference)
                let progress =
                    showProgress
                    ? ProgressLine(
                        "Exporting", total: try await ReportRepository(database).rowCounts(callId: call.id).allocations)
                    : nil
                try await CallReports.allocations(
                    call: call, format: format == .json ? .json : .csv, excel: excel, database: database, to: writer
                ) { progress?.advance() }
                progress?.finish()
            }
            writer.close()
        }
    }

    struct EnvelopeReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "envelope",
            abstract:
                "Each call's budget, granted, paid and to pay, reserve list and returned money; totals reconcile.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Envelope id or name.") var envelope: String

        func run() async throws {
            let reference = envelope
            let (summary, rows) = try await database.withReadDatabase { database in
                let summary = try await EnvelopeRepository(database).find(reference)
                return (summary, try await ReportRepository(database).envelope(summary.envelope.id))
            }
            print(Self.render(summary: summary, rows: rows, format: output.format), terminator: "")
        }

        /// The report as text in `format`; the demo writes its file with it.
        static func render(summary: EnvelopeSummary, rows: [EnvelopeReportRow], format: OutputFormat) -> String {
            let granted = Money.total(rows.map(\.granted))
            let budgets = Money.total(rows.map(\.budget))
            let paid = Money.total(rows.map(\.paid))
            let recovered = Money.total(rows.map(\.recovered))
            let released = Money.total(rows.map(\.released))
            let toPay = Money.total(rows.map(\.toPay))
            let toRecover = Money.total(rows.map(\.toRecover))
            let unspent = summary.balance.total.subtracting(granted)
            let listing = Listing(
                columns: [
                    "call", "title", "status", "budget", "granted", "remaining", "paid", "recovered", "released",
                    "to pay", "to recover", "reserve list", "returned",
                ],
                rows: rows.map {
                    [
                        String($0.callId), $0.title, $0.status, $0.budget.plain, $0.granted.plain, $0.remaining.plain,
                        $0.paid.plain, $0.recovered.plain, $0.released.plain, $0.toPay.plain, $0.toRecover.plain,
                        $0.reserveTotal.plain, $0.returned.plain,
                    ]
                } + [
                    [
                        "", "total", "", budgets.plain, granted.plain, budgets.subtracting(granted).plain, paid.plain,
                        recovered.plain, released.plain, toPay.plain, toRecover.plain, "", "",
                    ]
                ],
                json: rows.map {
                    [
                        "callId": .integer($0.callId), "title": .string($0.title), "status": .string($0.status),
                        "budgetCents": .integer($0.budget.cents), "grantedCents": .integer($0.granted.cents),
                        "remainingCents": .integer($0.remaining.cents),
                        "reserveListCents": .integer($0.reserveTotal.cents), "paidCents": .integer($0.paid.cents),
                        "recoveredCents": .integer($0.recovered.cents), "releasedCents": .integer($0.released.cents),
                        "toPayCents": .integer($0.toPay.cents), "toRecoverCents": .integer($0.toRecover.cents),
                        "returnedCents": .integer($0.returned.cents),
                    ]
                })
            switch format {
            case .json:
                return JSONValue.object([
                    "envelope": .string(summary.envelope.name), "totalCents": .integer(summary.balance.total.cents),
                    "reservedByCallsCents": .integer(budgets.cents), "grantedCents": .integer(granted.cents),
                    "unreservedCents": .integer(summary.balance.left.cents),
                    "unspentCents": .integer(unspent.cents), "paidCents": .integer(paid.cents),
                    "recoveredCents": .integer(recovered.cents), "releasedCents": .integer(released.cents),
                    "toPayCents": .integer(toPay.cents), "toRecoverCents": .integer(toRecover.cents),
                    "calls": .array(listing.json.map(JSONValue.object)),
                ]).rendered + "\n"
            case .csv:
                return listing.render(.csv)
            case .table:
                return "Envelope \"\(summary.envelope.name)\": \(summary.balance.total.french)\n"
                    + listing.render(.table)
                    + "\nGranted \(granted.french) + unspent \(unspent.french) = \(summary.balance.total.french); "
                    + "not reserved by any call: \(summary.balance.left.french).\n"
                    + "Granted \(granted.french) = paid \(paid.french) − recovered \(recovered.french) + to pay "
                    + "\(toPay.french) − to recover \(toRecover.french) + released \(released.french).\n"
            }
        }
    }
}

extension ReportCommand {
    struct Reviews: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reviews",
            abstract: "Every review of a call with its scores and comments (CSV), drafts included and marked.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @Flag(help: "Semicolons, decimal commas and a byte-order mark, for French spreadsheets.") var excel = false

        func run() async throws {
            let writer = try StreamWriter(path: output)
            let (reference, excel) = (call, excel)
            let showProgress = output != nil && ProgressLine.terminal
            try await database.withReadDatabase { database in
                let call = try await CallRepository(database).find(reference)
                let progress =
                    showProgress
                    ? ProgressLine(
                        "Exporting", total: try await ReportRepository(database).rowCounts(callId: call.id).reviews)
                    : nil
                try await CallReports.reviews(call: call, excel: excel, database: database, to: writer) {
                    progress?.advance()
                }
                progress?.finish()
            }
            writer.close()
        }
    }
}

extension ReportCommand {
    struct HTML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "html",
            abstract: "A one-page summary of a call's decision for the programme team, as a self-contained HTML file.",
            discussion: """
                Budget bars (envelope, call: granted, remaining, reserve list), the ranking with the funding line \
                where the money ran out, each score with its reviewers' spread, each reviewer's mean against the \
                panel's, and the submissions left out with why. Inline CSS and SVG only: no scripts, fonts or \
                images from elsewhere, so the file can be mailed or archived as it is. It is the printable form of \
                the call's page on /admin, from the same templates.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "The HTML file to write.") var output: String
        @Option(help: "The page's language: fr or en.") var language = "fr"

        func run() async throws {
            guard let chosen = Language(rawValue: language) else { throw ValidationError("--language: use fr or en.") }
            let reference = call
            let page = try await database.withReadDatabase { database in
                try await CallReportRepository(database).page(call: try await CallRepository(database).find(reference))
            }
            try await Self.write(page, language: chosen, to: output)
            print("Wrote \(output)")
        }

        static func write(_ page: CallReportPage, language: Language, to path: String) async throws {
            let html = try await WebTemplates.load().callReport(page, language: language)
            let writer = try StreamWriter(path: path)
            writer.write(html)
            writer.close()
        }
    }
}

/// Writes to a file or standard output through a buffer, so large exports stream in chunks.
/// One command's task uses it from start to end, never two at once.
final class StreamWriter: ReportSink, @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()
    private let ownsHandle: Bool

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let handle = FileHandle(forWritingAtPath: path)
            else {
                throw FundError.validation([FieldIssue(field: "output", reason: "\(path) cannot be written")])
            }
            self.handle = handle
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        if ownsHandle { try? handle.close() }
    }
}

extension ReportCommand {
    struct OpenDataReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "opendata",
            abstract: "The grants' essential data in the national open-data format (SCDL Subventions), CSV and JSON.",
            discussion: """
                One row per grant whose agreement is signed (the law asks for publication within three months \
                of signing), 16 columns in the specification's order, UTF-8, comma, decimal point. The fund is \
                named by CFUND_FUNDER_NAME and CFUND_FUNDER_SIRET; a beneficiary by its SIRET, or the RNA \
                number of an association (cfund org identify). With --output FILE.csv the JSON goes beside it \
                as FILE.json. Config/opendata/scdl-subventions.schema.json validates the file (frictionless).
                """)
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only the calls of this envelope (id or name).") var envelope: String?
        @Option(help: "Only this call (id or title).") var call: String?
        @Option(help: "Write the CSV here, and the JSON beside it.") var output: String?
        @Option(help: "On standard output: csv or json.") var format: OutputFormat = .csv

        func run() async throws {
            guard envelope == nil || call == nil else { throw ValidationError("Give --envelope or --call, not both.") }
            guard format != .table else { throw ValidationError("--format: use csv or json.") }
            let funder = try Funder.fromEnvironment()
            let (envelope, call) = (envelope, call)
            let (rows, missing) = try await database.withReadDatabase { database in
                let finance = FinanceRepository(database)
                var accounts = try await finance.accounts(
                    callId: try await call.callId(in: database))
                if let envelope {
                    let envelopeId = try await EnvelopeRepository(database).find(envelope).envelope.id
                    let calls = Set(
                        try await CallRepository(database).list().filter { $0.envelopeId == envelopeId }.map(\.id))
                    accounts = accounts.filter { calls.contains($0.callId) }
                }
                let signed = accounts.filter { $0.agreement?.signedOn != nil }
                let rows = try OpenData.rows(
                    accounts: signed, payments: try await finance.payments(), funder: funder)
                return (rows, signed.filter { $0.organisation.siret == nil && $0.organisation.rna == nil })
            }
            for account in missing {
                FileHandle.standardError.write(
                    Data(
                        ("cfund: warning: \(account.organisation.name) (grant \(account.id)) has no SIRET or RNA number; "
                            + "record one with cfund org identify\n").utf8))
            }
            guard let output else {
                print(format == .json ? OpenData.json(rows) : OpenData.csv(rows), terminator: "")
                return
            }
            let json = (output.hasSuffix(".csv") ? String(output.dropLast(4)) : output) + ".json"
            try Data(OpenData.csv(rows).utf8).write(to: URL(fileURLWithPath: output))
            try Data(OpenData.json(rows).utf8).write(to: URL(fileURLWithPath: json))
            print("Wrote \(rows.count) grant(s) under a signed agreement to \(output) and \(json).")
        }
    }
}

extension ReportCommand {
    struct Workbook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "xlsx",
            abstract: "The finance reports of an envelope as one .xlsx workbook: allocations, payments, the ledger.",
            discussion: """
                Three sheets (Attributions, Versements, Enveloppe): amounts are numbers with a euro format, days \
                are dates, the header row is bold and stays in view. Text is never read as a formula.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Envelope id or name.") var envelope: String
        @Option(help: "The .xlsx file to write.") var output: String

        func run() async throws {
            let (reference, output) = (envelope, output)
            let workbook = try await database.withReadDatabase { database in
                let id = try await EnvelopeRepository(database).find(reference).envelope.id
                return try await FinanceWorkbook.make(envelopeId: id, database: database)
            }
            try workbook.write(to: URL(fileURLWithPath: output))
            print(
                "Wrote \(output): "
                    + workbook.sheets.map { "\($0.name) (\($0.rows.count) rows)" }.joined(separator: ", ")
                    + ".")
        }
    }
}
