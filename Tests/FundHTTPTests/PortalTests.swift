import Foundation
import FundCore
import FundHTTP
import FundStore
import FundTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The portal through its routes: signing in, sessions, CSRF, drafts, files, refusals in both
/// languages. `PortalBrowserTests` walks the same in a real browser.
@Suite("The applicants' portal")
struct PortalTests {
    typealias Client = any TestClientProtocol

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
    }

    static func withPortal(_ body: @Sendable (Database, PortalFixture, Client) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let fixture = try await PortalFixture.make(database, base: "")
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in try await body(database, fixture, client) }
        }
    }

    static func get(_ client: Client, _ uri: String, cookie: String? = nil, headers: HTTPFields = [:]) async throws
        -> Page
    {
        var headers = headers
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    static func post(_ client: Client, _ uri: String, cookie: String?, form: [(String, String)]) async throws -> Page {
        let body = form.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            response in Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    /// Follows a sign-in link; the session cookie and the form token of the next page.
    static func signIn(_ client: Client, _ link: String) async throws -> (cookie: String, csrf: String) {
        let signedIn = try await get(client, link)
        #expect(signedIn.status == .seeOther)
        let setCookie = signedIn.headers[.setCookie] ?? ""
        let cookie = String(setCookie.split(separator: ";")[0])
        let home = try await get(client, "/", cookie: cookie)
        return (cookie, csrf(home.body))
    }

    static func csrf(_ html: String) -> String {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return "" }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aLinkSignsInOnceWithinItsWeekUnlessRevoked() async throws {
        try await Self.withPortal { database, fixture, client in
            let first = try await Self.get(client, fixture.lyonLink)
            let cookie = first.headers[.setCookie] ?? ""
            #expect(first.status == .seeOther)
            #expect(
                cookie.hasPrefix("cfund_session=cfs_") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax")
            )
            #expect(!cookie.contains("Secure"))
            let session = String(cookie.split(separator: ";")[0])
            #expect(try await Self.get(client, "/", cookie: session).body.contains("Camille Martin · French Tech Lyon"))

            let reused = try await Self.get(client, fixture.lyonLink)
            #expect(reused.status == .forbidden)
            #expect(reused.body.contains("Ce lien de connexion ne fonctionne pas"))
            #expect(reused.headers[.setCookie]?.contains("cfund_session") != true)

            // Behind an HTTPS proxy the cookie is Secure.
            let (_, secret) = try await ContactRepository(database).invite(
                organisationId: 1, name: nil, email: "camille@lyon.example")
            let secure = try await Self.get(
                client, "/sign-in/\(secret)", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(secure.headers[.setCookie]?.contains("Secure") == true)

            // Expired after seven days.
            let (_, old) = try await ContactRepository(database).invite(
                organisationId: 1, name: nil, email: "camille@lyon.example")
            try await database.query(
                "UPDATE sign_in_links SET expires_at = now() - interval '1 second' WHERE token_sha256 = \(Digest.sha256(old))"
            )
            #expect(try await Self.get(client, "/sign-in/\(old)").status == .forbidden)

            // Revoked: the open session ends at once and a fresh link does not work.
            let (_, fresh) = try await ContactRepository(database).invite(
                organisationId: 1, name: nil, email: "camille@lyon.example")
            _ = try await ContactRepository(database).revoke(organisationId: 1, email: "CAMILLE@lyon.example")
            let after = try await Self.get(client, "/", cookie: session)
            #expect(after.body.contains("On se connecte avec un lien reçu par courriel"))
            #expect(try await Self.get(client, "/sign-in/\(fresh)").status == .forbidden)
            #expect(try await database.count("SELECT count(*)::bigint FROM sessions WHERE ended_at IS NULL") == 0)
        }
    }

    @Test func aLinkAskedForByEmailRevealsNothingAndIsLimited() async throws {
        try await Self.withPortal { database, fixture, client in
            func mailedLinks() async throws -> [String] {
                try await database.query(
                    """
                    SELECT data->>'link' FROM mail_outbox
                    WHERE template = 'sign-in' AND recipient = 'camille@lyon.example' ORDER BY id
                    """
                ).decode(String.self)
            }
            let invited = try await mailedLinks().count
            let page = try await Self.get(client, "/sign-in")
            let setCookie = page.headers[.setCookie] ?? ""
            #expect(
                setCookie.hasPrefix("cfund_form=") && setCookie.contains("HttpOnly")
                    && setCookie.contains("SameSite=Strict"), "\(setCookie)")
            let cookie = String(setCookie.split(separator: ";")[0])
            let token = Self.csrf(page.body)
            #expect(!token.isEmpty && cookie == "cfund_form=\(token)")
            #expect(page.body.contains("Recevoir un lien de connexion"))

            // Without the page's token (another site's form, or none), nothing is asked.
            for (sentCookie, sentToken) in [(nil, token), (cookie, "forged"), (cookie, "")] {
                let forged = try await Self.post(
                    client, "/sign-in", cookie: sentCookie,
                    form: [("_csrf", sentToken), ("email", "camille@lyon.example")])
                #expect(forged.status == .forbidden)
            }
            #expect(try await mailedLinks().count == invited)

            // A known address (in any case, with spaces) and an unknown one get the same answer.
            let known = try await Self.post(
                client, "/sign-in", cookie: cookie, form: [("_csrf", token), ("email", "  Camille@Lyon.example ")])
            let unknown = try await Self.post(
                client, "/sign-in", cookie: cookie, form: [("_csrf", token), ("email", "nobody@lyon.example")])
            #expect(known.status == .seeOther && unknown.status == .seeOther)
            #expect(known.headers[.location] == unknown.headers[.location] && known.body == unknown.body)
            let notice = try await Self.get(client, known.headers[.location] ?? "", cookie: cookie)
            #expect(notice.body.contains("Si cette adresse est connue du Fonds"))
            let links = try await mailedLinks()
            #expect(links.count == invited + 1)
            #expect(
                try await database.query("SELECT count(*) FROM mail_outbox WHERE recipient = 'nobody@lyon.example'")
                    .decode(Int64.self) == [0])

            // The link mailed signs in.
            let signedIn = try await Self.get(client, "/sign-in/\(links.last ?? "")")
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/")

            // An address gets 3 links an hour however often it is asked for, and the answer never changes.
            for _ in 0..<3 {
                let again = try await Self.post(
                    client, "/sign-in", cookie: cookie, form: [("_csrf", token), ("email", "camille@lyon.example")])
                #expect(again.status == .seeOther && again.headers[.location] == unknown.headers[.location])
            }
            #expect(try await mailedLinks().count == invited + 3)

            // Not an address: said next to the field, nothing noted.
            let typo = try await Self.post(
                client, "/sign-in", cookie: cookie, form: [("_csrf", token), ("email", "camille.lyon.example")])
            #expect(typo.status == .unprocessableContent && typo.body.contains("Saisissez une adresse électronique"))

            // A client gets 10 requests in 15 minutes (5 so far); then it is told when to come back.
            for index in 0..<5 {
                let other = try await Self.post(
                    client, "/sign-in", cookie: cookie, form: [("_csrf", token), ("email", "x\(index)@example.org")])
                #expect(other.status == .seeOther)
            }
            let limited = try await Self.post(
                client, "/sign-in", cookie: cookie + "; cfund_lang=en",
                form: [("_csrf", token), ("email", "camille@lyon.example")])
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 800)
            #expect(
                limited.body.contains("Too many links were asked for from your connection. Try again in 15 minute(s)"))
            #expect(try await mailedLinks().count == invited + 3)
        }
    }

    @Test func contactsKeepTheirOrganisationsIdentifiersUpToDate() async throws {
        try await Self.withPortal { database, fixture, client in
            let (cookie, csrf) = try await Self.signIn(client, fixture.lyonLink)
            let page = try await Self.get(client, "/organisation", cookie: cookie)
            #expect(page.status == .ok && page.body.contains("Numéro RNA (associations)"))
            #expect(page.body.contains("href=\"/organisation\""))
            let wrong = try await Self.post(
                client, "/organisation", cookie: cookie,
                form: [("_csrf", csrf), ("siret", "123 456 789 00012"), ("rna", "")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("n&#39;est pas un SIRET") && wrong.body.contains("value=\"123 456 789 00012\""))
            let saved = try await Self.post(
                client, "/organisation", cookie: cookie,
                form: [("_csrf", csrf), ("siret", "130 025 265 00013"), ("rna", "w691234567")])
            #expect(saved.status == .seeOther)
            let lyon = try await OrganisationRepository(database).find("French Tech Lyon")
            #expect(lyon.siret == "13002526500013" && lyon.rna == "W691234567")
            let after = try await Self.get(client, saved.headers[.location] ?? "", cookie: cookie)
            #expect(after.body.contains("Les numéros de votre organisation sont enregistrés"))
            // Recorded as the contact's change.
            let actors = try await database.query(
                "SELECT actor FROM audit_events WHERE target = \("organisation:\(lyon.id)") AND action = 'organisation.update'"
            ).decode(String.self)
            #expect(actors.count == 1 && actors[0].hasPrefix("contact:"), "\(actors)")
        }
    }

    @Test func everyFormNeedsTheSessionsTokenAndNothingChangesWithoutIt() async throws {
        try await Self.withPortal { database, fixture, client in
            let (cookie, csrf) = try await Self.signIn(client, fixture.lyonLink)
            let before = try await database.count("SELECT count(*)::bigint FROM drafts")
            for token in ["", "forged", String(csrf.dropLast()) + "x"] {
                let refused = try await Self.post(
                    client, "/calls/\(fixture.openCall)/drafts", cookie: cookie, form: [("_csrf", token)])
                #expect(refused.status == .forbidden)
                #expect(refused.body.contains("Formulaire expiré"))
            }
            // Another session's token does not pass either.
            let (_, tokyoCSRF) = try await Self.signIn(client, fixture.tokyoLink)
            let crossed = try await Self.post(
                client, "/calls/\(fixture.openCall)/drafts", cookie: cookie, form: [("_csrf", tokyoCSRF)])
            #expect(crossed.status == .forbidden)
            #expect(try await database.count("SELECT count(*)::bigint FROM drafts") == before)
            let accepted = try await Self.post(
                client, "/calls/\(fixture.openCall)/drafts", cookie: cookie, form: [("_csrf", csrf)])
            #expect(accepted.status == .seeOther)
            #expect(try await database.count("SELECT count(*)::bigint FROM drafts") == before + 1)
            // Without a session at all: the sign-in page, nothing done.
            let anonymous = try await Self.post(
                client, "/calls/\(fixture.openCall)/drafts", cookie: nil, form: [("_csrf", csrf)])
            #expect(anonymous.status == .forbidden)
        }
    }

    @Test func refusalsAreSaidInTheReadersLanguageNextToTheirFields() async throws {
        try await Self.withPortal { database, fixture, client in
            let (tokyo, _) = try await Self.signIn(client, fixture.tokyoLink)
            let french = try await Self.get(client, "/", cookie: tokyo)
            #expect(french.body.contains("est une Communauté French Tech à l&#39;étranger"))
            let english = try await Self.get(client, "/", cookie: tokyo, headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(english.body.contains("is a community_abroad; this call is open to capital only"))
            #expect(english.body.contains("<html lang=\"en\">"))
            let chosen = try await Self.get(client, "/?lang=en", cookie: tokyo)
            #expect(chosen.headers[.setCookie]?.hasPrefix("cfund_lang=en") == true)

            let (cookie, csrf) = try await Self.signIn(client, fixture.lyonLink)
            let started = try await Self.post(
                client, "/calls/\(fixture.openCall)/drafts", cookie: cookie, form: [("_csrf", csrf)])
            let draft = started.headers[.location] ?? ""
            let refused = try await Self.post(
                client, draft, cookie: cookie,
                form: [
                    ("_csrf", csrf), ("action", "submit"), ("title", "  ab\u{200B}"), ("requested", "12,345"),
                    ("total_cost", "1000"), ("contact_name", "Camille"), ("contact_email", "camille@lyon.example"),
                ])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("doit compter de 3 à 200 caractères (il en compte 2)"))
            #expect(refused.body.contains("écrivez une somme en euros"))
            #expect(refused.body.contains("l&#39;appel demande un fichier : budget prévisionnel"))
            #expect(refused.body.contains("value=\"12,345\""))
            #expect(refused.body.contains("aria-invalid=\"true\""))
            #expect(try await database.count("SELECT count(*)::bigint FROM submissions") == 0)

            // A draft of a call whose deadline has passed is refused with the window.
            let late = try await Self.post(
                client, "/drafts/\(fixture.lateDraft)", cookie: cookie,
                form: [
                    ("_csrf", csrf), ("action", "submit"), ("title", "Tremplin Lyon, first round"),
                    ("requested", "10000"), ("total_cost", "20000"), ("ambitions[]", "green_tech"),
                    ("contact_name", "Camille"), ("contact_email", "camille@lyon.example"),
                ])
            #expect(late.status == .conflict)
            #expect(late.body.contains("reçoit des dossiers du 13/11/2024 à 00:00 (heure de Paris)"))
            // Someone else's draft is not found, nor a page nobody made; the API keeps its JSON.
            #expect(try await Self.get(client, draft, cookie: tokyo).status == .notFound)
            let typo = try await Self.get(client, "/aplications", headers: [.accept: "text/html"])
            #expect(typo.status == .notFound && typo.body.contains("Page introuvable"))
            let api = try await Self.get(client, "/v1/nothing", headers: [.accept: "text/html"])
            #expect(api.status == .notFound && api.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func filesAreKnownByContentStoredInChunksAndCoveredByTheReceipt() async throws {
        try await Self.withPortal { database, fixture, client in
            let token = try await TokenRepository(database).issue(for: 1).token
            func upload(_ bytes: [UInt8], kind: String, name: String) async throws -> (
                HTTPResponse.Status, [String: Any]
            ) {
                try await client.execute(
                    uri: "/v1/attachments?kind=\(kind)", method: .post,
                    headers: [
                        .authorization: "Bearer \(token)", .contentDisposition: "attachment; filename=\"\(name)\"",
                    ],
                    body: ByteBuffer(bytes: bytes)
                ) { ($0.status, IntakeTests.json($0)) }
            }
            // Three megabytes of PDF: twelve chunks of 256 KiB, hashed on the way in.
            let pdf = Array("%PDF-1.7\n".utf8) + (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let (status, stored) = try await upload(pdf, kind: "description", name: "C:\\Users\\camille\\projet.pdf")
            #expect(status == .created)
            #expect(stored["sha256"] as? String == Digest.sha256(pdf))
            #expect(stored["fileName"] as? String == "projet.pdf")
            #expect(stored["mediaType"] as? String == "application/pdf")
            let id = Int64(stored["id"] as? Int ?? 0)
            #expect(
                try await database.count("SELECT count(*)::bigint FROM attachment_chunks WHERE attachment_id = \(id)")
                    == 12)
            let downloaded = try await client.execute(
                uri: "/v1/attachments/\(id)", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { Array(buffer: $0.body) }
            // Compared by size and digest: a failed comparison of 3 MB arrays would spend an hour diffing.
            #expect(downloaded.count == pdf.count && Digest.sha256(downloaded) == Digest.sha256(pdf))

            // Named .pdf, but text: refused, nothing kept.
            let (fake, problem) = try await upload(Array("hello".utf8), kind: "budget", name: "budget.pdf")
            #expect(fake == .unprocessableContent)
            #expect((problem["detail"] as? String)?.contains("not one the fund accepts") == true)
            #expect(try await database.count("SELECT count(*)::bigint FROM attachments") == 1)

            // Submitted with its files: the call's required kinds apply, the receipt covers the hashes.
            let body = IntakeFixture.body(requestedCents: 4_000_000)
            let missing = try await IntakeTests.post(
                client, call: fixture.openCall, token: token,
                body: String(body.dropLast()) + ", \"attachments\": [\(id)]}")
            #expect(missing.0 == .unprocessableContent)
            #expect(HostileTextTests.fields(missing.1) == ["attachments.budget"])
            let xlsx = try await upload(Self.spreadsheet, kind: "budget", name: "budget.xlsx")
            #expect(xlsx.1["mediaType"] as? String == FileType.xlsx.rawValue)
            let budget = xlsx.1["id"] as? Int ?? 0
            let (created, submission) = try await IntakeTests.post(
                client, call: fixture.openCall, token: token,
                body: String(body.dropLast()) + ", \"attachments\": [\(id), \(budget)]}", key: "with-files")
            #expect(created == .created)
            let covers = (submission["receipt"] as? [String: Any])?["covers"] as? String ?? ""
            #expect(covers.contains("attachment=description \(stored["sha256"] as? String ?? "?") 3000009 projet.pdf"))
            #expect((submission["attachments"] as? [Any])?.count == 2)
            // Another organisation cannot read the file.
            let tokyo = try await TokenRepository(database).issue(for: 2).token
            let foreign = try await client.execute(
                uri: "/v1/attachments/\(id)", method: .get, headers: [.authorization: "Bearer \(tokyo)"]
            ) { $0.status }
            #expect(foreign == .notFound)
        }
    }

    /// The smallest Office Open XML spreadsheet the sniffer recognises.
    static let spreadsheet: [UInt8] = {
        func entry(_ name: String, _ content: String) -> [UInt8] {
            let nameBytes = Array(name.utf8)
            let data = Array(content.utf8)
            var header: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            for value in [UInt32(data.count), UInt32(data.count)] {
                header += withUnsafeBytes(of: value.littleEndian, Array.init)
            }
            header += withUnsafeBytes(of: UInt16(nameBytes.count).littleEndian, Array.init) + [0, 0]
            return header + nameBytes + data
        }
        return entry("[Content_Types].xml", "<Types/>") + entry("xl/workbook.xml", "<workbook/>")
    }()
}
