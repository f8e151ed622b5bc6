import Foundation

/// The Mission's four ambitions a project may serve.
public enum Ambition: String, CaseIterable, Codable, Sendable {
    case worldClass = "world_class"
    case societalChallenges = "societal_challenges"
    case talentsAndTerritories = "talents_and_territories"
    case greenTech = "green_tech"
}

/// Where a submission stands.
public enum SubmissionStatus: String, CaseIterable, Codable, Sendable {
    case submitted
    case withdrawn
    case ineligible
    case reviewed
    case funded
    case partiallyFunded = "partially_funded"
    case reserve
    case rejected
}

/// What an applicant sends: the project as one version of a submission.
public struct SubmissionContent: Hashable, Sendable, Codable {
    public var title: String
    public var summary: String
    public var requested: Money
    public var totalCost: Money
    public var ambitions: [Ambition]
    public var contactName: String
    public var contactEmail: String

    public init(
        title: String, summary: String, requested: Money, totalCost: Money, ambitions: [Ambition],
        contactName: String, contactEmail: String
    ) {
        self.title = title
        self.summary = summary
        self.requested = requested
        self.totalCost = totalCost
        self.ambitions = ambitions
        self.contactName = contactName
        self.contactEmail = contactEmail
    }

    /// One text for the same content whatever the JSON's spacing or key order: the idempotency
    /// check compares its hash, and receipts hash it with the submission's identity.
    public var canonicalText: String {
        [
            "title=\(title)", "summary=\(summary)", "requestedCents=\(requested.cents)",
            "totalCostCents=\(totalCost.cents)", "ambitions=\(ambitions.map(\.rawValue).joined(separator: ","))",
            "contactName=\(contactName)", "contactEmail=\(contactEmail)",
        ].joined(separator: "\n")
    }
}

/// A stored submission and its current version.
public struct Submission: Hashable, Sendable {
    public var id: Int64
    public var callId: Int64
    public var organisationId: Int64
    public var organisationName: String
    public var status: SubmissionStatus
    public var version: Int
    public var content: SubmissionContent
    /// When the current version arrived, by the database clock.
    public var receivedAt: Date
    public var firstReceivedAt: Date
    public var statusReasons: [String]
    /// The files of the current version.
    public var attachments: [AttachmentSummary]

    public init(
        id: Int64, callId: Int64, organisationId: Int64, organisationName: String, status: SubmissionStatus,
        version: Int, content: SubmissionContent, receivedAt: Date, firstReceivedAt: Date, statusReasons: [String] = [],
        attachments: [AttachmentSummary] = []
    ) {
        self.id = id
        self.callId = callId
        self.organisationId = organisationId
        self.organisationName = organisationName
        self.status = status
        self.version = version
        self.content = content
        self.receivedAt = receivedAt
        self.firstReceivedAt = firstReceivedAt
        self.statusReasons = statusReasons
        self.attachments = attachments
    }

    /// What the receipt's SHA-256 covers: who, where, which version, when, the content, and each
    /// file's kind, SHA-256, size and name. An applicant who kept the receipt can show that this
    /// exact content and these exact files were received then.
    public var receiptText: String {
        ([
            "submission=\(id)", "call=\(callId)", "organisation=\(organisationId)", "version=\(version)",
            "receivedAt=\(LocalTime.iso8601(receivedAt, in: TimeZone(identifier: "UTC")!))", content.canonicalText,
        ] + attachments.sorted { ($0.kind.rawValue, $0.sha256) < ($1.kind.rawValue, $1.sha256) }.map(\.receiptLine))
        .joined(separator: "\n")
    }
}

/// One version of a submission, as its history shows it.
public struct SubmissionVersion: Sendable, Equatable {
    public let version: Int
    public let content: SubmissionContent
    public let receivedAt: Date

    public init(version: Int, content: SubmissionContent, receivedAt: Date) {
        self.version = version
        self.content = content
        self.receivedAt = receivedAt
    }
}

/// Checks a submission as sent, field by field, against the call's cap.
public enum SubmissionValidation {
    /// The content with its text cleaned (see `TextRule`), and every issue found.
    public static func validate(_ content: SubmissionContent, maxRequest: Money?) -> (
        content: SubmissionContent, issues: [FieldIssue]
    ) {
        var issues: [FieldIssue] = []
        var clean = content
        clean.title = TextRule.submissionTitle.check(content.title, into: &issues)
        clean.summary = TextRule.summary.check(content.summary, into: &issues)
        if content.requested.cents <= 0 {
            issues.append(FieldIssue(field: "requestedCents", Message("request.positive")))
        } else if let cap = maxRequest, content.requested > cap {
            issues.append(FieldIssue(field: "requestedCents", Message("request.cap", ["cap": .money(cap)])))
        } else if content.requested > content.totalCost {
            issues.append(FieldIssue(field: "requestedCents", Message("request.cost")))
        }
        if content.totalCost.cents <= 0 {
            issues.append(FieldIssue(field: "totalCostCents", Message("cost.positive")))
        }
        if content.ambitions.isEmpty {
            issues.append(FieldIssue(field: "ambitions", Message("ambitions.none")))
        }
        clean.contactName = TextRule.contactName.check(content.contactName, into: &issues)
        var emailIssues: [FieldIssue] = []
        clean.contactEmail = TextRule.contactEmail.check(content.contactEmail, into: &emailIssues)
        if emailIssues.isEmpty && !isEmailAddress(clean.contactEmail) {
            emailIssues.append(
                FieldIssue(field: "contact.email", Message("email.invalid", ["email": .text(clean.contactEmail)])))
        }
        return (clean, issues + emailIssues)
    }

    /// One "@", something before it, a dotted domain after it, no spaces.
    public static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, text.unicodeScalars.count <= 254,
            !text.contains(where: \.isWhitespace)
        else {
            return false
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }
}
