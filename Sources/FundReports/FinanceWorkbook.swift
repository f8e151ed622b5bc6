import Foundation
import FundCore
import FundStore

/// The finance reports of an envelope as one workbook: the decisions' allocations, the payments,
/// and the envelope's ledger, every amount a number in euros and every day a date.
public enum FinanceWorkbook {
    public static func make(envelopeId: Int64, database: Database) async throws -> Spreadsheet {
        let summary = try await EnvelopeRepository(database).find(String(envelopeId))
        let calls = try await CallRepository(database).list().filter { $0.envelopeId == envelopeId }
        let reports = ReportRepository(database)

        var allocations = Spreadsheet.Sheet(
            name: "Attributions",
            header: [
                "Appel", "Rang", "Dossier", "Organisation", "Type", "Projet", "Demandé", "Accordé", "Statut",
                "Décision",
            ],
            widths: [36, 6, 8, 30, 16, 40, 14, 14, 16, 9])
        for call in calls where call.status == .decided {
            _ = try await reports.streamAllocations(call: call) { row in
                allocations.rows.append([
                    .text(call.title), .integer(Int64(row.position)), .integer(row.submissionId),
                    .text(row.organisation),
                    .text(row.kind), .text(row.title), .money(row.requested), .money(row.awarded), .text(row.status),
                    .integer(row.decisionId),
                ])
            }
        }

        let finance = FinanceRepository(database)
        let accounts = Dictionary(
            uniqueKeysWithValues: try await finance.accounts().filter { account in
                calls.contains { $0.id == account.callId }
            }.map { ($0.id, $0) })
        var payments = Spreadsheet.Sheet(
            name: "Versements",
            header: [
                "Versement", "Versé le", "Subvention", "Appel", "Organisation", "SIRET", "Projet", "Montant",
                "Référence",
            ],
            widths: [10, 12, 11, 36, 30, 16, 40, 14, 20])
        for payment in try await finance.payments() {
            guard let account = accounts[payment.grantId] else { continue }
            payments.rows.append([
                .integer(payment.id), .date(payment.paidOn), .integer(payment.grantId), .text(account.callTitle),
                .text(account.organisation.name), account.organisation.siret.map(Spreadsheet.Cell.text) ?? .empty,
                .text(account.title), .money(payment.amount), .text(payment.reference),
            ])
        }

        let rows = try await reports.envelope(envelopeId)
        var ledger = Spreadsheet.Sheet(
            name: "Enveloppe",
            header: [
                "Appel", "Statut", "Budget", "Accordé", "Non engagé", "Versé", "Reversé", "Libéré", "Reste à verser",
                "À recouvrer", "Liste complémentaire", "Rendu par les renoncements",
            ],
            widths: [36, 11, 14, 14, 14, 14, 14, 14, 15, 14, 14, 16])
        for row in rows {
            ledger.rows.append([
                .text(row.title), .text(row.status), .money(row.budget), .money(row.granted), .money(row.remaining),
                .money(row.paid), .money(row.recovered), .money(row.released), .money(row.toPay), .money(row.toRecover),
                .money(row.reserveTotal), .money(row.returned),
            ])
        }
        func total(_ figure: (EnvelopeReportRow) -> Money) -> Spreadsheet.Cell { .money(Money.total(rows.map(figure))) }
        ledger.rows.append([
            .text("Total — \(summary.envelope.name) (\(summary.balance.total.plain) EUR)"), .empty, total(\.budget),
            total(\.granted), total(\.remaining), total(\.paid), total(\.recovered), total(\.released), total(\.toPay),
            total(\.toRecover), .empty, .empty,
        ])
        return Spreadsheet(sheets: [allocations, payments, ledger])
    }
}
