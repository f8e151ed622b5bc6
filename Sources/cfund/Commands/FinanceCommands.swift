import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore
import FundWeb

/// A grant's instalment as a person reads it: "due since 2025-01-10, pay by 2025-03-11".
func describe(_ state: PaymentSchedule.State) -> String {
    switch state {
    case .paid: return "paid"
    case .due(let since, let payBy, let late):
        return late ? "LATE: due since \(since), to pay by \(payBy)" : "due since \(since), to pay by \(payBy)"
    case .awaiting(.signature): return "awaits the agreement's signature (cfund grant sign)"
    case .awaiting(.finalReport): return "awaits the final report"
    }
}

/// A bank transfer as the commands that record money take it: to a grantee or back from one.
struct TransferOptions: ParsableArguments {
    @Option(help: "Amount in euros, e.g. 20000.00.") var amount: String
    @Option(help: "The day of the transfer (YYYY-MM-DD).") var on: String
    @Option(help: "The bank transfer's reference.") var reference: String

    func parsed() throws -> (Money, CalendarDay, String) {
        (
            try parseOption("amount", amount, Money.init(parsing:)),
            try parseOption("on", on, CalendarDay.init(parsing:)),
            reference
        )
    }
}

extension Optional where Wrapped == String {
    /// The id of the call this id or title names; nil (every call) when none is given.
    func callId(in database: Database) async throws -> Int64? {
        try await asyncMap { try await CallRepository(database).find($0).id }
    }
}

extension GrantCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A grant as finance follows it: agreement, payment schedule, what is paid and due.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64

        func run() async throws {
            let grant = grant
            let (account, payments) = try await database.withDatabase { database in
                let finance = FinanceRepository(database)
                return (try await finance.account(grantId: grant), try await finance.payments(grantId: grant))
            }
            print("Grant \(account.id): \(account.amount.french) to \(account.organisation.name) (\(account.status))")
            print("Project:   \(account.title) (submission \(account.submissionId))")
            print("Call:      \(account.callTitle), decision \(account.runId) of \(account.decidedOn)")
            if let agreement = account.agreement {
                print(
                    "Agreement: \(agreement.reference), "
                        + (agreement.signedOn.map { "signed on \($0) by \(agreement.signatories)" } ?? "not signed yet")
                )
            } else {
                print("Agreement: none needed (at or below the call's threshold)")
            }
            print("Final report: \(account.finalReport ?? "awaited")")
            if account.released.cents > 0 || account.recovered.cents > 0 {
                print(
                    "Settled:   comes to \(account.comesTo.french), \(account.released.french) released, "
                        + "\(account.recovered.french) paid back, \(account.schedule.toRecover.french) still to recover"
                )
            }
            print("Schedule:")
            for instalment in account.schedule.instalments {
                print(
                    "  \(instalment.kind.rawValue): \(instalment.amount.french), paid \(instalment.paid.french), "
                        + describe(instalment.state))
            }
            print("Payments:")
            if payments.isEmpty { print("  none") }
            for payment in payments {
                print("  \(payment.paidOn)  \(payment.amount.french)  \(payment.reference)")
            }
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a grant's agreement is signed; its advance becomes due.",
            discussion: """
                The day may not be in the future; an agreement is signed once. A grant at or below its call's \
                threshold (EUR 23,000 by default) needs no agreement.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "The day it was signed (YYYY-MM-DD).") var on: String
        @Option(help: "Who signed, for both parties.") var signatories: String

        func run() async throws {
            let day = try parseOption("on", on, CalendarDay.init(parsing:))
            let (grant, signatories) = (grant, signatories)
            let account = try await database.withDatabase { database in
                try await FinanceRepository(database).sign(grantId: grant, on: day, signatories: signatories)
            }
            print("Agreement \(account.agreement?.reference ?? "") of grant \(account.id) signed on \(day).")
            for instalment in account.schedule.instalments {
                print("  \(instalment.kind.rawValue): \(instalment.amount.french), \(describe(instalment.state))")
            }
        }
    }

    struct Agreement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a grant's agreement (convention attributive de subvention) as a printable HTML page.",
            discussion: """
                In French, from the decision's data: the parties (CFUND_FUNDER_NAME and CFUND_FUNDER_SIRET for \
                the fund; the organisation's SIRET or RNA number), the object, the amount, the payment terms \
                and the duties that come with the money. Print it from a browser.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            let funder = try Funder.fromEnvironment()
            let grant = grant
            let html = try await database.withDatabase { database in
                let account = try await FinanceRepository(database).account(grantId: grant)
                guard account.agreementRequired else {
                    throw FundError.conflict([
                        FieldIssue(
                            field: "grant",
                            reason:
                                "grant \(grant) of \(account.amount.plain) EUR needs no agreement under its call's terms"
                        )
                    ])
                }
                return try await WebTemplates.load().render(AgreementView(account: account, funder: funder))
            }
            let writer = try StreamWriter(path: output)
            writer.write(html)
            writer.close()
            if let output { print("Wrote the agreement of grant \(grant) to \(output).") }
        }
    }
}

struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment",
        abstract: "Paying grants: what is due and why, recording a transfer, the list of payments.",
        subcommands: [Due.self, Record.self, List.self, Recover.self]
    )

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every active grant's next instalment: due (with the day to pay by, 60 days), or what it awaits.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title (every call when omitted).") var call: String?
        @Flag(help: "Only what is due now.") var dueOnly = false

        func run() async throws {
            let (reference, dueOnly) = (call, dueOnly)
            let accounts = try await database.withDatabase { database in
                let callId = try await reference.callId(in: database)
                return try await FinanceRepository(database).accounts(callId: callId)
            }
            var rows: [(GrantAccount, PaymentSchedule.Instalment)] = []
            for account in accounts {
                guard let next = account.schedule.instalments.first(where: { $0.state != .paid }) else { continue }
                if dueOnly, case .awaiting = next.state { continue }
                rows.append((account, next))
            }
            let listing = Listing(
                columns: ["grant", "organisation", "call", "instalment", "amount left", "state"],
                rows: rows.map { account, next in
                    [
                        String(account.id), account.organisation.name, account.callTitle, next.kind.rawValue,
                        next.left.plain, describe(next.state),
                    ]
                },
                json: rows.map { account, next in
                    var state: [String: JSONValue] = [:]
                    switch next.state {
                    case .paid: state["state"] = .string("paid")
                    case .due(let since, let payBy, let late):
                        state = [
                            "state": .string(late ? "late" : "due"), "since": .string(since.description),
                            "payBy": .string(payBy.description),
                        ]
                    case .awaiting(let what): state = ["state": .string("awaiting"), "awaits": .string(what.rawValue)]
                    }
                    return [
                        "grantId": .integer(account.id), "organisation": .string(account.organisation.name),
                        "callId": .integer(account.callId), "instalment": .string(next.kind.rawValue),
                        "leftCents": .integer(next.left.cents),
                    ].merging(state) { first, _ in first }
                })
            print(listing.render(output.format), terminator: "")
            if output.format == .table {
                let due = Money.total(accounts.map(\.schedule.due))
                print("Due now: \(due.french) over \(accounts.filter { $0.schedule.due.cents > 0 }.count) grant(s).")
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a transfer to a grantee.",
            discussion: """
                Refused when it would pay more than the grant, before its agreement is signed (or dated before \
                the signature), or for a grant that is not active. The bank's reference identifies the \
                transfer: recording it again changes nothing.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @OptionGroup var transfer: TransferOptions

        func run() async throws {
            let (money, day, reference) = try transfer.parsed()
            let grant = grant
            let (payment, recorded, account) = try await database.withDatabase { database in
                let finance = FinanceRepository(database)
                let (payment, recorded) = try await finance.pay(
                    grantId: grant, amount: money, on: day, reference: reference)
                return (payment, recorded, try await finance.account(grantId: grant))
            }
            print(
                (recorded ? "Recorded payment \(payment.id)" : "Payment \(payment.id) was recorded already")
                    + ": \(payment.amount.french) to grant \(grant) on \(payment.paidOn) (\(payment.reference)). "
                    + "Paid \(account.paid.french) of \(account.amount.french).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The payments, in the order they were made.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title (every call when omitted).") var call: String?

        func run() async throws {
            let reference = call
            let payments = try await database.withDatabase { database in
                let callId = try await reference.callId(in: database)
                return try await FinanceRepository(database).payments(callId: callId)
            }
            let listing = Listing(
                columns: ["payment", "grant", "paid on", "amount", "reference"],
                rows: payments.map {
                    [String($0.id), String($0.grantId), $0.paidOn.description, $0.amount.plain, $0.reference]
                },
                json: payments.map {
                    [
                        "id": .integer($0.id), "grantId": .integer($0.grantId),
                        "paidOn": .string($0.paidOn.description),
                        "amountCents": .integer($0.amount.cents), "reference": .string($0.reference),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }
}

extension CallCommand {
    struct Terms: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set how a call's grants are paid (until its decision fixes them).",
            discussion: """
                A grant above --agreement-above (EUR 23,000 by default, the legal threshold) needs a signed \
                agreement before it is paid. --advance is the share paid at signature (at the decision for a \
                grant that needs no agreement); the balance follows the final report. 100 is one payment at \
                signature, 0 one payment after the final report. Each grant keeps the terms of its decision.
                """)
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Call id or title.") var call: String
        @Option(help: "Per cent paid in advance, 0 to 100.") var advance: Int?
        @Option(help: "Grants above this amount in euros need an agreement.") var agreementAbove: String?

        func run() async throws {
            let threshold = try agreementAbove.map { try parseOption("agreement-above", $0, Money.init(parsing:)) }
            let (reference, advance) = (call, advance)
            let (call, terms) = try await database.withDatabase { database in
                let call = try await CallRepository(database).find(reference)
                let finance = FinanceRepository(database)
                var terms = try await finance.terms(callId: call.id)
                if advance != nil || threshold != nil {
                    terms.advancePercent = advance ?? terms.advancePercent
                    terms.agreementAbove = threshold ?? terms.agreementAbove
                    try await finance.setTerms(callId: call.id, terms)
                }
                return (call, terms)
            }
            print(
                "Call \(call.id) \"\(call.title)\": an agreement above \(terms.agreementAbove.french); "
                    + "\(terms.advancePercent) % at signature, the rest after the final report.")
        }
    }
}

extension PaymentCommand {
    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record money a grantee paid back (what was paid beyond what its grant came to).",
            discussion: "Refused beyond what is to be recovered (cfund grant show GRANT says how much).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @OptionGroup var transfer: TransferOptions

        func run() async throws {
            let (money, day, reference) = try transfer.parsed()
            let grant = grant
            let account = try await database.withDatabase { database in
                try await FinalReportRepository(database).recover(
                    grantId: grant, amount: money, on: day, reference: reference)
                return try await FinanceRepository(database).account(grantId: grant)
            }
            print(
                "Recorded \(money.french) paid back on grant \(grant); still to recover "
                    + "\(account.schedule.toRecover.french).")
        }
    }
}

struct FinalReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report-final",
        abstract: "Grantees' final reports: list, read, accept (settling the grant) or return with a reason.",
        discussion: """
            Grantees file their report from the portal or the API (POST /v1/grants/{id}/final-report); \
            `file` records one received on paper. On acceptance the grant is settled: reduced in proportion \
            when the actual cost is below the planned one (the call's terms say whether), the difference \
            released; what was paid beyond is to be recovered (cfund payment recover).
            """,
        subcommands: [List.self, Show.self, File.self, Accept.self, Return.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each active grant's final report state.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: FormatOptions
        @Argument(help: "Call id or title (every call when omitted).") var call: String?

        func run() async throws {
            let reference = call
            let accounts = try await database.withDatabase { database in
                let callId = try await reference.callId(in: database)
                return try await FinanceRepository(database).accounts(callId: callId)
            }
            let listing = Listing(
                columns: ["grant", "organisation", "project", "amount", "report", "comes to", "to pay", "to recover"],
                rows: accounts.map {
                    [
                        String($0.id), $0.organisation.name, $0.title, $0.amount.plain, $0.finalReport ?? "awaited",
                        $0.comesTo.plain, Money(cents: $0.schedule.instalments.reduce(0) { $0 + $1.left.cents }).plain,
                        $0.schedule.toRecover.plain,
                    ]
                },
                json: accounts.map {
                    [
                        "grantId": .integer($0.id), "organisation": .string($0.organisation.name),
                        "amountCents": .integer($0.amount.cents), "report": JSONValue($0.finalReport),
                        "comesToCents": .integer($0.comesTo.cents),
                        "toRecoverCents": .integer($0.schedule.toRecover.cents),
                    ]
                })
            print(listing.render(output.format), terminator: "")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A grant's final reports, newest last.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64

        func run() async throws {
            let grant = grant
            let reports = try await database.withDatabase { database in
                try await FinalReportRepository(database).reports(grantId: grant)
            }
            if reports.isEmpty { print("Grant \(grant) has no final report yet.") }
            for report in reports {
                print("Report \(report.id) (\(report.status)), actual cost \(report.actualCost.french)")
                for line in report.spending { print("  \(line.line): \(Money(cents: line.cents).french)") }
                if !report.attachmentIds.isEmpty {
                    print("  Files: " + report.attachmentIds.map(String.init).joined(separator: ", "))
                }
                print("  " + report.narrative.replacingOccurrences(of: "\n", with: "\n  "))
                if !report.reason.isEmpty { print("  Decision: \(report.reason)") }
                if let settled = report.settled { print("  The grant comes to \(settled.french).") }
            }
        }
    }

    struct File: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a final report received on paper (grantees file theirs on the portal or the API).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "What the project actually cost, in euros.") var actualCost: String
        @Option(help: "A spending line, \"Label=amount\"; repeat; they add up to the actual cost.") var line: [String] =
            []
        @Option(help: "What was done, and why the figures differ from the plan.") var narrative: String

        func run() async throws {
            let cost = try parseOption("actual-cost", actualCost, Money.init(parsing:))
            let lines = try line.map { text -> FinalReport.Line in
                guard let equals = text.lastIndex(of: "=") else {
                    throw ValidationError("--line: write Label=amount, e.g. \"Communication=1200.00\".")
                }
                return FinalReport.Line(
                    line: String(text[..<equals]),
                    amount: try parseOption("line", String(text[text.index(after: equals)...]), Money.init(parsing:)))
            }
            let (grant, narrative) = (grant, narrative)
            let report = try await database.withDatabase { database in
                try await FinalReportRepository(database).file(
                    grantId: grant, organisationId: nil, actualCost: cost, spending: lines, narrative: narrative)
            }
            print("Filed final report \(report.id) of grant \(grant); accept or return it with cfund report-final.")
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a grant's filed report and settle the grant.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "A remark for the grantee (optional).") var reason = ""

        func run() async throws {
            let (grant, reason) = (grant, reason)
            let account = try await database.withDatabase { database in
                _ = try await FinalReportRepository(database).accept(grantId: grant, reason: reason)
                return try await FinanceRepository(database).account(grantId: grant)
            }
            print("Accepted. Grant \(grant) comes to \(account.comesTo.french) (\(account.released.french) released).")
            if account.schedule.toRecover.cents > 0 {
                print("To recover: \(account.schedule.toRecover.french) (cfund payment recover \(grant) ...).")
            } else if account.schedule.due.cents > 0 {
                print("Balance due: \(account.schedule.due.french) (cfund payment due).")
            }
        }
    }

    struct Return: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Return a grant's filed report with what to change; the grantee files it again.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "Grant id.") var grant: Int64
        @Option(help: "What the grantee should change.") var reason: String

        func run() async throws {
            let (grant, reason) = (grant, reason)
            _ = try await database.withDatabase { database in
                try await FinalReportRepository(database).returnReport(grantId: grant, reason: reason)
            }
            print("Returned the final report of grant \(grant); the grantee is told why.")
        }
    }
}
