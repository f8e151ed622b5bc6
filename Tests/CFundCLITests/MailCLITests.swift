import Foundation
import FundStore
import FundTestSupport
import Testing

/// `cfund mail` as the programme team uses it: reading a template on real data, in either
/// language, and the list of what was queued.
@Suite("cfund mail")
struct MailCLITests {
    @Test func previewWritesATemplateOnTheNewestSuchMessageInTheLanguageAsked() async throws {
        let configuration = try await TestCluster.shared.makeDatabase()
        let fixture = try await Database.with(
            configuration, logger: TestCluster.logger, reachableWithin: TestCluster.patience
        ) { try await WorkspaceFixture.make($0, base: "") }
        let cli = CLIRunner(database: configuration)

        let french = try cli.run("mail", "preview", "decision.funded")
        #expect(french.status == 0, "\(french.errorText)")
        #expect(french.text.hasPrefix("Subject: Décision : « Azur Talent Days » est financé\n"), "\(french.text)")
        #expect(french.text.contains("Prochaines étapes"))
        #expect(french.text.contains("/applications/\(fixture.niceFunded)"))

        let english = try cli.run("mail", "preview", "decision.funded", "--lang", "en")
        #expect(english.text.hasPrefix("Subject: Decision: \u{201C}Azur Talent Days\u{201D} is funded\n"))
        let html = try cli.run("mail", "preview", "review.assigned", "--lang", "en", "--html")
        #expect(html.status == 0 && html.text.contains("<html lang=\"en\">") && html.text.contains("Tremplin"))

        // Nothing was sent or changed: the previewed messages are still queued, as they were.
        let list = try cli.run("mail", "list", "--status", "queued", "--format", "json")
        let queued = try JSONSerialization.jsonObject(with: Data(list.text.utf8)) as? [[String: Any]] ?? []
        #expect(queued.contains { $0["template"] as? String == "decision.funded" })
        #expect(queued.allSatisfy { $0["status"] as? String == "queued" })

        let unknown = try cli.run("mail", "preview", "decision.maybe")
        #expect(unknown.status != 0)
        #expect(unknown.errorText.contains("No decision.maybe message yet"), "\(unknown.errorText)")
        let language = try cli.run("mail", "preview", "sign-in", "--lang", "de")
        #expect(language.status != 0 && language.errorText.contains("--lang: use fr or en."))
        try await TestCluster.shared.drop(configuration)
    }
}
