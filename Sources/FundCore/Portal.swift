import Foundation

/// A person of an organisation who signs in to the portal.
public struct Contact: Sendable, Equatable {
    public let id: Int64
    public let organisationId: Int64
    public let name: String
    public let email: String
    public let language: Language
    public let revokedAt: Date?

    public init(id: Int64, organisationId: Int64, name: String, email: String, language: Language, revokedAt: Date?) {
        self.id = id
        self.organisationId = organisationId
        self.name = name
        self.email = email
        self.language = language
        self.revokedAt = revokedAt
    }
}

/// What an applicant is preparing on the portal: fields as far as they are filled in, and files.
/// Nothing in a draft is a submission until it is submitted.
public struct Draft: Sendable, Equatable {
    public let id: Int64
    public let callId: Int64
    public let organisationId: Int64
    /// The submission an amendment's draft will amend.
    public let submissionId: Int64?
    public var title: String
    public var summary: String
    public var requested: Money?
    public var totalCost: Money?
    public var ambitions: [Ambition]
    public var contactName: String
    public var contactEmail: String
    public let updatedAt: Date
    public let submittedAt: Date?

    public init(
        id: Int64, callId: Int64, organisationId: Int64, submissionId: Int64?, title: String, summary: String,
        requested: Money?, totalCost: Money?, ambitions: [Ambition], contactName: String, contactEmail: String,
        updatedAt: Date, submittedAt: Date?
    ) {
        self.id = id
        self.callId = callId
        self.organisationId = organisationId
        self.submissionId = submissionId
        self.title = title
        self.summary = summary
        self.requested = requested
        self.totalCost = totalCost
        self.ambitions = ambitions
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.updatedAt = updatedAt
        self.submittedAt = submittedAt
    }

    /// The draft as a submission's content, for the rules to check; missing amounts are zero.
    public var content: SubmissionContent {
        SubmissionContent(
            title: title, summary: summary, requested: requested ?? .zero, totalCost: totalCost ?? .zero,
            ambitions: ambitions, contactName: contactName, contactEmail: contactEmail)
    }
}
