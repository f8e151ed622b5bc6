import Foundation

/// The spreadsheet a reviewer scores offline: one row per assignment, one column per criterion,
/// a comment column per criterion, and whether the row is final.
public enum ReviewSheet {
    public struct Row: Equatable, Sendable {
        public let line: Int
        public let assignmentId: Int64
        public let reviewerEmail: String
        public let scores: [String: Double]
        public let comments: [String: String]
        public let final: Bool
    }

    public static func header(grid: ScoringGrid) -> [String] {
        ["assignment", "submission", "organisation", "title", "reviewer"] + grid.criteria.map(\.key)
            + grid.criteria.map { "comment_\($0.key)" } + ["final"]
    }

    /// Reads a filled-in sheet; every bad cell is reported with its line, column and reason.
    public static func parse(_ text: String, grid: ScoringGrid) throws(FundError) -> [Row] {
        let records = try CSV.parse(text)
        guard let first = records.first else {
            throw .importRejected([RowIssue(line: 1, reason: "the sheet is empty")])
        }
        let columns = first.fields.map { $0.trimmingWhitespace().lowercased() }
        let missing = header(grid: grid).filter { !columns.contains($0) && !$0.hasPrefix("comment_") }
        guard missing.isEmpty else {
            throw .importRejected([
                RowIssue(
                    line: first.line,
                    reason: "missing column(s) \(missing.joined(separator: ", ")); start from `cfund review sheet`")
            ])
        }
        func cell(_ record: CSV.Record, _ name: String) -> String {
            guard let index = columns.firstIndex(of: name), index < record.fields.count else { return "" }
            return record.fields[index].trimmingWhitespace()
        }
        var rows: [Row] = []
        var issues: [RowIssue] = []
        for record in records.dropFirst() {
            guard let assignment = Int64(cell(record, "assignment")) else {
                issues.append(RowIssue(line: record.line, reason: "column assignment: not an assignment id"))
                continue
            }
            var scores: [String: Double] = [:]
            var comments: [String: String] = [:]
            var rowIssues: [String] = []
            for criterion in grid.criteria {
                let text = cell(record, criterion.key).replacingOccurrences(of: ",", with: ".")
                if !text.isEmpty {
                    if let score = Double(text) {
                        scores[criterion.key] = score
                    } else {
                        rowIssues.append("column \(criterion.key): \"\(text)\" is not a number")
                    }
                }
                let comment = cell(record, "comment_\(criterion.key)")
                if !comment.isEmpty { comments[criterion.key] = comment }
            }
            let finalText = cell(record, "final").lowercased()
            let final = ["yes", "true", "1", "oui", "x"].contains(finalText)
            if !final && !["", "no", "false", "0", "non"].contains(finalText) {
                rowIssues.append("column final: write yes or no")
            }
            let checked = ReviewValidation.validate(scores: scores, comments: comments, grid: grid, final: final)
            rowIssues += checked.issues.map { "column \($0.field): \($0.reason)" }
            comments = checked.comments
            if rowIssues.isEmpty {
                rows.append(
                    Row(
                        line: record.line, assignmentId: assignment, reviewerEmail: cell(record, "reviewer"),
                        scores: scores, comments: comments, final: final))
            } else {
                issues += rowIssues.map { RowIssue(line: record.line, reason: $0) }
            }
        }
        guard issues.isEmpty else { throw .importRejected(issues) }
        return rows
    }
}
