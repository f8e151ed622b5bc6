import Foundation
import FundCore
import Testing

@Suite("What cfund says, in French and in English")
struct CatalogueTests {
    static func names(_ text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    @Test func bothLanguagesSayEveryMessageWithTheSameValues() {
        let french = Catalogue.strings(.fr)
        let english = Catalogue.strings(.en)
        #expect(Set(french.keys) == Set(english.keys))
        for (key, text) in french {
            #expect(Self.names(text) == Self.names(english[key] ?? ""), "\(key)")
            #expect(!text.isEmpty && !(english[key] ?? "").isEmpty, "\(key)")
        }
    }

    @Test func amountsDaysAndInstantsAreWrittenTheWayEachLanguageWritesThem() throws {
        let message = Message(
            "eligibility.cap", ["requested": .money(Money(cents: 6_000_000)), "cap": .money(Money(cents: 5_000_000))])
        #expect(
            message.text(in: .fr)
                == "la somme demandée, 60\u{00A0}000,00\u{00A0}€, dépasse le plafond de l'appel, 50\u{00A0}000,00\u{00A0}€"
        )
        #expect(message.text(in: .en) == "the request of €60,000.00 exceeds the call's cap of €50,000.00")
        let deadline = try LocalTime.deadline("2024-12-15 23:59", in: LocalTime.paris).addingTimeInterval(-0.001)
        #expect(LocalTime.spoken(deadline, in: LocalTime.paris, language: .fr) == "15/12/2024 à 23:59 (heure de Paris)")
        #expect(
            LocalTime.spoken(deadline, in: LocalTime.paris, language: .en, milliseconds: true)
                == "15/12/2024 at 23:59:59.999 (Paris time)")
        #expect(Message("attachment.tooLarge", ["max": .bytes(10_485_760)]).text(in: .fr).contains("10\u{00A0}Mo"))
        #expect(Language.preferred(acceptLanguage: "en-GB,en;q=0.9,fr;q=0.8") == .en)
        #expect(Language.preferred(acceptLanguage: "de-DE,fr;q=0.5,en;q=0.4") == .fr)
        #expect(Language.preferred(acceptLanguage: "de, it") == .fr)
        #expect(Language.preferred(acceptLanguage: nil) == .fr)
    }

    /// Placeholders are filled in one pass: every occurrence, in the message's language, and a
    /// value that itself looks like a placeholder stays as given.
    @Test func placeholdersAreFilledOnceEach() {
        let message = Message("{a} and {b}, {a} {unknown} {", ["a": .text("{b}"), "b": .score(2.5)])
        #expect(message.text(in: .en) == "{b} and 2.5, {b} {unknown} {")
        #expect(message.text(in: .fr) == "{b} and 2,5, {b} {unknown} {")
        #expect(Message("no placeholders").text(in: .fr) == "no placeholders")
    }
}
