import Foundation
import FundCore
import FundHTTP
import FundMail
import FundReports
import FundStore
import FundWeb

/// The figures the demo ends with; deterministic, so the test suite asserts them.
struct DemoSummary: Sendable {
    var callTitle = ""
    var received = 0
    var replayed = 0
    var amended = 0
    var withdrawn = 0
    var refusedIneligible = 0
    var refusedLate = 0
    var ranked = 0
    var fundable = 0
    var funded = 0
    var granted = Money.zero
    var budget = Money.zero
    var reserve = 0
    var reserveTotal = Money.zero
    var envelopeName = ""
    var envelopeTotal = Money.zero
    var envelopeGranted = Money.zero
    var agreementsSigned = 0
    var advancesPaid = Money.zero
    var openDataRows = 0
    var settledGrant = ""
    var auditEvents: Int64 = 0
    var files: [String] = []
    var serverURL = ""
    var applicantToken = ""
    var reviewerToken = ""
    var sampleSubmission: Int64 = 0
    /// A sign-in link of French Tech Paris's programme manager to the portal.
    var portalLink = ""
    /// Sign-in links of a reviewer to their workspace, and of the Fund's programme and finance
    /// people to /admin.
    var reviewerLink = ""
    var reviewerName = ""
    var programmeLink = ""
    var financeLink = ""

    func print(elapsed: Int64, folder: String, database: String) {
        Swift.print(
            """
            Demo round of "\(callTitle)" (\(elapsed) s)
              Submissions: \(received) received over HTTP (\(replayed) retry replayed, \(amended) amended, \
            \(withdrawn) withdrawn); refused: \(refusedIneligible) ineligible, \(refusedLate) late
              Ranked: \(ranked) eligible, \(fundable) fundable
              Funded: \(funded) projects, \(granted.french) of \(budget.french); reserve list: \(reserve) \
            (\(reserveTotal.french) requested)
              Envelope "\(envelopeName)": \(envelopeTotal.french); granted \(envelopeGranted.french); \
            left \(envelopeTotal.subtracting(envelopeGranted).french)
              After the decision: \(agreementsSigned) agreements signed, \(advancesPaid.french) of advances paid, \
            \(openDataRows) grants in the open-data file; final report accepted: \(settledGrant)
              Audit chain: \(auditEvents) events, intact
              Files: \(files.map { "\(folder)/\($0)" }.joined(separator: ", "))
              Database: \(database)
            """)
        guard !serverURL.isEmpty else { return }
        Swift.print(
            """

            The server is still running at \(serverURL) (Ctrl-C stops it). Try:
              the applicants' portal, as French Tech Paris's programme manager (each link works once, 7 days):
                \(portalLink)
              the reviewers' workspace, as \(reviewerName):
                \(reviewerLink)
              where every call stands, as the Fund's programme team (acts) and as finance (reads):
                \(programmeLink)
                \(financeLink)
              curl \(serverURL)/v1/calls
              curl -H 'Authorization: Bearer \(applicantToken)' \(serverURL)/v1/submissions/\(sampleSubmission)
              curl -H 'Authorization: Bearer \(reviewerToken)' \(serverURL)/v1/reviews
            """)
    }
}

/// One funding round, step by step, as the programme team, the applicants and the reviewers
/// would play it. The team's steps call the same repositories as the CLI; applicants and
/// reviewers go through HTTP.
struct DemoRound: Sendable {
    let database: Database
    let narrator: DemoNarrator
    let folder: URL
    var keepServer = false

    static let envelopeName = "Community Fund 2023-2024"
    static let callTitle = "Financing 2024 for French Tech Capitals"
    static let paris = TimeZone(identifier: "Europe/Paris")!

    init(database: Database, narrator: DemoNarrator, folder: URL, keepServer: Bool = false) {
        self.database = database
        self.narrator = narrator
        self.folder = folder
        self.keepServer = keepServer
    }

