import Foundation
import FundCore
import Testing

/// A template that names a missing catalogue key shows the key itself to the reader; this finds
/// every one before a reader does.
@Suite("Templates and the catalogue")
struct TemplateWordingTests {
    @Test func everyWordATemplateAsksForIsInBothLanguages() throws {
        let templates = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/FundWeb/Templates")
        let found = FileManager.default.enumerator(at: templates, includingPropertiesForKeys: nil)
        let files = (found?.compactMap { $0 as? URL } ?? []).filter { $0.pathExtension == "mustache" }
        #expect(files.count > 10)
        let key = try Regex(#"(?:^|[^A-Za-z0-9_])t\.([A-Za-z0-9_]+)"#)
        var asked = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: key) {
                let name = String(text[match.output[1].range!])
                asked += 1
                for language in [Language.fr, .en] {
                    #expect(
                        Catalogue.text(name, in: language) != nil,
                        "\(file.lastPathComponent) asks for \(name), missing in \(language)")
                }
            }
        }
        #expect(asked > 100)
    }
}
