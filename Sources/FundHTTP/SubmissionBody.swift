import Foundation
import FundCore

/// Reads a submission's JSON body field by field, so that every missing or mistyped field is
/// reported (422) instead of the first decoding error.
enum SubmissionBody {
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

    /// - Throws: `FundError.validation` when fields are missing, mistyped or break the rules.
    static func content(of object: [String: Any], maxRequest: Money?) throws -> SubmissionContent {
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
            // JSON booleans arrive as NSNumber (class __NSCFBoolean) and bridge to 1 or 0: refuse
            // them, fractions, and numbers past Int64.
            guard String(describing: type(of: value)) != "__NSCFBoolean", let cents = value as? Int64 else {
                issues.append(FieldIssue(field: key, reason: "must be a whole number of cents"))
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
        let content = SubmissionContent(
            title: title, summary: summary, requested: requested, totalCost: totalCost, ambitions: ambitions,
            contactName: name, contactEmail: email)
        let fieldsTyped = Set(issues.map(\.field))
        let (clean, ruleIssues) = SubmissionValidation.validate(content, maxRequest: maxRequest)
        issues += ruleIssues.filter { !fieldsTyped.contains($0.field) }
        guard issues.isEmpty else { throw FundError.validation(issues) }
        return clean
    }
}
