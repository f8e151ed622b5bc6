import Foundation
import FundCore
import FundStore

/// The reports of one call, as `cfund report` writes them and the programme team's pages offer
/// them for download: one writer each, so both are the same file.
public enum CallReports {
    /// The allocations report's two forms.
    public enum Format: String, Sendable, CaseIterable {
        case csv
        case json
    }

    /// One row per submission of `call`'s standing decision, and a totals line. CSV per RFC 4180
    /// (amounts like 1500000.00), or with `excel` what a French-locale spreadsheet opens cleanly:
    /// semicolons, decimal commas, a UTF-8 byte-order mark.
    public static func allocations(
        call: Call, format: Format, excel: Bool, database: any QueryExecutor, to sink: some ReportSink,
        onRow: () -> Void = {}
    ) async throws {
        let keys = call.grid.criteria.map(\.key)
        let separator: Character = excel ? ";" : ","
        func amount(_ money: Money) -> String {
            excel ? money.plain.replacingOccurrences(of: ".", with: ",") : money.plain
        }
        func score(_ fraction: Fraction?) -> String {
            guard let fraction else { return "" }
            let text = fraction.decimal(places: 3)
            return excel ? text.replacingOccurrences(of: ".", with: ",") : text
        }
        if format == .csv {
            if excel { sink.write("\u{FEFF}") }
            sink.write(
                CSV.line(
                    [
                        "rank", "submission", "organisation", "kind", "city", "country", "title", "requested",
                        "awarded", "status", "total",
                    ] + keys + ["decision"], separator: separator))
        } else {
            sink.write("{\"callId\":\(call.id),\"rows\":[")
        }
        var requested = Money.zero
        var awarded = Money.zero
        var count = 0
        let decision = try await ReportRepository(database).streamAllocations(call: call) { row in
            requested = try requested.adding(row.requested)
            awarded = try awarded.adding(row.awarded)
            if format == .csv {
                sink.write(
                    CSV.line(
                        [
                            String(row.position), String(row.submissionId), row.organisation, row.kind, row.city,
                            row.country, row.title, amount(row.requested), amount(row.awarded), row.status,
                            score(row.score.total),
                        ] + keys.map { score(row.score.means[$0]) } + [String(row.decisionId)],
                        separator: separator))
            } else {
                let object: [String: JSONValue] = [
                    "rank": .integer(Int64(row.position)), "submissionId": .integer(row.submissionId),
                    "organisation": .string(row.organisation), "kind": .string(row.kind),
                    "city": .string(row.city), "country": .string(row.country), "title": .string(row.title),
                    "requestedCents": .integer(row.requested.cents), "awardedCents": .integer(row.awarded.cents),
                    "status": .string(row.status), "total": JSONValue(row.score.total.map { score($0) }),
                    "criteria": .object(
                        Dictionary(
                            uniqueKeysWithValues: keys.map { ($0, JSONValue(row.score.means[$0].map { score($0) })) })),
                    "decisionId": .integer(row.decisionId),
                ]
                sink.write((count == 0 ? "" : ",") + JSONValue.object(object).rendered)
            }
            count += 1
            onRow()
        }
        if format == .csv {
            sink.write(
                CSV.line(
                    ["total", String(count), "", "", "", "", "", amount(requested), amount(awarded), "", ""]
                        + keys.map { _ in "" } + [String(decision)], separator: separator))
        } else {
            sink.write(
                "],\"totals\":{\"submissions\":\(count),\"requestedCents\":\(requested.cents),"
                    + "\"awardedCents\":\(awarded.cents),\"budgetCents\":\(call.budget.cents)}}\n")
        }
    }

    /// Every review of `call` with its scores and comments (CSV), drafts included and marked.
    public static func reviews(
        call: Call, excel: Bool, database: any QueryExecutor, to sink: some ReportSink, onRow: () -> Void = {}
    ) async throws {
        let keys = call.grid.criteria.map(\.key)
        let separator: Character = excel ? ";" : ","
        if excel { sink.write("\u{FEFF}") }
        sink.write(
            CSV.line(
                ["assignment", "submission", "organisation", "title", "reviewer", "final"] + keys
                    + keys.map { "comment_\($0)" }, separator: separator))
        try await ReportRepository(database).streamReviews(call: call) { review in
            let scores = keys.map { key -> String in
                guard let value = review.6[key] else { return "" }
                let text = String(Double(value) / 1000)
                return excel ? text.replacingOccurrences(of: ".", with: ",") : text
            }
            sink.write(
                CSV.line(
                    [String(review.0), String(review.1), review.2, review.3, review.4, review.5 ? "yes" : "no"]
                        + scores + keys.map { review.7[$0] ?? "" }, separator: separator))
            onRow()
        }
    }
}
