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
                let html = try await templates.templates().render(
                    PortalPage.SignIn(
                        chrome: visit.chrome("web_sign_in_title"), problem: visit.wording.text("web_link_invalid")))
                return visit.page(html, status: .forbidden)
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
            let html = try await templates.templates().render(
                PortalPage.SignIn(
                    chrome: WebVisit(request, session: nil).chrome(
                        "web_sign_in_title", notice: visit.wording.text("web_signed_out")), problem: nil))
            return visit.page(html)
        }
    }
}
