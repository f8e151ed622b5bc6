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
        subcommands: [Due.self, Record.self, List.self]
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
                let callId = try await reference.asyncMap { try await CallRepository(database).find($0).id }
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
        @Option(help: "Amount in euros, e.g. 20000.00.") var amount: String
        @Option(help: "The day the transfer was made (YYYY-MM-DD).") var on: String
        @Option(help: "The bank transfer's reference.") var reference: String

        func run() async throws {
            let money = try parseOption("amount", amount, Money.init(parsing:))
            let day = try parseOption("on", on, CalendarDay.init(parsing:))
            let (grant, reference) = (grant, reference)
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
                let callId = try await reference.asyncMap { try await CallRepository(database).find($0).id }
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
