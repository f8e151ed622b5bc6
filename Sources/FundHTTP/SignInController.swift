import Foundation
import FundCore
import FundStore
import FundWeb
import Hummingbird

/// What every kind of person shares on the web: the assets, signing in with a link and signing out.
struct SignInController {
    let database: Database
    let templates: TemplateStore
    let gate: WebGate

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get("assets/cfund.css") { _, _ in Self.asset(WebTemplates.stylesheet, type: "text/css; charset=utf-8") }
        routes.get("assets/review.js") { _, _ in
            Self.asset(WebTemplates.reviewScript, type: "text/javascript; charset=utf-8")
        }
        routes.get("sign-in", use: signInPage)
        routes.post("sign-in", use: requestLink)
        routes.get("sign-in/:link", use: signIn)
        routes.post("sign-out", use: signOut)
        return routes
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Where each kind of holder starts.
    static func home(of session: WebSession) -> String {
        switch session.holder {
        case .contact: return "/"
        case .reviewer: return "/review"
        case .admin: return "/admin"
        }
    }

    @Sendable func signIn(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.publicPage(request, context) { visit in
            var visit = visit
            guard let link = context.parameters.get("link"),
                let (secret, session) = try await SessionRepository(database).signIn(link: link)
            else {
                return try await gate.signInPage(
                    visit, problem: visit.wording.text("web_link_invalid"), status: .forbidden)
            }
            visit.cookies.append(
                Cookie(
                    name: WebVisit.sessionCookie, value: secret, path: "/", secure: visit.secure, httpOnly: true,
                    sameSite: .lax))
            return visit.redirect(Self.home(of: session))
        }
    }

    struct FormToken: PortalForm {
        var _csrf: String?
    }

    @Sendable func signOut(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.form(request, context, for: .anyone, FormToken.self) { visit, session, _ in
            var visit = visit
            try await SessionRepository(database).end(session.id)
            visit.cookies.append(
                Cookie(
                    name: WebVisit.sessionCookie, value: "", maxAge: 0, path: "/", secure: visit.secure, httpOnly: true,
                    sameSite: .lax))
            var signedOut = WebVisit(request, session: nil)
            signedOut.cookies = visit.cookies
            return try await gate.signInPage(signedOut, notice: visit.wording.text("web_signed_out"))
        }
    }

    /// The sign-in page on its own (where asking for a link leads back to); someone signed in
    /// goes to their home.
    @Sendable func signInPage(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.publicPage(request, context) { visit in
            if let session = visit.session { return visit.redirect(Self.home(of: session)) }
            return try await gate.signInPage(visit, notice: visit.notice(request))
        }
    }

    struct LinkRequest: Decodable {
        var _csrf: String?
        var email: String?
    }

    /// "Email me a sign-in link": the same answer whether the address is known or not; the limits
    /// are the database's (`cfund_sign_in_request`), and past the client's the page says when to
    /// try again.
    @Sendable func requestLink(request: Request, context: AppRequestContext) async throws -> Response {
        try await gate.publicPage(request, context) { visit in
            let fields = try await request.form(LinkRequest.self, context: context)
            guard let expected = visit.formToken, let sent = fields._csrf,
                Digest.constantTimeEqual(sent, expected)
            else { return try await gate.csrfRefused(visit) }
            let email = (fields.email ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard SubmissionValidation.isEmailAddress(email) else {
                return try await gate.signInPage(
                    visit, email: email, emailError: visit.wording.text("web_email_invalid"),
                    status: .unprocessableContent)
            }
            do {
                _ = try await SessionRepository(database).requestLink(email: email, client: context.client)
            } catch FundError.tooManyRequests(let seconds) {
                let wait = Message("web_too_many", ["minutes": .text("\((seconds + 59) / 60)")])
                var page = try await gate.signInPage(
                    visit, problem: wait.text(in: visit.language), email: email, status: .tooManyRequests)
                page.headers[.retryAfter] = "\(seconds)"
                return page
            }
            return visit.redirect("/sign-in", notice: "web_link_requested")
        }
    }
}