    /// The network, the envelope and the call, open, with the clock inside its window.
    func setUp() async throws {
        let entries = try OrganisationImport.parse(DemoNetwork.csv)
        let imported = try await OrganisationRepository(database).importEntries(entries)
        let organisations = try await OrganisationRepository(database).list()
        func count(_ kind: OrganisationKind) -> Int { organisations.filter { $0.kind == kind }.count }
        narrator.step(
            "Imported the network: \(imported.organisationsCreated) organisations (\(count(.capital)) Capitals, "
                + "\(count(.communityFrance)) Communities in France, \(count(.communityAbroad)) abroad), "
                + "\(imported.labelsAdded) label periods")
        let envelopeId = try await EnvelopeRepository(database).create(
            Envelope(
                name: Self.envelopeName, amount: try Money(parsing: "1500000.00"),
                validity: try DayRange(parsing: "2023-01-01..2024-12-31")))
        let call = Call(
            envelopeId: envelopeId, title: Self.callTitle, budget: try Money(parsing: "450000.00"),
            opensAt: try LocalTime.instant("2024-11-13 00:00", in: Self.paris),
            closesAt: try LocalTime.deadline("2024-12-15 23:59", in: Self.paris),
            rules: EligibilityRules(
                allowedKinds: [.capital], labelAwardedWithin: try DayRange(parsing: "2024-01-01..2024-12-31"),
                maxRequest: try Money(parsing: "50000.00"), maxSubmissionsPerOrganisation: 2))
        let callId = try await CallRepository(database).create(call)
        let clock = try LocalTime.instant("2024-11-20 09:00", in: Self.paris)
        try await SimulatedClock(database).set(clock)
        _ = try await CallRepository(database).open(String(callId))
        narrator.step(
            "Envelope \"\(Self.envelopeName)\" of 1 500 000,00 €; call \"\(call.title)\" of \(call.budget.french), "
                + "open 13/11 to 15/12 23:59 Paris time, Capitals labelled in 2024 only, up to 2 projects each")
        narrator.step(
            "Time is simulated: the database clock (simulated_clock) reads "
                + "\(LocalTime.format(clock, in: Self.paris)) and moves on with each submission; "
                + "every deadline is judged against it")
    }

    /// Everything after the set-up, against the running API.
    func play(client: DemoClient) async throws -> DemoSummary {
        var summary = DemoSummary()
        let call = try await CallRepository(database).find(Self.callTitle)
        summary.callTitle = call.title
        summary.budget = call.budget
        let ids = try await intake(client: client, call: call, summary: &summary)
        try await review(client: client, call: call, projectIds: ids, summary: &summary)
        try await decide(call: call, summary: &summary)
        try await pay(call: call, summary: &summary)
        try await writeReports(call: call, summary: &summary)
        try await sendMail(summary: &summary)
        let audit = try await AuditTrail(database).verify()
        guard audit.intact else {
            throw FundError.auditBroken("the demo's audit chain is broken: \(audit.firstBreak?.reason ?? "")")
        }
        summary.auditEvents = audit.checked
        narrator.step("Verified the audit chain: \(audit.checked) events, each hash matching its content and link")
        if keepServer {
            summary.serverURL = client.base.absoluteString
            let paris = try await OrganisationRepository(database).find("French Tech Paris")
            let (_, secret) = try await ContactRepository(database).invite(
                organisationId: paris.id, name: "Léa Bernard", email: "lea.bernard@paris.frenchtech.example")
            summary.portalLink = PortalLinks.signIn(secret, base: summary.serverURL)
            let reviewers = ReviewerRepository(database)
            let reviewer = try await reviewers.find(DemoCast.reviewers[0].email)
            summary.reviewerName = reviewer.name
            summary.reviewerLink = PortalLinks.signIn(
                try await reviewers.invite(reviewerId: reviewer.id), base: summary.serverURL)
            let admins = AdminRepository(database)
            summary.programmeLink = PortalLinks.signIn(
                try await admins.invite(
                    name: "Camille Martin", email: "camille.martin@mission.frenchtech.example", role: .programme
                ).secret,
                base: summary.serverURL)
            summary.financeLink = PortalLinks.signIn(
                try await admins.invite(
                    name: "Hugo Petit", email: "hugo.petit@mission.frenchtech.example", role: .finance
                ).secret,
                base: summary.serverURL)
        }
        return summary
    }

    // MARK: - Intake over HTTP

