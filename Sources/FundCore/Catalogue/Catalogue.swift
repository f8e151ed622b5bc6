/// What cfund says to people, one catalogue per language: the messages of the rules (refusals,
/// eligibility) and the words of the web pages. A key is the same in both; `{name}`s are the
/// message's values. `CatalogueTests` checks that both languages have every key and the same
/// names in each.
public enum Catalogue {
    public static func text(_ key: String, in language: Language) -> String? {
        strings(language)[key]
    }

    /// Every string of a language, as the templates read them.
    public static func strings(_ language: Language) -> [String: String] {
        switch language {
        case .fr: return french
        case .en: return english
        }
    }
}
