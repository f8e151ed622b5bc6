import Foundation

/// One field that failed validation, named as the user typed it.
public struct FieldIssue: Error, Equatable, Sendable, Codable {
    public let field: String
    /// In English, as the CLI and the API say it.
    public let reason: String
    /// The reason in every language, where the rule says it through the catalogue.
    public let message: Message?

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
        self.message = nil
    }

    public init(field: String, _ message: Message) {
        self.field = field
        self.reason = message.english
        self.message = message
    }

    /// The reason as a reader of `language` reads it.
    public func reason(in language: Language) -> String { message?.text(in: language) ?? reason }

    enum CodingKeys: String, CodingKey {
        case field
        case reason
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            field: try container.decode(String.self, forKey: .field),
            reason: try container.decode(String.self, forKey: .reason))
    }

    /// The same field and reason, whether or not the reason came from the catalogue.
    public static func == (lhs: FieldIssue, rhs: FieldIssue) -> Bool {
        lhs.field == rhs.field && lhs.reason == rhs.reason
    }
}

/// Everything that can go wrong in the fund's rules, carrying what the user needs to act on it.
///
/// `description` is one sentence for the CLI's stderr and the HTTP problem `detail`.
public enum FundError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAmount(input: String, reason: String)
    case invalidDate(input: String, reason: String)
    case invalidInstant(input: String, reason: String)
    case unknownTimeZone(String)
    case validation([FieldIssue])
    /// The change conflicts with what is stored (a taken name, a lost race), field by field.
    case conflict([FieldIssue])
    case notFound(kind: String, reference: String)
    case duplicate(kind: String, name: String)
    case budgetExceeded(envelope: String, requested: Money, available: Money)
    case invalidTransition(call: String, from: CallStatus, to: CallStatus)
    case frozen(call: String, status: CallStatus)
    case importRejected([RowIssue])
    case migrationChanged(file: String)
    case migrationFailed(file: String, reason: String)
    case database(String)
    /// The database cannot be reached right now; retrying later may work.
    case databaseUnavailable(String)
    case cluster(String)
    /// The call does not take submissions now; times are the window's bounds in the call's zone.
    case callNotOpen(call: String, status: CallStatus, opensAt: Date, closesAt: Date, timeZone: String)
    case notEligible(reasons: [Message])
    case idempotencyConflict(key: String)
    case unauthorized(String)
    case submissionNotChangeable(id: Int64, status: SubmissionStatus)
    case reviewFinal(assignmentId: Int64)
    /// The call's reviews were due by `dueAt`: a review is no longer finalised until the programme
    /// team extends the deadline.
    case reviewsDue(call: String, dueAt: Date, timeZone: String)
    case assignmentImpossible([Message])
    /// Asked too often (sign-in links by email): `retryAfter` seconds until a new request is heard.
    case tooManyRequests(retryAfter: Int)
    /// `cfund audit verify` found a broken link; the message says where and why.
    case auditBroken(String)

    public var description: String {
        switch self {
        case .invalidAmount(let input, let reason):
            return "\"\(input)\" is not a valid amount: \(reason)."
        case .invalidDate(let input, let reason):
            return "\"\(input)\" is not a valid date: \(reason)."
        case .invalidInstant(let input, let reason):
            return "\"\(input)\" is not a valid date and time: \(reason)."
        case .unknownTimeZone(let name):
            return "\"\(name)\" is not a known time zone; use an IANA name such as Europe/Paris."
        case .validation(let issues), .conflict(let issues):
            return issues.map { "\($0.field): \($0.reason)" }.joined(separator: "; ") + "."
        case .notFound(let kind, let reference):
            return "No \(kind) \"\(reference)\" exists; \(Self.whereToLook[kind] ?? "check the id and try again")."
        case .duplicate(let kind, let name):
            let article = kind.first.map { "aeiou".contains($0) } == true ? "An" : "A"
            return "\(article) \(kind) named \"\(name)\" already exists; choose another name or use the existing one."
        case .budgetExceeded(let envelope, let requested, let available):
            return
                "Envelope \"\(envelope)\" has \(available.plain) EUR left, less than the \(requested.plain) EUR asked; "
                + "lower the budget or free money from another call."
        case .invalidTransition(let call, let from, let to):
            return "Call \"\(call)\" is \(from.rawValue) and cannot become \(to.rawValue); "
                + "allowed next: \(from.allowedNext.map(\.rawValue).joined(separator: ", ").ifEmpty("none"))."
        case .frozen(let call, let status):
            return "Call \"\(call)\" is \(status.rawValue): its budget and rules froze when it opened."
        case .importRejected(let issues):
            return "Nothing was imported: \(issues.count) bad row\(issues.count == 1 ? "" : "s"):\n"
                + issues.map { "  line \($0.line): \($0.reason)" }.joined(separator: "\n")
        case .migrationChanged(let file):
            return
                "Migration \(file) was edited after it was applied; restore the original file and add a new migration instead."
        case .migrationFailed(let file, let reason):
            return "Migration \(file) failed and was rolled back: \(reason)."
        case .callNotOpen(let call, let status, let opensAt, let closesAt, let timeZone):
            let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
            return "Call \"\(call)\" is \(status.rawValue) and takes submissions only from "
                + "\(LocalTime.format(opensAt, in: zone, milliseconds: true)) to "
                + "\(LocalTime.lastAcceptedMoment(before: closesAt, in: zone)) (\(timeZone))."
        case .notEligible(let reasons):
            return "Not eligible for this call: " + reasons.map(\.english).joined(separator: "; ") + "."
        case .idempotencyConflict(let key):
            return "The Idempotency-Key \"\(key)\" was already used with a different request; "
                + "use a new key for a new submission."
        case .unauthorized(let message):
            return message
        case .submissionNotChangeable(let id, let status):
            return "Submission \(id) is \(status.rawValue) and can no longer be amended or withdrawn."
        case .reviewFinal(let id):
            return "The review of assignment \(id) is final; ask the programme team to reopen it "
                + "(cfund review reopen \(id) --reason ...)."
        case .reviewsDue(let call, let dueAt, let timeZone):
            let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
            return "The reviews of call \"\(call)\" were due by \(LocalTime.format(dueAt, in: zone)) (\(timeZone)); "
                + "the review stays a draft until the programme team extends the deadline "
                + "(cfund call review-deadline CALL --until ...)."
        case .assignmentImpossible(let reasons):
            return "Nothing was assigned: " + reasons.map { $0.text(in: .en) }.joined(separator: "; ") + "."
        case .tooManyRequests(let seconds):
            return "Too many requests from this address; ask again in \((seconds + 59) / 60) min."
        case .database(let message), .databaseUnavailable(let message), .auditBroken(let message):
            return message
        case .cluster(let message):
            return message
        }
    }
}

/// A refused line of an imported file.
public struct RowIssue: Equatable, Sendable, Codable {
    public let line: Int
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

extension FundError {
    /// That no such thing exists and where to look, for a message that already names the field.
    public static func missing(_ kind: String) -> String {
        "no such \(kind) exists; \(whereToLook[kind] ?? "check the id and try again")"
    }

    /// Where to find the right id or name of each kind of thing.
    static let whereToLook: [String: String] = [
        "org": "list them with `cfund org list`",
        "envelope": "list them with `cfund envelope list`",
        "call": "list them with `cfund call list`",
        "reviewer": "list them with `cfund reviewer list`",
        "admin": "list them with `cfund admin list`",
        "submission": "list a call's with `cfund submission list CALL`",
        "assignment": "see a call's with `cfund review status CALL` or a reviewer's sheet",
        "token": "list them with `cfund org token ORG --list` (or `cfund reviewer token REVIEWER --list`)",
        "active grant": "list a call's grants with `cfund grant list CALL`",
    ]
}

extension String {
    public func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