    /// Each Capital gets a token and submits; returns the stored id of each on-time project.
    private func intake(client: DemoClient, call: Call, summary: inout DemoSummary) async throws -> [Int: Int64] {
        let organisations = OrganisationRepository(database)
        let tokens = TokenRepository(database)
        var tokenOf: [String: String] = [:]
        for capital in Set(DemoCast.projects.map(\.capital)).sorted() + ["Normandie"] {
            let organisation = try await organisations.find("French Tech \(capital)")
            tokenOf[capital] = try await tokens.issue(for: organisation.id).token
        }
        summary.applicantToken = tokenOf["Paris"] ?? ""
        narrator.step(
            "Issued \(tokenOf.count) organisation tokens; Capitals submit through POST /v1/calls/\(call.id)/submissions"
        )

        let late = DemoCast.projects.indices.last { DemoCast.projects[$0].capital == "Toulouse" }!
        let clock = SimulatedClock(database)
        var instant = try LocalTime.instant("2024-11-20 09:00", in: Self.paris)
        var ids: [Int: Int64] = [:]
        let progress = narrator.progress("Submitting over HTTP", total: DemoCast.projects.count - 1)
        for (index, project) in DemoCast.projects.enumerated() where index != late {
            // A submission every 1 h 47 min 13 s of simulated time: receipt times all differ.
            instant = instant.addingTimeInterval(6433)
            try await clock.set(instant)
            let reply = try await client.send(
                "POST", "v1/calls/\(call.id)/submissions", token: tokenOf[project.capital]!, json: project.body,
                idempotencyKey: "demo-\(index)")
            ids[index] = Int64(try reply.expect(201, "submission \(index)").json["id"] as? Int ?? 0)
            summary.received += 1
            progress.advance()
        }
        progress.finish()
        narrator.step(
            "Received \(summary.received) projects from \(Set(DemoCast.projects.map(\.capital)).count) Capitals (201 Created each)"
        )

        let first = DemoCast.projects[0]
        let retry = try await client.send(
            "POST", "v1/calls/\(call.id)/submissions", token: tokenOf[first.capital]!, json: first.body,
            idempotencyKey: "demo-0")
        guard try retry.expect(200, "retry").json["id"] as? Int == Int(ids[0]!) else {
            throw FundError.database(
                "The demo's retry made a second submission (\(retry.body)); this is a fault in cfund: report it.")
        }
        summary.replayed += 1
        narrator.step(
            "Retried submission \(ids[0]!) with the same Idempotency-Key: 200 OK, the same submission, no duplicate")

        let amendedIndex = DemoCast.projects.firstIndex { $0.capital == "Lyon" }!
        let original = DemoCast.projects[amendedIndex]
        let revised = DemoProject(
            capital: original.capital, title: original.title + " (revised)",
            requestedCents: original.requestedCents - 500_000, totalCostCents: original.totalCostCents,
            ambitions: original.ambitions, quality: original.quality)
        let amend = try await client.send(
            "PUT", "v1/submissions/\(ids[amendedIndex]!)", token: tokenOf["Lyon"]!, json: revised.body)
        try amend.expect(200, "amendment")
        summary.amended += 1
        narrator.step(
            "Amended submission \(ids[amendedIndex]!) (PUT): version \(amend.json["version"] as? Int ?? 0), "
                + "requesting \(Money(cents: revised.requestedCents).french); the first version is kept")

        let withdrawnIndex = DemoCast.projects.lastIndex { $0.capital == "Nantes" }!
        let withdraw = try await client.send(
            "DELETE", "v1/submissions/\(ids[withdrawnIndex]!)", token: tokenOf["Nantes"]!)
        try withdraw.expect(200, "withdrawal")
        summary.withdrawn += 1
        narrator.step("Withdrew submission \(ids[withdrawnIndex]!) (DELETE): French Tech Nantes keeps one project")

        let normandie = DemoProject(
            capital: "Normandie", title: "French Tech Tremplin Normandie", requestedCents: 3_000_000,
            totalCostCents: 6_000_000, ambitions: ["talents_and_territories"], quality: 3)
        let refused = try await client.send(
            "POST", "v1/calls/\(call.id)/submissions", token: tokenOf["Normandie"]!, json: normandie.body)
        try refused.expect(403, "ineligible submission")
        summary.refusedIneligible += 1
        narrator.step("French Tech Normandie refused, 403: \(refused.json["detail"] as? String ?? "")")

        try await clock.set(call.closesAt)
        let lateReply = try await client.send(
            "POST", "v1/calls/\(call.id)/submissions", token: tokenOf["Toulouse"]!, json: DemoCast.projects[late].body)
        try lateReply.expect(409, "late submission")
        summary.refusedLate += 1
        narrator.step(
            "Clock moved to \(LocalTime.format(call.closesAt, in: Self.paris, milliseconds: true)), the first "
                + "instant after the deadline; French Tech Toulouse's second project refused, 409: "
                + "\(lateReply.json["detail"] as? String ?? "")")
        summary.sampleSubmission = ids[0]!
        return ids.filter { $0.key != withdrawnIndex }
    }

