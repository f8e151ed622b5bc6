import Foundation
import FundCore
import FundStore
import Hummingbird

/// A submission as the API shows it to its organisation.
struct SubmissionResource: ResponseEncodable {
    struct Contact: Codable {
        let name: String
        let email: String
    }

    /// A stored file, as the API lists it.
    struct Attachment: Codable, ResponseEncodable {
        let id: Int64
        let kind: String
        let fileName: String
        let mediaType: String
        let size: Int64
        let sha256: String

        init(_ file: AttachmentSummary) {
            id = file.id
            kind = file.kind.rawValue
            fileName = file.fileName
            mediaType = file.type.rawValue
            size = file.size
            sha256 = file.sha256
        }
    }

    struct Receipt: Codable {
        /// SHA-256 (hex) of `covers`: keep both to prove what was received and when.
        let sha256: String
        let covers: String
    }

    let id: Int64
    let callId: Int64
    let organisationId: Int64
    let organisation: String
    let version: Int
    let status: String
    let title: String
    let summary: String
    let requestedCents: Int64
    let totalCostCents: Int64
    let ambitions: [String]
    let contact: Contact
    let receivedAt: String
    let firstReceivedAt: String
    let attachments: [Attachment]
    let receipt: Receipt

    init(_ submission: Submission) {
        let utc = TimeZone(identifier: "UTC")!
        id = submission.id
        callId = submission.callId
        organisationId = submission.organisationId
        organisation = submission.organisationName
        version = submission.version
        status = submission.status.rawValue
        title = submission.content.title
        summary = submission.content.summary
        requestedCents = submission.content.requested.cents
        totalCostCents = submission.content.totalCost.cents
        ambitions = submission.content.ambitions.map(\.rawValue)
        contact = Contact(name: submission.content.contactName, email: submission.content.contactEmail)
        receivedAt = LocalTime.iso8601(submission.receivedAt, in: utc)
        firstReceivedAt = LocalTime.iso8601(submission.firstReceivedAt, in: utc)
        attachments = submission.attachments.map(Attachment.init)
        receipt = Receipt(sha256: Digest.sha256(submission.receiptText), covers: submission.receiptText)
    }
}
