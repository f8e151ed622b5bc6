import Foundation
import FundCore
import FundStore
import FundWeb
import HTTPTypes
import Hummingbird

/// The portal's templates, loaded once on first use (loading reads the files, which `buildRouter`
/// cannot wait for).
actor TemplateStore {
    private var loaded: WebTemplates?

    func templates() async throws -> WebTemplates {
        if let loaded { return loaded }
        let templates = try await WebTemplates.load()
        loaded = templates
        return templates
    }
}

/// What every portal request needs: the reader's language, the session (if signed in), the
/// cookies to set on the way out.
struct WebVisit: Sendable {
    static let sessionCookie = "cfund_session"
    static let languageCookie = "cfund_lang"

    let language: Language
    let session: WebSession?
    let path: String
    /// Over HTTPS (directly, or behind a proxy that says so): cookies get `Secure`.
    let secure: Bool
    var cookies: [Cookie] = []

    var wording: Wording { Wording(language) }

    /// The language: `?lang=` (remembered in a cookie), the cookie, the browser's
    /// `Accept-Language`, French.
    init(_ request: Request, session: WebSession?) {
        secure = request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        path = request.uri.path
        self.session = session
        if let asked = request.uri.queryParameters.get("lang").flatMap(Language.init(rawValue:)) {
            language = asked
            cookies.append(
                Cookie(
                    name: Self.languageCookie, value: asked.rawValue, maxAge: 365 * 86_400, path: "/", secure: secure,
                    httpOnly: true, sameSite: .lax))
        } else if let chosen = request.cookies[Self.languageCookie].flatMap({ Language(rawValue: $0.value) }) {
            language = chosen
        } else {
            language = Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
        }
    }

    func chrome(_ titleKey: String, notice: String? = nil) -> Chrome {
        chrome(title: wording.text(titleKey), notice: notice)
    }

    func chrome(title: String, notice: String? = nil) -> Chrome {
        Chrome(
            language: language, title: title, path: path, person: session?.contact.name,
            organisation: session?.organisationName, csrf: session?.csrfToken, notice: notice)
    }

    /// A page: HTML that is never cached, never framed, and loads nothing from elsewhere.
    func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                    + "frame-ancestors 'none'; base-uri 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// 303 to `location`, with a notice the next page shows (a catalogue key of `web_`).
    func redirect(_ location: String, notice: String? = nil) -> Response {
        let target = notice.map { location + (location.contains("?") ? "&" : "?") + "notice=\($0)" } ?? location
        var response = Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// The notice a redirect asked for, if it is one of the portal's.
    func notice(_ request: Request) -> String? {
        guard let key = request.uri.queryParameters.get("notice").map({ String($0) }), key.hasPrefix("web_"),
            let text = Catalogue.text(key, in: language)
        else { return nil }
        return text
    }
}

extension Request {
    /// A form posted as `application/x-www-form-urlencoded`, decoded as `T`.
    func form<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        do {
            return try URLEncodedFormDecoder().decode(
                T.self, from: String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            throw Problem(
                status: .badRequest, type: "malformed", title: "Malformed form",
                detail: "The form cannot be read; reload the page and send it again.")
        }
    }
}

/// The CSRF token every portal form carries back (`_csrf`), compared with the session's.
struct CSRFCheck {
    static func passes(_ sent: String?, session: WebSession) -> Bool {
        guard let sent else { return false }
        return Digest.constantTimeEqual(sent, session.csrfToken)
    }
}