    // MARK: - Review

    private func review(
        client: DemoClient, call: Call, projectIds: [Int: Int64], summary: inout DemoSummary
    ) async throws {
        let calls = CallRepository(database)
        let (closed, ineligible) = try await calls.close(String(call.id))
        _ = try await calls.startReviewing(closed)
        narrator.step(
            "Closed the call: \(projectIds.count) live submissions, \(ineligible) found ineligible at the re-check; "
                + "reviewing starts")

        let organisations = OrganisationRepository(database)
        let reviewers = ReviewerRepository(database)
        let reviewerTokens = TokenRepository(database, holder: .reviewer)
        var reviewerIds: [Int64] = []
        var tokens: [Int64: String] = [:]
        for reviewer in DemoCast.reviewers {
            var affiliation: Int64?
            if let name = reviewer.affiliation { affiliation = try await organisations.find(name).id }
            let id = try await reviewers.add(name: reviewer.name, email: reviewer.email, affiliationId: affiliation)
            if let conflict = reviewer.conflict {
                _ = try await reviewers.declareConflict(
                    reviewerId: id, organisationId: try await organisations.find(conflict.organisation).id,
                    reason: conflict.reason)
            }
            reviewerIds.append(id)
            tokens[id] = try await reviewerTokens.issue(for: id).token
        }
        summary.reviewerToken = tokens[reviewerIds[0]] ?? ""
        let stored = try await ReviewRepository(database).assign(
            callId: call.id, perSubmission: call.reviewsPerSubmission, maxLoad: nil)
        narrator.step(
            "Added \(DemoCast.reviewers.count) reviewers (2 affiliated with a Capital, 2 with declared conflicts) "
                + "and assigned \(stored) reviews, \(call.reviewsPerSubmission) per submission, none conflicted")

        let projectOf = Dictionary(uniqueKeysWithValues: projectIds.map { ($0.value, $0.key) })
        let progress = narrator.progress("Scoring through the reviewer API", total: stored)
        var throughAPI = 0
        for (index, reviewer) in DemoCast.reviewers.enumerated() where !reviewer.usesSheet {
            let token = tokens[reviewerIds[index]]!
            let list = try await client.send("GET", "v1/reviews", token: token)
            let assignments = list.json["assignments"] as? [[String: Any]] ?? []
            for assignment in assignments {
                guard let assignmentId = assignment["assignmentId"] as? Int,
                    let submission = (assignment["submission"] as? [String: Any])?["id"] as? Int,
                    let project = projectOf[Int64(submission)]
                else { continue }
                let scores = DemoCast.scores(project: project, reviewer: index, grid: call.grid)
                let body = JSONValue.object([
                    "scores": .object(scores.mapValues { .raw(String($0)) }),
                    "comments": .object(["impact": .string(Self.comment(for: scores))]),
                    "final": .bool(true),
                ]).rendered
                let saved = try await client.send("PUT", "v1/reviews/\(assignmentId)", token: token, json: body)
                try saved.expect(200, "review")
                throughAPI += 1
                progress.advance()
            }
        }
        progress.finish()

        let sheetIndex = DemoCast.reviewers.firstIndex(where: \.usesSheet)!
        let sheetReviewer = DemoCast.reviewers[sheetIndex]
        let assignments = try await ReviewRepository(database).assignments(
            reviewerId: reviewerIds[sheetIndex], callId: call.id)
        let blank = ReviewCommand.Sheet.text(
            grid: call.grid, reviewerEmail: sheetReviewer.email, assignments: assignments)
        let filled = try Self.fill(blank, grid: call.grid) { submission in
            DemoCast.scores(project: projectOf[submission]!, reviewer: sheetIndex, grid: call.grid)
        }
        let sheetName = "sheet-\(sheetReviewer.email.split(separator: "@")[0]).csv"
        try Data(filled.utf8).write(to: folder.appendingPathComponent(sheetName))
        let imported = try await ReviewRepository(database).importSheet(
            callId: call.id, rows: try ReviewSheet.parse(filled, grid: call.grid))
        summary.files.append(sheetName)
        narrator.step(
            "Scored \(throughAPI) reviews through PUT /v1/reviews/{assignmentId}; \(sheetReviewer.name) "
                + "filled in the CSV sheet \(sheetName), imported: \(imported) reviews")
    }

