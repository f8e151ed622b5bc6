import ArgumentParser
import Foundation
import FundCore
import FundReports
import FundStore

struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank a call's submissions from their finalised reviews, explaining every tie and every refusal.",
        discussion: """
            Criterion score: the mean of finalised reviews (exact; shown with one decimal). Total: the weighted \
            sum scaled to 100. Fundable only with the required final reviews, every criterion at or above its \
            threshold and the total at or above the overall threshold. Order: total, then the grid's criteria \
            in priority order, then earlier receipt, then submission id.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var output: FormatOptions
    @Argument(help: "Call id or title.") var call: String
    @Flag(help: "Also rank on reviewer-normalised scores (z-scores per reviewer), side by side.")
    var normalise = false

    func run() async throws {
        let reference = call
        let normalise = normalise
        let (ranking, reviews, names) = try await database.withReadDatabase { database in
            let call = try await CallRepository(database).find(reference)
            let ranking = try await CallRanking.load(call, database: database)
            // Individual reviews only for normalisation, which needs each reviewer's scores.
            let reviews = normalise ? try await ReviewRepository(database).finalReviews(callId: call.id) : [:]
            let names = Dictionary(
                uniqueKeysWithValues: try await ReviewerRepository(database).list().map { ($0.id, $0.name) })
            return (ranking, reviews, names)
        }
        let call = ranking.call
        let byId = ranking.submissions
        let ranked = ranking.ranked
        let normalised =
            normalise
            ? Normalisation.apply(
                reviews.filter { byId[$0.key].map { $0.status != .withdrawn && $0.status != .ineligible } ?? false },
                grid: call.grid) : nil
        let normalisedRank: [Int64: Int] =
            normalised.map { result in
                let order = result.totals.keys.sorted { (result.totals[$0]!, $1) > (result.totals[$1]!, $0) }
                return Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset + 1) })
            } ?? [:]

        let keys = call.grid.criteria.map(\.key)
        var columns =
            ["rank", "submission", "organisation", "title", "total"] + keys + ["reviews", "fundable", "note"]
        if normalise { columns += ["normalised", "normalised_rank", "dispersion"] }
        var rows: [[String]] = []
        var json: [[String: JSONValue]] = []
        for item in ranked {
            let score = item.entry.score
            let summary = byId[score.submissionId]!
            let fundable =
                score.isFundable
                ? "yes" : "no: " + score.unfundableReasons.map { $0.text(in: .en) }.joined(separator: "; ")
            var row = [
                String(item.rank), String(score.submissionId), summary.organisation, summary.title,
                score.total?.description ?? "-",
            ]
            row += keys.map { score.means[$0]?.description ?? "-" }
            row += [String(score.finalReviews), fundable, item.tieBrokenBy ?? ""]
            rows.append(row)
            guard output.format == .json else {
                if let normalised { rows[rows.count - 1] += normalisedCells(normalised, score.submissionId) }
                continue
            }
            var object: [String: JSONValue] = [
                "rank": .integer(Int64(item.rank)), "submissionId": .integer(score.submissionId),
                "organisation": .string(summary.organisation), "title": .string(summary.title),
                "total": JSONValue(score.total.map { String(format: "%.6f", $0.value) }),
                "criteria": .object(
                    Dictionary(
                        uniqueKeysWithValues: keys.map {
                            ($0, JSONValue(score.means[$0].map { String(format: "%.6f", $0.value) }))
                        })),
                "finalReviews": .integer(Int64(score.finalReviews)), "fundable": .bool(score.isFundable),
                "reasons": .array(score.unfundableReasons.map { .string($0.text(in: .en)) }),
                "tieBrokenBy": JSONValue(item.tieBrokenBy),
            ]
            if let normalised {
                let total = normalised.totals[score.submissionId]
                let dispersion = normalised.dispersion[score.submissionId]
                object["normalisedTotal"] = JSONValue(total.map { String(format: "%.6f", $0) })
                object["normalisedRank"] = JSONValue(normalisedRank[score.submissionId].map { Int64($0) })
                object["dispersion"] = JSONValue(dispersion.map { String(format: "%.6f", $0) })
            }
            json.append(object)
        }
        func normalisedCells(_ normalised: Normalisation.Result, _ id: Int64) -> [String] {
            [
                normalised.totals[id].map { String(format: "%.1f", $0) } ?? "-",
                normalisedRank[id].map(String.init) ?? "-",
                normalised.dispersion[id].map { String(format: "%.1f", $0) } ?? "-",
            ]
        }
        let excluded = ranking.excluded
        switch output.format {
        case .json:
            var document: [String: JSONValue] = [
                "callId": .integer(call.id), "ranking": .array(json.map(JSONValue.object)),
                "excluded": .array(
                    excluded.map { .object(["submissionId": .integer($0.id), "status": .string($0.status.rawValue)]) }),
            ]
            if let normalised {
                document["reviewers"] = .array(
                    normalised.reviewers.map {
                        .object([
                            "reviewerId": .integer($0.reviewerId), "mean": .string(String(format: "%.3f", $0.mean)),
                            "panelMean": .string(String(format: "%.3f", $0.panelMean)), "flagged": .bool($0.flagged),
                        ])
                    })
            }
            print(JSONValue.object(document).rendered)
        case .csv:
            print(Listing(columns: columns, rows: rows, json: []).render(.csv), terminator: "")
        case .table:
            print("Ranking of \"\(call.title)\" (\(call.reviewsPerSubmission) final reviews required)")
            print(Listing(columns: columns, rows: rows, json: []).render(.table), terminator: "")
            if !excluded.isEmpty {
                print("\nNot ranked:")
                for submission in excluded {
                    print("  \(submission.id)  \(submission.organisation)  \(submission.status.rawValue)")
                }
            }
            if let normalised {
                print(
                    "\nReviewers (mean score against the panel's \(String(format: "%.2f", normalised.reviewers.first?.panelMean ?? 0))):"
                )
                for bias in normalised.reviewers {
                    let name = names[bias.reviewerId] ?? "reviewer \(bias.reviewerId)"
                    let flag = bias.flagged ? (bias.mean < bias.panelMean ? "  HARSH" : "  LENIENT") : ""
                    print("  \(name): \(String(format: "%.2f", bias.mean))\(flag)")
                }
            }
        }
    }
}
