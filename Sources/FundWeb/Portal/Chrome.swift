import Foundation
import FundCore

/// The pages a signed-in person's menu lists: their own kind of pages only.
public enum Menu: Sendable {
    case none
    case applicant
    case reviewer
    case admin

    var links: [(href: String, key: String)] {
        switch self {
        case .none: return []
        case .applicant:
            return [
                ("/", "web_nav_calls"), ("/applications", "web_nav_applications"),
                ("/organisation", "web_nav_organisation"),
            ]
        case .reviewer: return [("/review", "web_nav_reviews")]
        case .admin: return [("/admin", "web_nav_admin_calls")]
        }
    }
}

/// One entry of the menu; `current` on the page it leads to.
struct MenuLink: Sendable {
    let href: String
    let label: String
    let current: Bool
}

/// What every page shows around its content: the language and its words, who is signed in, the
/// form token, the switch to the other language, a notice after an action.
public struct Chrome: Sendable {
    let lang: String
    /// The catalogue of the page's language, as templates read it (`{{chrome.t.web_site}}`).
    let t: [String: String]
    let title: String
    let signedIn: Bool
    let menu: [MenuLink]
    let person: String?
    let organisation: String?
    let csrf: String?
    let switchLanguage: String
    let otherLanguage: String
    let otherLanguageLabel: String
    let notice: String?

    /// - Parameter path: the page's own path, for the language switch to come back to.
    public init(
        language: Language, title: String, path: String, person: String? = nil, organisation: String? = nil,
        csrf: String? = nil, notice: String? = nil, menu: Menu = .none
    ) {
        let other: Language = language == .fr ? .en : .fr
        lang = language.rawValue
        t = Catalogue.strings(language)
        self.title = title
        signedIn = person != nil
        let strings = t
        self.menu = menu.links.map {
            MenuLink(href: $0.href, label: strings[$0.key] ?? $0.key, current: $0.href == path)
        }
        self.person = person
        self.organisation = organisation
        self.csrf = csrf
        switchLanguage = path + (path.contains("?") ? "&" : "?") + "lang=\(other.rawValue)"
        otherLanguage = other.rawValue
        otherLanguageLabel = other == .fr ? "Français" : "English"
        self.notice = notice
    }
}

/// How pages write amounts, moments and durations in each language.
public struct Wording: Sendable {
    public let language: Language

    public init(_ language: Language) {
        self.language = language
    }

    public func text(_ key: String) -> String { Catalogue.text(key, in: language) ?? key }

    public func money(_ amount: Money) -> String { Message.render(.money(amount), in: language) }

    /// "72,5" in French, "72.5" in English, with `places` decimals.
    public func decimal(_ value: Double, places: Int = 1) -> String {
        Message.render(.decimal(String(format: "%.\(places)f", value)), in: language)
    }

    public func bytes(_ count: Int64) -> String { Message.render(.bytes(count), in: language) }

    /// "15/12/2024 à 23:59 (heure de Paris)".
    public func moment(_ instant: Date, zone: TimeZone, milliseconds: Bool = false) -> String {
        LocalTime.spoken(instant, in: zone, language: language, milliseconds: milliseconds)
    }

    /// A call's last accepted minute, as its deadline is announced.
    public func deadline(_ call: Call) -> String { moment(call.closesAt.addingTimeInterval(-0.001), zone: call.zone) }

    /// "3 jours et 4 heures restants", "closed".
    public func timeLeft(until deadline: Date, now: Date) -> String {
        let seconds = Int(deadline.timeIntervalSince(now))
        guard seconds > 0 else { return text("web_time_closed") }
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60
        if days > 0 {
            return Message("web_time_days", ["days": .number(days), "hours": .number(hours)]).text(in: language)
        }
        if hours > 0 {
            return Message("web_time_hours", ["hours": .number(hours), "minutes": .number(minutes)]).text(in: language)
        }
        return Message("web_time_minutes", ["minutes": .number(max(1, minutes))]).text(in: language)
    }

    public func status(_ status: SubmissionStatus) -> String { text("status.\(status.rawValue)") }

    public func ambition(_ ambition: Ambition) -> String { text("ambition.\(ambition.rawValue)") }

    public func kind(_ kind: AttachmentKind) -> String { text("attachment.\(kind.rawValue)") }
}