    /// Fills the score columns of a blank sheet and marks every row final, as a reviewer would.
    static func fill(_ sheet: String, grid: ScoringGrid, scores: (Int64) -> [String: Double]) throws -> String {
        let records = try CSV.parse(sheet)
        guard let header = records.first?.fields else { return sheet }
        var text = CSV.line(header)
        for record in records.dropFirst() {
            var fields = record.fields
            guard let submission = Int64(fields[header.firstIndex(of: "submission")!]) else { continue }
            let given = scores(submission)
            for criterion in grid.criteria {
                fields[header.firstIndex(of: criterion.key)!] = given[criterion.key].map { String($0) } ?? ""
            }
            fields[header.firstIndex(of: "comment_impact")!] = comment(for: given)
            fields[header.firstIndex(of: "final")!] = "yes"
            text += CSV.line(fields)
        }
        return text
    }

    static func comment(for scores: [String: Double]) -> String {
        switch scores["impact"] ?? 0 {
        case 4...: return "Strong reach across the ecosystem."
        case 3..<4: return "Sound programme; partners to be confirmed."
        default: return "Impact unclear for the Capital's founders."
        }
    }

    // MARK: - Decision

    private func decide(call: Call, summary: inout DemoSummary) async throws {
        let ranking = try await CallRanking.load(call, database: database)
        summary.ranked = ranking.ranked.count
        summary.fundable = ranking.ranked.filter { $0.entry.score.isFundable }.count
        // The tie worth showing is the one no criterion separates: the rule of last resort decides.
        let ties = ranking.ranked.indices.filter { $0 > 0 && ranking.ranked[$0].tieBrokenBy != nil }
        var tie = "no tie"
        if let index = ties.first(where: { ranking.ranked[$0].tieBrokenBy!.contains("every criterion") }) ?? ties.first
        {
            let (above, below) = (ranking.ranked[index - 1], ranking.ranked[index])
            let name = { (item: RankedSubmission) in
                "\(ranking.submissions[item.entry.score.submissionId]!.organisation) (submission "
                    + "\(item.entry.score.submissionId))"
            }
            tie =
                "ranks \(above.rank) and \(below.rank) tie at \(below.entry.score.total?.decimal(places: 1) ?? "-"): "
                + "\(name(above)) stays above \(name(below)), \(below.tieBrokenBy!)"
        }
        narrator.step(
            "Ranked \(summary.ranked) submissions, \(summary.fundable) fundable (the rest below a threshold); \(tie)")

        let allocations = AllocationRepository(database)
        let parameters = AllocationParameters(
            budget: call.budget, policy: .skip, capPerProject: call.rules.maxRequest)
        let (runId, plan) = try await allocations.commit(
            callId: call.id, parameters: parameters, reason: "Jury of 20 December 2024 (demo)")
        let funded = plan.lines.filter { $0.status == .funded || $0.status == .partiallyFunded }
        narrator.step(
            "Allocated with the skip policy and committed as decision \(runId): \(funded.count) funded for "
                + "\(plan.granted.french), \(plan.reserve.count) on the reserve list, \(plan.left.french) left")

        // Decline the highest-ranked grant that, with what is left, frees enough for the first
        // project on the reserve list, so the promotion has something to fund.
        let grants = try await allocations.grants(callId: call.id)
        let firstReserve = plan.reserve.first.flatMap { ranking.submissions[$0]?.requested.cents } ?? 0
        let declinedSubmission =
            funded.first { $0.awarded.cents + plan.left.cents >= firstReserve }?.submissionId ?? funded[0].submissionId
        let declined = try await allocations.decline(
            grantId: grants.first { $0.submissionId == declinedSubmission }!.id,
            reason: "the Capital could not secure its co-financing")
        let promoted = try await allocations.promote(callId: call.id)
        let promotedText =
            promoted.isEmpty
            ? "nothing on the reserve list fits"
            : promoted.map { "submission \($0.submissionId) (\($0.amount.french))" }.joined(separator: ", ")
        narrator.step(
            "Grant \(declined.id) of \(declined.amount.french) declined (no co-financing); promoted from the "
                + "reserve list in order: \(promotedText)")

        let after = try await AllocationRepository(database).grants(callId: call.id).filter { $0.status == "active" }
        summary.funded = after.count
        summary.granted = Money.total(after.map(\.amount))
        let reserve = try await SubmissionRepository(database).list(callId: call.id).filter { $0.status == .reserve }
        summary.reserve = reserve.count
        summary.reserveTotal = Money.total(reserve.map(\.requested))
    }

