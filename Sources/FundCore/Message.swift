import Foundation

/// The languages people read cfund in: French first, English available.
public enum Language: String, CaseIterable, Sendable, Codable {
    case fr
    case en

    /// The first of French and English an `Accept-Language` header prefers (by quality, then
    /// order); French when it names neither.
    public static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .fr }
        var best: (language: Language, quality: Double, position: Int)?
        for (position, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased() else { continue }
            let primary = String(tag.split(separator: "-").first ?? "")
            guard let language = Language(rawValue: primary) else { continue }
            let quality =
                parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard quality > 0 else { continue }
            if best == nil || quality > best!.quality { best = (language, quality, position) }
        }
        return best?.language ?? .fr
    }
}

/// Something said to a person, whatever their language: a key of the catalogues
/// (`Catalogue+French.swift`, `Catalogue+English.swift`) and the values to put in its `{name}`s.
/// Amounts, days and instants are written the way each language writes them.
public struct Message: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case text(String)
        case number(Int)
        case money(Money)
        case day(CalendarDay)
        /// An instant, shown in a time zone (a call's).
        case instant(Date, zone: String)
        /// Catalogue keys, each said in the message's language, joined by commas.
        case keys([String])
        /// A size in bytes, in kilo- or megabytes ("10 Mo", "10 MB").
        case bytes(Int64)
        /// A reviewer's score or a scale's bound: "2.5", "2,5".
        case score(Double)
        /// A decimal already written with a point ("2.3"): a comma in French.
        case decimal(String)
    }

    public let key: String
    public let values: [String: Value]

    public init(_ key: String, _ values: [String: Value] = [:]) {
        self.key = key
        self.values = values
    }

    /// The message in `language`; the key itself when a catalogue lacks it (a test keeps them whole).
    /// One pass over the text: each `{name}` with a value becomes the value, said in the language;
    /// a value's own text is never read for placeholders. (Foundation's `replacingOccurrences`, once
    /// per value, was most of the time of `allocate` on 100,000 submissions.)
    public func text(in language: Language) -> String {
        let template = Catalogue.text(key, in: language) ?? key
        guard !values.isEmpty else { return template }
        var text = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let name = rest[rest.index(after: open)...]
            if let close = name.firstIndex(of: "}"), let value = values[String(name[..<close])] {
                text += Self.render(value, in: language)
                rest = name[name.index(after: close)...]
            } else {
                text.append("{")
                rest = name
            }
        }
        return text + rest
    }

    public var english: String { text(in: .en) }

    public static func render(_ value: Value, in language: Language) -> String {
        switch (value, language) {
        case (.text(let text), _): return text
        case (.number(let number), _): return String(number)
        case (.money(let amount), .fr): return amount.french
        case (.money(let amount), .en): return amount.english
        case (.day(let day), .fr): return day.french
        case (.day(let day), .en): return day.description
        case (.instant(let instant, let zone), _):
            return LocalTime.spoken(instant, in: TimeZone(identifier: zone) ?? LocalTime.paris, language: language)
        case (.keys(let keys), _):
            return keys.map { Catalogue.text($0, in: language) ?? $0 }.joined(separator: ", ")
        case (.score(let score), .en): return String(score)
        case (.score(let score), .fr): return String(score).replacingOccurrences(of: ".", with: ",")
        case (.decimal(let text), .en): return text
        case (.decimal(let text), .fr): return text.replacingOccurrences(of: ".", with: ",")
        case (.bytes(let bytes), _):
            let (unit, size): (String, Double) =
                bytes >= 1_048_576 ? ("M", Double(bytes) / 1_048_576) : ("k", Double(bytes) / 1_024)
            var number =
                size >= 10 || size == size.rounded() ? String(Int(size.rounded())) : String(format: "%.1f", size)
            if language == .fr { number = number.replacingOccurrences(of: ".", with: ",") }
            return number + "\u{00A0}" + unit + (language == .fr ? "o" : "B")
        }
    }
}
