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
    /// The CSRF token of the forms shown to someone not signed in (the sign-in page's).
    static let formCookie = "cfund_form"

    let language: Language
    let session: WebSession?
    let path: String
    /// Over HTTPS (directly, or behind a proxy that says so): cookies get `Secure`.
    let secure: Bool
    var cookies: [Cookie] = []
    /// The anonymous forms' token the browser holds, if any.
    let formToken: String?

    var wording: Wording { Wording(language) }

    /// The language: `?lang=` (remembered in a cookie), the cookie, the browser's
    /// `Accept-Language`, French.
    init(_ request: Request, session: WebSession?) {
        secure = request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        path = request.uri.path
        self.session = session
        formToken = request.cookies[Self.formCookie].map(\.value).flatMap { $0.isEmpty ? nil : $0 }
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
            language: language, title: title, path: path, person: session?.name,
            organisation: affiliation, csrf: session?.csrfToken, notice: notice, menu: menu)
    }

    var menu: Menu {
        switch session?.holder {
        case .contact: return .applicant
        case .reviewer: return .reviewer
        case .admin: return .admin
        case nil: return .none
        }
    }

    /// Under the signed-in person's name: their organisation, or what they are here.
    var affiliation: String? {
        switch session?.holder {
        case .contact(_, let organisation): return organisation
        case .reviewer: return wording.text("web_reviewer")
        case .admin(_, _, _, let role): return wording.text("web_role_\(role.rawValue)")
        case nil: return nil
        }
    }

    /// A page: HTML that is never cached, never framed, and loads nothing from elsewhere.
    func page(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var response = Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; "
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

/// Who a page is for.
enum Audience: Sendable {
    /// Whoever is signed in.
    case anyone
    case applicant
    case reviewer
    /// An admin; `acting` when the page changes something (the programme team only).
    case admin(acting: Bool)
}

/// What every page of the portal, the workspace and the overview goes through: the session and
/// who holds it (no session: the sign-in page; someone else's kind of page: not found), the CSRF
/// token of every form, and every error answered as a page in the reader's language.
struct WebGate: Sendable {
    let database: Database
    let templates: TemplateStore

    /// A page for `audience`, with the visitor's session.
    func page(
        _ request: Request, _ context: AppRequestContext, for audience: Audience,
        _ body: @escaping @Sendable (WebVisit, WebSession) async throws -> Response
    ) async throws -> Response {
        let visit = await visit(request)
        do {
            guard let session = visit.session else {
                return try await signInPage(visit, status: request.method == .get ? .ok : .forbidden)
            }
            guard Self.admits(session, audience) else { throw FundError.notFound(kind: "page", reference: "") }
            return try await body(visit, session)
        } catch {
            return try await failure(error, visit: visit, context: context)
        }
    }

    /// A page anyone may see, signed in or not.
    func publicPage(
        _ request: Request, _ context: AppRequestContext,
        _ body: @escaping @Sendable (WebVisit) async throws -> Response
    ) async throws -> Response {
        let visit = await visit(request)
        do {
            return try await body(visit)
        } catch {
            return try await failure(error, visit: visit, context: context)
        }
    }

    /// A posted form of `audience`, its CSRF token checked before anything else.
    func form<Fields: PortalForm>(
        _ request: Request, _ context: AppRequestContext, for audience: Audience, _ type: Fields.Type,
        _ body: @escaping @Sendable (WebVisit, WebSession, Fields) async throws -> Response
    ) async throws -> Response {
        try await page(request, context, for: audience) { visit, session in
            let fields = try await request.form(Fields.self, context: context)
            guard CSRFCheck.passes(fields._csrf, session: session) else { return try await csrfRefused(visit) }
            return try await body(visit, session, fields)
        }
    }

    static func admits(_ session: WebSession, _ audience: Audience) -> Bool {
        switch (audience, session.holder) {
        case (.anyone, _), (.applicant, .contact), (.reviewer, .reviewer): return true
        case (.admin(let acting), .admin(_, _, _, let role)): return !acting || role == .programme
        default: return false
        }
    }

    func visit(_ request: Request) async -> WebVisit {
        var session: WebSession?
        if let cookie = request.cookies[WebVisit.sessionCookie]?.value, !cookie.isEmpty {
            session = try? await SessionRepository(database).authenticate(cookie)
        }
        let visit = WebVisit(request, session: session)
        // The language switch also sets the language of the person's mail; a failure here costs
        // only that, never the page.
        if let session, request.uri.queryParameters.get("lang") != nil {
            try? await SessionRepository(database).remember(visit.language, for: session)
        }
        return visit
    }

    /// The sign-in page, with its form's token (a cookie the browser keeps for the session's
    /// length, `SameSite=Strict` so no other site's form carries it).
    func signInPage(
        _ visit: WebVisit, notice: String? = nil, problem: String? = nil, email: String = "",
        emailError: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var visit = visit
        let token = visit.formToken ?? TokenRepository.generate(prefix: "")
        if visit.formToken == nil {
            visit.cookies.append(
                Cookie(
                    name: WebVisit.formCookie, value: token, path: "/", secure: visit.secure, httpOnly: true,
                    sameSite: .strict))
        }
        let html = try await templates.templates().render(
            PortalPage.SignIn(
                chrome: visit.chrome("web_sign_in_title", notice: notice), problem: problem, formToken: token,
                email: email, emailError: emailError))
        return visit.page(html, status: status)
    }

    func csrfRefused(_ visit: WebVisit) async throws -> Response {
        let html = try await templates.templates().render(
            PortalPage.Failure(
                chrome: visit.chrome("web_csrf_title"), heading: visit.wording.text("web_csrf_title"),
                message: visit.wording.text("web_csrf")))
        return visit.page(html, status: .forbidden)
    }

    func failure(_ error: any Error, visit: WebVisit, context: AppRequestContext) async throws -> Response {
        let wording = visit.wording
        let language = visit.language
        var heading = wording.text("web_error_title")
        let message: String
        let status: HTTPResponse.Status
        switch error {
        case FundError.notFound:
            (heading, message, status) = (wording.text("web_not_found_title"), wording.text("web_not_found"), .notFound)
        case FundError.notEligible(let reasons):
            message =
                wording.text("web_not_eligible") + " " + reasons.map { $0.text(in: language) }.joined(separator: " ; ")
            status = .forbidden
        case FundError.callNotOpen(let call, _, let opensAt, let closesAt, let zone):
            message = Message(
                "web_call_not_open",
                [
                    "call": .text(call), "from": .instant(opensAt, zone: zone),
                    "to": .instant(closesAt.addingTimeInterval(-0.001), zone: zone),
                ]
            ).text(in: language)
            status = .conflict
        case FundError.submissionNotChangeable(_, let state):
            message = Message("web_not_changeable", ["status": .keys(["status.\(state.rawValue)"])]).text(in: language)
            status = .conflict
        case FundError.validation(let issues), FundError.conflict(let issues):
            message = issues.map { $0.reason(in: language) }.joined(separator: " ; ")
            status = .conflict
        case FundError.reviewsDue(let call, let dueAt, let zone):
            message = Message(
                "web_reviews_due",
                ["call": .text(call), "when": .instant(dueAt.addingTimeInterval(-0.001), zone: zone)]
            ).text(in: language)
            status = .conflict
        case FundError.reviewFinal:
            (message, status) = (wording.text("web_review_final_refused"), .conflict)
        case FundError.assignmentImpossible(let reasons):
            message = Message(
                "web_assign_impossible",
                ["reasons": .text(reasons.map { $0.text(in: language) }.joined(separator: " ; "))]
            ).text(in: language)
            status = .conflict
        case FundError.databaseUnavailable:
            (message, status) = (wording.text("web_unavailable"), .serviceUnavailable)
        case let problem as Problem where problem.status.code < 500:
            (message, status) = (problem.detail, problem.status)
        case let error as FundError where Problem(error).status.code < 500:
            // A refusal the pages do not word yet is still a refusal: said as the API says it,
            // with its status, never as a failure of the server.
            (message, status) = (error.description, Problem(error).status)
        default:
            context.logger.error("portal page failed", metadata: ["error": "\(error)"])
            (message, status) = (wording.text("web_unavailable"), .internalServerError)
        }
        let html = try await templates.templates().render(
            PortalPage.Failure(chrome: visit.chrome(title: heading), heading: heading, message: message))
        return visit.page(html, status: status)
    }
}