    // MARK: - After the decision

    /// Finance's first weeks: agreements signed, advances paid, one agreement still awaited.
    private func pay(call: Call, summary: inout DemoSummary) async throws {
        let finance = FinanceRepository(database)
        let signing = try CalendarDay(parsing: "2025-01-10")
        try await SimulatedClock(database).set(try LocalTime.instant("2025-01-10 17:00", in: Self.paris))
        let accounts = try await finance.accounts(callId: call.id)
        var (signed, paid, awaited) = (0, Money(cents: 0), 0)
        for (index, account) in accounts.enumerated() {
            if account.agreementRequired {
                // The last one has not come back signed yet: `cfund payment due` shows it waiting.
                guard index < accounts.count - 1 else {
                    awaited += 1
                    continue
                }
                _ = try await finance.sign(
                    grantId: account.id, on: signing,
                    signatories: "la présidence de \(account.organisation.name) ; la Mission French Tech")
                signed += 1
            }
            let advance = try await finance.account(grantId: account.id).schedule.instalments[0]
            guard case .due = advance.state else { continue }
            _ = try await finance.pay(
                grantId: account.id, amount: advance.amount, on: signing, reference: "VIR-2025-\(account.id)")
            paid = Money(cents: paid.cents + advance.amount.cents)
        }
        summary.agreementsSigned = signed
        summary.advancesPaid = paid
        narrator.step(
            "Signed \(signed) agreements on \(signing) (grants above EUR 23,000; \(awaited) still awaited) and paid "
                + "\(paid.french) of advances (50 %, within the 60 days); the balances await the final reports")
        // Months later, the first grantee's project cost 25 % less than planned: its final report is
        // accepted and the grant reduced in proportion; the balance is due.
        try await SimulatedClock(database).set(try LocalTime.instant("2025-06-10 11:00", in: Self.paris))
        if let first = accounts.first {
            let submission = try await SubmissionRepository(database).find(first.submissionId)
            let actual = Money(cents: submission.content.totalCost.cents * 3 / 4)
            let rooms = Money(cents: actual.cents * 2 / 5)
            let reports = FinalReportRepository(database)
            _ = try await reports.file(
                grantId: first.id, organisationId: first.organisation.id, actualCost: actual,
                spending: [
                    .init(line: "Salles et accueil", amount: rooms),
                    .init(line: "Intervenants et communication", amount: actual.subtracting(rooms)),
                ],
                narrative: "Trois événements ont réuni 240 participants ; le quatrième, prévu en juin, n'a pas eu lieu."
            )
            _ = try await reports.accept(grantId: first.id, reason: "")
            let settled = try await finance.account(grantId: first.id)
            summary.settledGrant = "grant \(first.id) comes to \(settled.comesTo.french) of \(settled.amount.french)"
            narrator.step(
                "10/06/2025: \(first.organisation.name)'s final report shows an actual cost of \(actual.french), 25 % "
                    + "below plan: accepted, the grant is reduced in proportion to \(settled.comesTo.french) and a "
                    + "balance of \(settled.schedule.due.french) is due; the other grantees are reminded theirs is due by "
                    + "30/06/2025")
        }
        if let first = accounts.first(where: \.agreementRequired) {
            let html = try await WebTemplates.load().render(
                AgreementView(account: try await finance.account(grantId: first.id), funder: Self.funder))
            try Data(html.utf8).write(to: folder.appendingPathComponent("agreement-\(first.id).html"))
            summary.files.append("agreement-\(first.id).html")
        }
    }

