import Foundation
import FundCore
import FundStore

extension PortalPage {
    /// A decision letter as the portal shows and prints it: what the message said, in the reader's
    /// language, dated when the decision wrote it.
    public struct Letter: Sendable {
        let chrome: Chrome
        let id: Int64
        let title: String
        let letter: MailRenderer.Parts
        let date: String
        let recipient: String
    }

    /// A letter as an application's page lists it.
    public struct LetterLine: Sendable {
        /// The letter's id (its message's in the outbox).
        let letter: Int64
        let subject: String
        let date: String
    }
}

extension MailRenderer {
    /// The letter `entry` (one of `Outbox.letters`) about `submission`, worded for the reader.
    public func letter(
        _ entry: OutboxEntry, about submission: Submission, chrome: Chrome, wording: Wording, zone: TimeZone
    ) async throws -> PortalPage.Letter {
        PortalPage.Letter(
            chrome: chrome, id: submission.id, title: submission.content.title,
            letter: try await parts(entry.speaking(wording.language)),
            date: wording.moment(entry.createdAt, zone: zone),
            recipient: entry.recipient.name.map { "\($0) <\(entry.recipient.address)>" } ?? entry.recipient.address)
    }

    /// The letters about a submission, as its page lists them.
    public func letterLines(_ entries: [OutboxEntry], wording: Wording, zone: TimeZone) async throws
        -> [PortalPage.LetterLine]
    {
        var lines: [PortalPage.LetterLine] = []
        for entry in entries {
            lines.append(
                PortalPage.LetterLine(
                    letter: entry.id, subject: try await parts(entry.speaking(wording.language)).subject,
                    date: wording.moment(entry.createdAt, zone: zone)))
        }
        return lines
    }
}

extension WebTemplates {
    public func render(_ page: PortalPage.Letter) throws -> String { try render(page, template: "portal/letter") }
}
