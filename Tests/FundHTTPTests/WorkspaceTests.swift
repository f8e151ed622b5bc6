import Foundation
import FundCore
import FundHTTP
import FundReports
import FundStore
import FundTestSupport
import FundWeb
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The reviewers' workspace and the admin pages through their routes: who sees what, scoring
/// and finalising, recusal, the review deadline, the reports. `WorkspaceBrowserTests` walks the
/// same in Chromium.
@Suite("The reviewers' workspace and the admin pages")
struct WorkspaceTests {
    typealias Client = PortalTests.Client

    static func withWorkspace(
        _ body: @Sendable (Database, WorkspaceFixture, Client) async throws -> Void
    ) async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let app = Application(router: patientRouter(database))
            try await app.test(.router) { client in try await body(database, fixture, client) }
        }
    }

    /// Follows a sign-in link to the holder's home; the session cookie and that page's form token.
    static func signIn(_ client: Client, _ link: String) async throws -> (cookie: String, csrf: String) {
        let signedIn = try await PortalTests.get(client, link)
        #expect(signedIn.status == .seeOther)
        let cookie = String((signedIn.headers[.setCookie] ?? "").split(separator: ";")[0])
        let home = try await PortalTests.get(client, signedIn.headers[.location] ?? "/", cookie: cookie)
        return (cookie, PortalTests.csrf(home.body))
    }

    /// A form posted as a browser posts one with a file input: multipart, the fields first, then
    /// the file (an empty part when none is chosen).
    static func multipart(
        _ client: Client, _ uri: String, _ cookie: String, _ fields: [(String, String)],
        file: (name: String, bytes: [UInt8])? = nil
    ) async throws -> PortalTests.Page {
        let boundary = "cfund-test-boundary-7d1"
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file?.name ?? "")\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(file?.bytes ?? [])
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await client.execute(
            uri: uri, method: .post,
            headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: cookie], body: body
        ) { response in
            PortalTests.Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    static func get(_ client: Client, _ uri: String, _ cookie: String) async throws -> PortalTests.Page {
        try await PortalTests.get(client, uri, cookie: cookie)
    }

    static func post(_ client: Client, _ uri: String, _ cookie: String, _ form: [(String, String)]) async throws
        -> PortalTests.Page
    {
        try await PortalTests.post(client, uri, cookie: cookie, form: form)
    }

    @Test func everyoneReachesOnlyTheirOwnPages() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let (applicant, _) = try await Self.signIn(client, fixture.applicantLink)
            let (alice, _) = try await Self.signIn(client, fixture.aliceLink)
            let (finance, financeCSRF) = try await Self.signIn(client, fixture.financeLink)
            let (programme, _) = try await Self.signIn(client, fixture.programmeLink)
            let call = fixture.callId
            let reviewerPages = ["/review", "/review/\(fixture.aliceAssignment)", "/review/\(fixture.brunoOnLyon)"]
            let adminPages = ["/admin", "/admin/calls/\(call)", "/admin/calls/\(call)/reports/reviews.csv"]
            let applicantPages = ["/applications", "/applications/\(fixture.lyonSubmission)"]

            // Each kind of person is sent home by the sign-in link: the portal, the reviews, the calls.
            #expect(try await PortalTests.get(client, fixture.brunoLink).headers[.location] == "/review")
            for page in reviewerPages + adminPages {
                let seen = try await Self.get(client, page, applicant)
                #expect(seen.status == .notFound, "an applicant reached \(page)")
                #expect(seen.body.contains("Page introuvable"))
            }
            #expect(try await Self.get(client, "/applications", applicant).status == .ok)
            for page in adminPages + applicantPages + ["/review/\(fixture.brunoOnLyon)"] {
                #expect(try await Self.get(client, page, alice).status == .notFound, "a reviewer reached \(page)")
            }
            for page in reviewerPages + applicantPages {
                #expect(try await Self.get(client, page, programme).status == .notFound, "an admin reached \(page)")
            }

            // Alice reviews Côte d'Azur only: Lyon, her own Capital, is not even named to her.
            let mine = try await Self.get(client, "/review", alice)
            #expect(mine.body.contains("Azur Scale") && !mine.body.contains("Tremplin Lyon"))
            #expect(try await Self.get(client, "/review/\(fixture.aliceAssignment)", alice).status == .ok)

            // Finance reads everything and acts on nothing: no button, and the action itself is not found.
            let page = try await Self.get(client, "/admin/calls/\(call)", finance)
            #expect(page.status == .ok && page.body.contains("Tremplin Lyon") && page.body.contains("reviews.csv"))
            #expect(!page.body.contains("/admin/calls/\(call)/assign"))
            #expect(try await Self.get(client, "/admin/calls/\(call)/assign", finance).status == .notFound)
            let before = try await database.count("SELECT count(*)::bigint FROM assignments")
            let refused = try await Self.post(client, "/admin/calls/\(call)/assign", finance, [("_csrf", financeCSRF)])
            #expect(refused.status == .notFound)
            #expect(try await database.count("SELECT count(*)::bigint FROM assignments") == before)
            #expect(try await Self.get(client, "/admin/calls/\(call)/assign", programme).status == .ok)

            // Without a session: the sign-in page, and nothing of the call.
            let anonymous = try await PortalTests.get(client, "/admin/calls/\(call)")
            #expect(!anonymous.body.contains("Tremplin Lyon"))
            #expect(anonymous.body.contains("lien de connexion"))
        }
    }

    @Test func aReviewerScoresSavesAndFinalisesWithAConfirmation() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let (bruno, csrf) = try await Self.signIn(client, fixture.brunoLink)
            let id = fixture.brunoOnLyon
            let sheet = try await Self.get(client, "/review/\(id)", bruno)
            #expect(sheet.body.contains("description.pdf") && sheet.body.contains("name=\"score_impact\""))

            // The submission's file, downloaded or shown in the browser, sandboxed; not through
            // another assignment's address.
            let download = try await Self.get(client, "/review/\(id)/files/\(fixture.lyonFile)", bruno)
            #expect(download.body == WorkspaceFixture.pdf)
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            let inline = try await Self.get(client, "/review/\(id)/files/\(fixture.lyonFile)?view=1", bruno)
            #expect(inline.headers[.contentDisposition]?.hasPrefix("inline") == true)
            #expect(inline.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            let crossed = try await Self.get(client, "/review/\(fixture.brunoOnNice)/files/\(fixture.lyonFile)", bruno)
            #expect(crossed.status == .notFound)

            // Off the scale's step: refused next to the criterion, in French, what was typed kept.
            let offStep = try await Self.post(
                client, "/review/\(id)", bruno,
                [("_csrf", csrf), ("action", "save"), ("score_impact", "4,25"), ("comment_impact", "Solide")])
            #expect(offStep.status == .unprocessableContent)
            #expect(offStep.body.contains("id=\"error-impact\"") && offStep.body.contains(">Solide</textarea>"))
            let scored = "SELECT count(*)::bigint FROM reviews WHERE assignment_id = \(id) AND scores <> '{}'"
            #expect(try await database.count(scored) == 0)

            // A draft of one criterion is saved; asking to finalise it names what is missing.
            let draft = try await Self.post(
                client, "/review/\(id)", bruno,
                [("_csrf", csrf), ("action", "save"), ("score_impact", "4"), ("comment_impact", "Solide")])
            #expect(draft.status == .seeOther)
            let early = try await Self.post(
                client, "/review/\(id)", bruno, [("_csrf", csrf), ("action", "finalise"), ("score_impact", "4")])
            #expect(early.status == .unprocessableContent)
            #expect(early.body.contains("id=\"error-feasibility\""))

            // Complete, then the confirmation: nothing is final until it is confirmed.
            let complete: [(String, String)] = [
                ("_csrf", csrf), ("action", "finalise"), ("score_impact", "4"), ("score_ambitions", "3.5"),
                ("score_feasibility", "3"), ("score_inclusion", "5"), ("comment_impact", "Solide"),
            ]
            let confirm = try await Self.post(client, "/review/\(id)", bruno, complete)
            #expect(confirm.status == .ok && confirm.body.contains("action=\"/review/\(id)/finalise\""))
            let final = "SELECT count(*)::bigint FROM reviews WHERE assignment_id = \(id) AND final"
            #expect(try await database.count(final) == 0)
            let done = try await Self.post(client, "/review/\(id)/finalise", bruno, [("_csrf", csrf)])
            #expect(done.status == .seeOther && done.headers[.location]?.hasPrefix("/review") == true)
            #expect(try await database.count(final) == 1)
            let stored = try await database.query(
                "SELECT scores->>'ambitions', comments->>'impact' FROM reviews WHERE assignment_id = \(id)"
            ).decode((String, String).self)
            #expect(stored.first?.0 == "3500" && stored.first?.1 == "Solide", "scores are stored in thousandths")
            let actors = try await database.query(
                "SELECT DISTINCT actor FROM audit_events WHERE target = \("review:\(id)")"
            ).decode(String.self)
            #expect(actors.count == 1 && actors[0].hasPrefix("reviewer:"))

            // A final review is read-only here; the form refuses a late change in words.
            let after = try await Self.get(client, "/review/\(id)", bruno)
            #expect(!after.body.contains("name=\"score_impact\""))
            let late = try await Self.post(
                client, "/review/\(id)", bruno, [("_csrf", csrf), ("action", "save"), ("score_impact", "1")])
            #expect(late.status == .conflict)
            #expect(try await database.count("SELECT count(*)::bigint FROM reviews WHERE scores->>'impact' = '1'") == 0)
            // Without the form's token nothing is saved.
            let forged = try await Self.post(
                client, "/review/\(fixture.brunoOnNice)", bruno, [("action", "save"), ("score_impact", "2")])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func aRecusalWithdrawsTheAssignmentAndTheTeamFillsTheGap() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let (bruno, csrf) = try await Self.signIn(client, fixture.brunoLink)
            let id = fixture.brunoOnLyon
            let blank = try await Self.post(
                client, "/review/\(id)/recuse", bruno, [("_csrf", csrf), ("reason", " \u{200B} ")])
            #expect(blank.status == .unprocessableContent && blank.body.contains("id=\"reason-error\""))
            let reason = "J'ai conseillé French Tech Lyon sur ce projet en 2024."
            let recused = try await Self.post(
                client, "/review/\(id)/recuse", bruno, [("_csrf", csrf), ("reason", reason)])
            #expect(recused.status == .seeOther)
            #expect(try await database.count("SELECT count(*)::bigint FROM assignments WHERE id = \(id)") == 0)
            #expect(try await Self.get(client, "/review/\(id)", bruno).status == .notFound)
            let recusals = try await ReviewRepository(database).recusals(callId: fixture.callId)
            #expect(recusals.map(\.reason) == [reason])
            let audited = try await database.query(
                "SELECT actor FROM audit_events WHERE action LIKE 'recusal%' OR action LIKE 'assignment.withdraw%'"
            ).decode(String.self)
            #expect(!audited.isEmpty && audited.allSatisfy { $0.hasPrefix("reviewer:") }, "\(audited)")

            // The programme team sees it on the call's page and assigns the gap from the web, in
            // its own name; the recused reviewer is never given the submission back.
            let (programme, programmeCSRF) = try await Self.signIn(client, fixture.programmeLink)
            let page = try await Self.get(client, "/admin/calls/\(fixture.callId)", programme)
            #expect(page.body.contains("J&#39;ai conseillé French Tech Lyon"))
            // The decided call keeps Bruno's final review of Lyon: the decision rests on it.
            let kept = try await database.count(
                """
                SELECT count(*)::bigint FROM assignments a JOIN reviews r ON r.assignment_id = a.id
                WHERE a.call_id = \(fixture.decidedCallId) AND r.final
                """)
            #expect(kept == 4)
            let question = try await Self.get(client, "/admin/calls/\(fixture.callId)/assign", programme)
            #expect(question.body.contains("1 évaluation(s) manquent"))
            let assigned = try await Self.post(
                client, "/admin/calls/\(fixture.callId)/assign", programme, [("_csrf", programmeCSRF)])
            #expect(assigned.status == .seeOther)
            let lyonReviewers = try await database.query(
                """
                SELECT r.name FROM assignments a JOIN reviewers r ON r.id = a.reviewer_id
                WHERE a.submission_id = \(fixture.lyonSubmission) ORDER BY r.name
                """
            ).decode(String.self)
            #expect(lyonReviewers.count == 2 && lyonReviewers.contains("David Roux"), "\(lyonReviewers)")
            #expect(!lyonReviewers.contains("Bruno Petit"))
            let actor = try await database.query(
                "SELECT actor FROM audit_events WHERE action = 'assignment.create' ORDER BY id DESC LIMIT 1"
            ).decode(String.self)
            #expect(actor.first?.hasPrefix("admin:") == true, "\(actor)")
            let nothing = try await Self.get(client, "/admin/calls/\(fixture.callId)/assign", programme)
            #expect(nothing.body.contains("rien à confier"))

            // Once the call is decided a conflict is no longer withdrawn from the web.
            let (alice, aliceCSRF) = try await Self.signIn(client, fixture.aliceLink)
            let decided = try await database.query(
                """
                SELECT a.id FROM assignments a JOIN reviewers r ON r.id = a.reviewer_id
                WHERE a.call_id = \(fixture.decidedCallId) AND r.id = \(fixture.aliceId)
                """
            ).decode(Int64.self)
            for assignment in decided {
                let late = try await Self.post(
                    client, "/review/\(assignment)/recuse", alice, [("_csrf", aliceCSRF), ("reason", "Conflit")])
                #expect(late.status == .conflict)
                #expect(late.body.contains("décidé"), "\(late.body)")
            }
        }
    }

    @Test func afterTheReviewDeadlineDraftsAreKeptAndFinalisedOnlyOnceExtended() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let calls = CallRepository(database)
            let call = try await calls.find(id: fixture.callId)
            let due = call.closesAt.addingTimeInterval(7 * 86_400)
            _ = try await calls.setReviewDeadline(String(fixture.callId), until: due)
            try await SimulatedClock(database).set(due.addingTimeInterval(60))

            let (bruno, csrf) = try await Self.signIn(client, fixture.brunoLink)
            let id = fixture.brunoOnLyon
            let complete: [(String, String)] = [
                ("_csrf", csrf), ("score_impact", "4"), ("score_ambitions", "3.5"), ("score_feasibility", "3"),
                ("score_inclusion", "5"),
            ]
            let sheet = try await Self.get(client, "/review/\(id)", bruno)
            #expect(sheet.body.contains("class=\"refusal\"") && !sheet.body.contains("value=\"finalise\""))
            let saved = try await Self.post(client, "/review/\(id)", bruno, complete + [("action", "save")])
            #expect(saved.status == .seeOther)
            let refused = try await Self.post(client, "/review/\(id)/finalise", bruno, [("_csrf", csrf)])
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("date limite"), "\(refused.body)")
            let final = "SELECT count(*)::bigint FROM reviews WHERE assignment_id = \(id) AND final"
            #expect(try await database.count(final) == 0)
            #expect(try await database.count("SELECT count(*)::bigint FROM reviews WHERE assignment_id = \(id)") == 1)

            // The API says the same, as a problem.
            let token = try await TokenRepository(database, holder: .reviewer).issue(
                for: try await ReviewerRepository(database).find("bruno@example.org").id
            ).token
            let api = try await ReviewsAPITests.call(
                client, .put, "/v1/reviews/\(id)", token: token,
                body: #"{"scores": {"impact": 4, "ambitions": 3.5, "feasibility": 3, "inclusion": 5}, "final": true}"#)
            #expect(api.0 == .conflict)
            #expect((api.1["type"] as? String)?.hasSuffix("reviews-due") == true)

            // Extended: the draft is finalised as it was saved.
            _ = try await calls.setReviewDeadline(String(fixture.callId), until: due.addingTimeInterval(86_400))
            let done = try await Self.post(client, "/review/\(id)/finalise", bruno, [("_csrf", csrf)])
            #expect(done.status == .seeOther)
            #expect(try await database.count(final) == 1)
        }
    }

    @Test func anApplicantReadsAndPrintsTheirDecisionLettersAndNoOneElses() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let (lyon, nice) = (fixture.lyonFunded, fixture.niceFunded)
            let (cookie, _) = try await Self.signIn(client, fixture.applicantLink)
            let application = try await Self.get(client, "/applications/\(lyon)", cookie)
            #expect(application.body.contains("Courriers du Fonds"))
            let letters = try await Outbox(database).letters(submissionId: lyon)
            #expect(letters.map(\.template) == ["decision.funded"])
            let letterId = try #require(letters.first?.id)
            #expect(application.body.contains("href=\"/applications/\(lyon)/letters/\(letterId)\""))

            let letter = try await Self.get(client, "/applications/\(lyon)/letters/\(letterId)", cookie)
            #expect(letter.status == .ok)
            #expect(letter.body.contains("Décision : « Lyon Founders Week » est financé"), "\(letter.body)")
            #expect(letter.body.contains("Somme accordée</dt><dd>40"))
            #expect(letter.body.contains("camille@lyon.example") && letter.body.contains("imprimez cette page"))
            let english = try await Self.get(client, "/applications/\(lyon)/letters/\(letterId)?lang=en", cookie)
            #expect(english.body.contains("Decision: \u{201C}Lyon Founders Week\u{201D} is funded"))

            // Another organisation's letter, or a letter under another application, is not found.
            let theirs = try #require(try await Outbox(database).letters(submissionId: nice).first?.id)
            #expect(try await Self.get(client, "/applications/\(nice)/letters/\(theirs)", cookie).status == .notFound)
            #expect(try await Self.get(client, "/applications/\(lyon)/letters/\(theirs)", cookie).status == .notFound)
            #expect(try await Self.get(client, "/applications/\(lyon)/letters/abc", cookie).status == .notFound)
            // A reviewer's session reaches no applicant's page.
            let (reviewer, _) = try await Self.signIn(client, fixture.brunoLink)
            #expect(
                try await Self.get(client, "/applications/\(lyon)/letters/\(letterId)", reviewer).status == .notFound)
        }
    }

    @Test func everyonesMailIsInTheLanguageTheyChose() async throws {
        try await Self.withWorkspace { database, fixture, client in
            func language(_ table: String, _ email: String) async throws -> String? {
                try await database.query(
                    "SELECT language FROM \(unescaped: table) WHERE email = \(email)"
                ).decode(String.self).first
            }
            #expect(try await language("reviewers", "bruno@example.org") == "fr")
            // The site's language switch becomes the language of their mail, for every kind of person.
            let (bruno, _) = try await Self.signIn(client, fixture.brunoLink)
            #expect(try await Self.get(client, "/review?lang=en", bruno).status == .ok)
            #expect(try await language("reviewers", "bruno@example.org") == "en")
            let (programme, _) = try await Self.signIn(client, fixture.programmeLink)
            _ = try await Self.get(client, "/admin?lang=en", programme)
            #expect(try await language("admins", "camille@fund.example") == "en")
            let (applicant, _) = try await Self.signIn(client, fixture.applicantLink)
            _ = try await Self.get(client, "/?lang=en", applicant)
            _ = try await Self.get(client, "/?lang=fr", applicant)
            #expect(try await language("contacts", "lea@lyon.example") == "fr")

            // Bruno's next link comes in English; so does an assignment to a reviewer added in English.
            let brunoId = try #require(
                try await database.query("SELECT id FROM reviewers WHERE email = 'bruno@example.org'").decode(
                    Int64.self
                )
                .first)
            _ = try await ReviewerRepository(database).invite(reviewerId: brunoId)
            let link = try #require(try await Outbox(database).list(to: "bruno@example.org", template: "sign-in").first)
            #expect(link.language == .en)
            let eve = try await ReviewerRepository(database).add(
                name: "Eve Moreau", email: "eve@example.org", affiliationId: nil, language: .en)
            try await database.query(
                "INSERT INTO assignments (call_id, submission_id, reviewer_id) VALUES (\(fixture.callId), \(fixture.lyonSubmission), \(eve))"
            )
            let assigned = try #require(try await Outbox(database).list(to: "eve@example.org").first)
            #expect(assigned.template == "review.assigned" && assigned.language == .en)
            let renderer = MailRenderer(templates: try await WebTemplates.load(), database: database, publicURL: "")
            #expect(try await renderer.render(assigned).subject.hasPrefix("Applications to review"))
            #expect(try await renderer.render(link).subject == "Your sign-in link to the French Tech Community Fund")
        }
    }

    @Test func theOpenDataPageIsPublicAndItsFilesAreTheCLIs() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let lyon = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.lyonFunded
                })
            _ = try await finance.sign(grantId: lyon.id, on: try CalendarDay(parsing: "2024-12-10"), signatories: "Léa")
            let funder = Funder(name: "Mission French Tech", siret: "11000201100044")
            let published = Application(
                router: buildRouter(
                    database: database, limits: ServerLimits(requestTimeout: .seconds(60)), funder: funder))
            try await published.test(.router) { client in
                // No session needed; one signed agreement, one not yet.
                let page = try await PortalTests.get(client, "/open-data")
                #expect(page.status == .ok)
                #expect(page.body.contains("Lyon Founders Week") && !page.body.contains("Azur Talent Days"))
                #expect(page.body.contains("href=\"/open-data/subventions.csv\""))
                let csv = try await PortalTests.get(client, "/open-data/subventions.csv")
                #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
                let rows = try OpenData.rows(
                    accounts: try await finance.accounts().filter { $0.agreement?.signedOn != nil },
                    payments: try await finance.payments(), funder: funder)
                #expect(csv.body == OpenData.csv(rows))
                let json = try await PortalTests.get(client, "/open-data/subventions.json?lang=en")
                #expect(json.body == OpenData.json(rows))
                let english = try await PortalTests.get(client, "/open-data?lang=en")
                #expect(english.body.contains("Open data: the grants awarded"))
            }
            // A server without the fund's SIRET says so on the page and does not serve the files.
            let unconfigured = Application(router: buildRouter(database: database, funder: nil))
            try await unconfigured.test(.router) { client in
                let page = try await PortalTests.get(client, "/open-data")
                #expect(page.status == .ok && page.body.contains("CFUND_FUNDER_SIRET"))
                #expect(try await PortalTests.get(client, "/open-data/subventions.csv").status == .serviceUnavailable)
            }
        }
    }

    @Test func aGranteeFollowsItsGrantAndFilesItsFinalReportOnThePortal() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let finance = FinanceRepository(database)
            let grant = try #require(try await finance.accounts(submissionId: fixture.lyonFunded).first)
            _ = try await finance.sign(
                grantId: grant.id, on: try CalendarDay(parsing: "2024-12-10"), signatories: "Léa")
            _ = try await finance.pay(
                grantId: grant.id, amount: Money(cents: 2_000_000), on: try CalendarDay(parsing: "2024-12-12"),
                reference: "VIR-1")
            let (cookie, csrf) = try await Self.signIn(client, fixture.applicantLink)
            let page = try await Self.get(client, "/applications/\(fixture.lyonFunded)", cookie)
            #expect(page.body.contains("Subvention") && page.body.contains("signée le 10/12/2024"))
            #expect(page.body.contains("le solde, après l&#39;acceptation du compte rendu financier"), "\(page.body)")
            #expect(page.body.contains("href=\"/applications/\(fixture.lyonFunded)/final-report\""))
            let form = try await Self.get(client, "/applications/\(fixture.lyonFunded)/final-report", cookie)
            #expect(form.status == .ok && form.body.contains("Coût réel total du projet"))

            // Mistakes are said next to their fields, in French, and what was typed is kept.
            let uri = "/applications/\(fixture.lyonFunded)/final-report"
            let wrong = try await Self.multipart(
                client, uri, cookie,
                [
                    ("_csrf", csrf), ("actualCost", "30 000,xx"), ("label0", "Salles"), ("amount0", "10 000"),
                    ("narrative", ""),
                ])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("écrivez une somme en euros") && wrong.body.contains("value=\"Salles\""))
            let unbalanced = try await Self.multipart(
                client, uri, cookie,
                [
                    ("_csrf", csrf), ("actualCost", "30 000"), ("label0", "Salles"), ("amount0", "10 000"),
                    ("narrative", "Trois événements."),
                ])
            #expect(unbalanced.status == .unprocessableContent)
            #expect(unbalanced.body.contains("les postes s&#39;additionnent à"), "\(unbalanced.body)")
            // A supporting file is known by its content: a text named .pdf is refused next to the field.
            let fake = try await Self.multipart(
                client, uri, cookie,
                [("_csrf", csrf), ("actualCost", "30 000"), ("narrative", "Trois événements.")],
                file: ("factures.pdf", Array("pas un PDF".utf8)))
            #expect(fake.status == .unprocessableContent && fake.body.contains("id=\"file-error\""), "\(fake.body)")

            let filed = try await Self.multipart(
                client, uri, cookie,
                [
                    ("_csrf", csrf), ("actualCost", "30 000,00"), ("label0", "Salles"), ("amount0", "10 000"),
                    ("label1", "Communication"), ("amount1", "20 000"), ("label2", ""), ("amount2", ""),
                    ("narrative", "Trois événements, 240 participants."),
                ], file: ("factures.pdf", Array(WorkspaceFixture.pdf.utf8)))
            #expect(filed.status == .seeOther)
            let after = try await Self.get(client, filed.headers[.location] ?? "", cookie)
            #expect(
                after.body.contains("Votre compte rendu financier est déposé")
                    && after.body.contains("déposé, en cours d&#39;examen"))
            let report = try #require(try await FinalReportRepository(database).reports(grantId: grant.id).first)
            #expect(
                report.spending.map(\.line) == ["Salles", "Communication"]
                    && report.actualCost == Money(cents: 3_000_000))
            // Filed once: the form is refused until the team returns it.
            #expect(
                try await Self.get(client, "/applications/\(fixture.lyonFunded)/final-report", cookie).status
                    == .conflict)
            // Another organisation's application has no form for this grantee.
            #expect(
                try await Self.get(client, "/applications/\(fixture.niceFunded)/final-report", cookie).status
                    == .notFound)
        }
    }

    @Test func theReportsAreTheFilesTheCLIWrites() async throws {
        try await Self.withWorkspace { database, fixture, client in
            let (finance, _) = try await Self.signIn(client, fixture.financeLink)
            let call = try await CallRepository(database).find(id: fixture.decidedCallId)
            let page = try await Self.get(client, "/admin/calls/\(call.id)", finance)
            #expect(page.body.contains("Ligne de financement") || page.body.contains("Accordé"))
            for (name, excel, json) in [
                ("allocations.csv", false, false), ("allocations-excel.csv", true, false),
                ("allocations.json", false, true),
            ] {
                let sink = TextSink()
                try await CallReports.allocations(
                    call: call, format: json ? .json : .csv, excel: excel, database: database, to: sink)
                let served = try await Self.get(client, "/admin/calls/\(call.id)/reports/\(name)", finance)
                #expect(served.status == .ok)
                #expect(served.body == sink.text, "\(name)")
                #expect(served.headers[.contentDisposition]?.contains("attachment") == true)
            }
            let reviews = TextSink()
            try await CallReports.reviews(call: call, excel: false, database: database, to: reviews)
            #expect(
                try await Self.get(client, "/admin/calls/\(call.id)/reports/reviews.csv", finance).body == reviews.text)
            // The call in review has no decision to report yet.
            let undecided = try await Self.get(
                client, "/admin/calls/\(fixture.callId)/reports/allocations.csv", finance)
            #expect(undecided.status == .notFound)
            let summary = try await Self.get(client, "/admin/calls/\(call.id)/reports/summary.html", finance)
            #expect(summary.body.contains("<div class=\"call-report\">") && summary.body.contains("Lyon Founders Week"))
        }
    }
}