    /// The fund as the demo's agreements and open-data file name it (a made-up SIRET).
    static let funder = Funder(name: "Mission French Tech", siret: "99900000000011")

    // MARK: - Mail

    /// What the round told people, through a real SMTP conversation with a local sink, each
    /// message kept as an `.eml` file a mail program opens.
    private func sendMail(summary: inout DemoSummary) async throws {
        let sink = try await MailSink()
        let tally = try await MailSender.deliverDue(
            database: database, transport: SMTPClient(host: "127.0.0.1", port: sink.port), from: MailCommand.sender,
            publicURL: PortalLinks.base)
        await sink.close()
        let mail = folder.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        for (index, message) in sink.received.enumerated() {
            let name = String(format: "mail/%03d.eml", index + 1)
            try Data(message.data.utf8).write(to: folder.appendingPathComponent(name))
        }
        summary.files.append("mail/")
        narrator.step(
            "Sent \(tally.sent) messages through SMTP to a local sink (receipts of submissions, amendments, "
                + "withdrawals, reviewers' assignments, decision letters, final reports, in each person's language) and kept them as .eml files in \(folder.lastPathComponent)/mail/"
        )
    }

    // MARK: - Reports

    private func writeReports(call: Call, summary: inout DemoSummary) async throws {
        func file(_ name: String) throws -> StreamWriter {
            summary.files.append(name)
            return try StreamWriter(path: folder.appendingPathComponent(name).path)
        }
        for (name, format, excel) in [
            ("allocations.csv", CallReports.Format.csv, false), ("allocations-excel.csv", .csv, true),
            ("allocations.json", .json, false),
        ] {
            let writer = try file(name)
            try await CallReports.allocations(call: call, format: format, excel: excel, database: database, to: writer)
            writer.close()
        }
        let envelope = try await EnvelopeRepository(database).find(String(call.envelopeId))
        let rows = try await ReportRepository(database).envelope(call.envelopeId)
        for (name, format) in [("envelope.txt", OutputFormat.table), ("envelope.json", .json)] {
            let writer = try file(name)
            writer.write(ReportCommand.EnvelopeReport.render(summary: envelope, rows: rows, format: format))
            writer.close()
        }
        let reviews = try file("reviews.csv")
        try await CallReports.reviews(call: call, excel: false, database: database, to: reviews)
        reviews.close()
        // The open-data file of the grants whose agreement is signed, as the law asks the fund to publish.
        let finance = FinanceRepository(database)
        let openData = try OpenData.rows(
            accounts: try await finance.accounts(callId: call.id).filter { $0.agreement?.signedOn != nil },
            payments: try await finance.payments(callId: call.id), funder: Self.funder)
        let csv = try file("subventions.csv")
        csv.write(OpenData.csv(openData))
        csv.close()
        let json = try file("subventions.json")
        json.write(OpenData.json(openData))
        json.close()
        summary.openDataRows = openData.count
        try await FinanceWorkbook.make(envelopeId: call.envelopeId, database: database)
            .write(to: folder.appendingPathComponent("finance.xlsx"))
        summary.files.append("finance.xlsx")
        let page = try await CallReportRepository(database).page(call: call)
        try await ReportCommand.HTML.write(page, language: .fr, to: folder.appendingPathComponent("summary.html").path)
        summary.files.append("summary.html")
        summary.envelopeName = envelope.envelope.name
        summary.envelopeTotal = envelope.balance.total
        summary.envelopeGranted = Money.total(rows.map(\.granted))
        narrator.step(
            "Wrote the allocations report (CSV, Excel-friendly CSV, JSON), the envelope report, the reviews "
                + "export, summary.html, finance.xlsx (allocations, payments, the envelope's ledger) and the open-data "
                + "file of the \(openData.count) signed grants (subventions.csv and .json, SCDL format) to "
                + "\(folder.lastPathComponent)/")
    }
}
