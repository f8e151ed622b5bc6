import Foundation
import FundCore

/// Reads a submission's JSON body field by field, so that every missing or mistyped field is
/// reported (422) instead of the first decoding error.
enum SubmissionBody {
    /// A JSON number written as an integer literal. JSONSerialization turns `1e5` and `100000.0`
    /// into numbers of floating type (`d`) and booleans into `c`, which would all bridge to an
    /// Int64: money is counted in cents, so anything but digits is refused.
    static func integerLiteral(_ value: Any) -> Int64? {
        guard let number = value as? NSNumber, "qilsQILS".contains(String(cString: number.objCType)) else {
            return nil
        }
        return value as? Int64
    }

    /// The body as a JSON object, or a 400 problem.
    static func object(_ data: Data) throws -> [String: Any] {
        guard
            let object = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
        else {
            throw Problem(
                status: .badRequest, type: "malformed", title: "Malformed JSON",
                detail: "The body is not a JSON object; see /openapi.yaml for what to send.")
        }
        return object
    }

    /// The body as a submission, what could not be read as such (a field missing, mistyped), and
    /// the files it names (nil when it names none). The rules themselves are `Intake`'s.
    static func content(of object: [String: Any]) -> (
        content: SubmissionContent, issues: [FieldIssue], attachments: [Int64]?
    ) {
        var issues: [FieldIssue] = []
        func text(_ key: String, in source: [String: Any] = object, field: String? = nil) -> String {
            guard let value = source[key] else {
                issues.append(FieldIssue(field: field ?? key, reason: "the field is missing"))
                return ""
            }
            guard let string = value as? String else {
                issues.append(FieldIssue(field: field ?? key, reason: "must be a string"))
                return ""
            }
            return string
        }
        func cents(_ key: String) -> Money {
            guard let value = object[key] else {
                issues.append(FieldIssue(field: key, reason: "the field is missing"))
                return Money(cents: 0)
            }
            guard let cents = integerLiteral(value) else {
                issues.append(
                    FieldIssue(
                        field: key,
                        reason: "must be a whole number of cents written as digits (4500000, not 45000.00 or 4.5e6)"))
                return Money(cents: 0)
            }
            return Money(cents: cents)
        }
        let title = text("title")
        let summary = text("summary")
        let requested = cents("requestedCents")
        let totalCost = cents("totalCostCents")
        var ambitions: [Ambition] = []
        if let list = object["ambitions"] as? [Any] {
            for item in list {
                if let name = item as? String, let ambition = Ambition(rawValue: name) {
                    if !ambitions.contains(ambition) { ambitions.append(ambition) }
                } else {
                    issues.append(
                        FieldIssue(
                            field: "ambitions",
                            reason: "\"\(item)\" is not an ambition; use "
                                + Ambition.allCases.map(\.rawValue).joined(separator: ", ")))
                }
            }
        } else {
            issues.append(FieldIssue(field: "ambitions", reason: "must be a list of ambitions"))
        }
        var name = ""
        var email = ""
        if let contact = object["contact"] as? [String: Any] {
            name = text("name", in: contact, field: "contact.name")
            email = text("email", in: contact, field: "contact.email")
        } else {
            issues.append(FieldIssue(field: "contact", reason: "must be an object with name and email"))
        }
        var attachments: [Int64]?
        if let list = object["attachments"] {
            if let items = list as? [Any], items.allSatisfy({ integerLiteral($0) != nil }) {
                attachments = items.compactMap(integerLiteral)
            } else {
                issues.append(FieldIssue(field: "attachments", reason: "must be a list of attachment ids"))
            }
        }
        let content = SubmissionContent(
            title: title, summary: summary, requested: requested, totalCost: totalCost, ambitions: ambitions,
            contactName: name, contactEmail: email)
        return (content, issues, attachments)
    }
}
