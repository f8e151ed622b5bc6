import FundCore
import FundStore
import FundTestSupport
import FundWeb
import Testing

/// The rules of paying grants, against the real database (Schema/0017): agreements first, never
/// more than the grant, payments as facts, terms fixed by the decision, and two payments at once
/// counted one after the other.
@Suite("Agreements and payments in PostgreSQL")
struct FinanceRepositoryTests {
    static func day(_ text: String) throws -> CalendarDay { try CalendarDay(parsing: text) }

    static func refusal(_ body: () async throws -> Void) async -> [FieldIssue] {
        do {
            try await body()
            Issue.record("not refused")
        } catch FundError.conflict(let issues), FundError.validation(let issues) {
            return issues
        } catch {
            Issue.record("refused with \(error)")
        }
        return []
    }

    @Test func aGrantIsPaidOnlyOnceSignedAndNeverMoreThanItsAmount() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let accounts = try await finance.accounts(callId: fixture.decidedCallId)
            #expect(accounts.count == 2)
            let lyon = try #require(accounts.first { $0.submissionId == fixture.lyonFunded })
            #expect(lyon.agreementRequired && lyon.advancePercent == 50)
            #expect(lyon.agreement?.reference == "CFUND-\(fixture.decidedCallId)-\(String(format: "%05d", lyon.id))")
            #expect(
                lyon.schedule.instalments.map(\.state) == [.awaiting(.signature), .awaiting(.finalReport)])
            #expect(lyon.schedule.instalments.map(\.amount) == [Money(cents: 2_000_000), Money(cents: 2_000_000)])

            // Not before the agreement is signed.
            var issues = await Self.refusal {
                _ = try await finance.pay(
                    grantId: lyon.id, amount: Money(cents: 2_000_000), on: try Self.day("2024-12-16"),
                    reference: "VIR-1")
            }
            #expect(issues.first?.reason.contains("is not signed yet") == true, "\(issues)")
            // Signed on a day that has come (the database clock is at the call's deadline), once.
            issues = await Self.refusal {
                _ = try await finance.sign(grantId: lyon.id, on: try Self.day("2025-01-10"), signatories: "Léa Roux")
            }
            #expect(issues.map(\.field) == ["on"])
            let signed = try await finance.sign(
                grantId: lyon.id, on: try Self.day("2024-12-10"),
                signatories: "Léa Roux (présidente), Camille Martin (Mission French Tech)")
            #expect(signed.agreement?.signedOn == (try Self.day("2024-12-10")))
            #expect(
                signed.schedule.instalments.first?.state
                    == .due(since: try Self.day("2024-12-10"), payBy: try Self.day("2025-02-08"), late: false))
            issues = await Self.refusal {
                _ = try await finance.sign(grantId: lyon.id, on: try Self.day("2024-12-11"), signatories: "Léa Roux")
            }
            #expect(issues.first?.reason.contains("already signed, on 2024-12-10") == true, "\(issues)")
            // Not dated before the signature.
            issues = await Self.refusal {
                _ = try await finance.pay(
                    grantId: lyon.id, amount: Money(cents: 100), on: try Self.day("2024-12-09"), reference: "VIR-0")
            }
            #expect(issues.first?.reason.contains("was signed on 2024-12-10") == true, "\(issues)")

            // The advance; the same transfer again is the same payment; its reference on another is refused.
            let advance = try await finance.pay(
                grantId: lyon.id, amount: Money(cents: 2_000_000), on: try Self.day("2024-12-12"), reference: "VIR-1")
            #expect(advance.recorded)
            let again = try await finance.pay(
                grantId: lyon.id, amount: Money(cents: 2_000_000), on: try Self.day("2024-12-12"), reference: "vir-1")
            #expect(!again.recorded && again.payment.id == advance.payment.id)
            // A transfer skipped by ON CONFLICT is not counted either (0018).
            try await database.query(
                """
                INSERT INTO payments (grant_id, call_id, amount_cents, paid_on, reference)
                VALUES (\(lyon.id), 0, 2000000, '2024-12-12', 'VIR-1') ON CONFLICT ((lower(reference))) DO NOTHING
                """)
            issues = await Self.refusal {
                _ = try await finance.pay(
                    grantId: lyon.id, amount: Money(cents: 1_000), on: try Self.day("2024-12-12"), reference: "VIR-1")
            }
            #expect(issues.map(\.field) == ["reference"])
            let paid = try await finance.account(grantId: lyon.id)
            #expect(paid.paid == Money(cents: 2_000_000) && paid.schedule.instalments.first?.state == .paid)

            // Never more than the grant: 20,000 are left.
            issues = await Self.refusal {
                _ = try await finance.pay(
                    grantId: lyon.id, amount: Money(cents: 2_000_001), on: try Self.day("2024-12-13"),
                    reference: "VIR-2")
            }
            #expect(
                issues.first?.reason == "grant \(lyon.id) is 40000.00 EUR and 20000.00 EUR is paid already: at most "
                    + "20000.00 EUR more, not 20000.01")
            // Plain SQL meets the same rules, and payments are facts.
            issues = await Self.refusal {
                try await database.query(
                    "INSERT INTO payments (grant_id, call_id, amount_cents, paid_on, reference) VALUES (\(lyon.id), 0, 2000001, '2024-12-13', 'SQL-1')"
                )
            }
            #expect(issues.map(\.field) == ["amount"])
            issues = await Self.refusal {
                try await database.query("UPDATE payments SET amount_cents = 1 WHERE id = \(advance.payment.id)")
            }
            #expect(issues.map(\.field) == ["payment"])
            issues = await Self.refusal { try await database.query("DELETE FROM payments") }
            #expect(issues.map(\.field) == ["payment"])

            // A paid grant stays active; its call's terms are fixed since the decision.
            issues = await Self.refusal {
                _ = try await AllocationRepository(database).decline(grantId: lyon.id, reason: "changed our mind")
            }
            #expect(issues.first?.reason.contains("has been paid 20000.00 EUR") == true, "\(issues)")
            issues = await Self.refusal {
                try await finance.setTerms(callId: fixture.decidedCallId, PaymentTerms(advancePercent: 100))
            }
            #expect(issues.map(\.field) == ["terms"])
            // The audit trail has each step.
            let actions = try await database.query(
                "SELECT action FROM audit_events WHERE action LIKE 'payment.%' OR action LIKE 'agreement.%' ORDER BY id"
            ).decode(String.self)
            #expect(actions == ["agreement.create", "agreement.create", "agreement.update", "payment.create"])
        }
    }

    @Test func twoPaymentsAtOnceNeverPassTheGrant() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let grant = try #require(try await finance.accounts(callId: fixture.decidedCallId).first).id
            _ = try await finance.sign(grantId: grant, on: try Self.day("2024-12-10"), signatories: "Léa Roux")
            // Eight transfers of 15,000 at once against 40,000: two go through, whatever the order.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        (try? await finance.pay(
                            grantId: grant, amount: Money(cents: 1_500_000), on: try Self.day("2024-12-11"),
                            reference: "VIR-\(index)")) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 2)
            #expect(try await finance.account(grantId: grant).paid == Money(cents: 3_000_000))
            let sum = try await database.query(
                "SELECT sum(amount_cents)::bigint FROM payments WHERE grant_id = \(grant)"
            )
            .decode(Int64.self).first
            #expect(sum == 3_000_000)
        }
    }

    @Test func termsAreTheCallsUntilItsDecisionAndAGrantBelowTheThresholdNeedsNoAgreement() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            #expect(try await finance.terms(callId: fixture.callId) == PaymentTerms())
            try await finance.setTerms(
                callId: fixture.callId, PaymentTerms(agreementAbove: Money(cents: 5_000_000), advancePercent: 100))
            #expect(try await finance.terms(callId: fixture.callId).advancePercent == 100)
            var issues = await Self.refusal {
                try await finance.setTerms(callId: fixture.callId, PaymentTerms(advancePercent: 101))
            }
            #expect(issues.map(\.field) == ["advance"])
            // Decided under these terms: 40,000 is below the call's 50,000, one payment from the decision.
            try await SimulatedClock(database).set(try LocalTime.instant("2025-01-20 12:00", in: LocalTime.paris))
            let grid = try await CallRepository(database).find(id: fixture.callId).grid
            let scores = ["impact": 4.0, "ambitions": 3.5, "feasibility": 4.0, "inclusion": 4.5]
            for (assignment, reviewer) in try await database.query(
                "SELECT id, reviewer_id FROM assignments WHERE call_id = \(fixture.callId)"
            ).decode((Int64, Int64).self) {
                try await ReviewRepository(database).save(
                    assignmentId: assignment, reviewerId: reviewer, scores: scores, comments: [:], final: true,
                    grid: grid, actor: "test")
            }
            _ = try await AllocationRepository(database).commit(
                callId: fixture.callId,
                parameters: AllocationParameters(budget: Money(cents: 8_000_000), policy: .skip), reason: "jury")
            let accounts = try await finance.accounts(callId: fixture.callId)
            #expect(accounts.count == 2 && accounts.allSatisfy { !$0.agreementRequired && $0.agreement == nil })
            #expect(accounts.allSatisfy { $0.schedule.instalments.map(\.kind) == [.single] })
            issues = await Self.refusal {
                _ = try await finance.sign(grantId: accounts[0].id, on: try Self.day("2025-01-20"), signatories: "X")
            }
            #expect(issues.first?.reason.contains("needs no agreement") == true, "\(issues)")
            let payment = try await finance.pay(
                grantId: accounts[0].id, amount: accounts[0].amount, on: try Self.day("2025-01-21"), reference: "VIR-9")
            #expect(payment.recorded)
        }
    }

    /// A deterministic generator, so a failing sequence can be replayed.
    struct Steps {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func theEnvelopesLedgerReconcilesToTheCentWhateverIsSignedPaidOrRefused(seed: UInt64) async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let envelope = try await EnvelopeRepository(database).find("Community Fund 2023-2024")
            let grants = try await finance.accounts(callId: fixture.decidedCallId).map(\.id)
            var steps = Steps(state: seed)
            var accepted = 0
            var done: Set<Int> = []
            for step in 0..<80 {
                let grant = grants[steps.next(grants.count)]
                do {
                    // Declines come late in the sequence, so that there is something paid to refuse.
                    let reports = FinalReportRepository(database)
                    let operation = steps.next(9)
                    switch operation {
                    case 0:
                        _ = try await finance.sign(
                            grantId: grant, on: try Self.day("2024-12-0\(1 + steps.next(9))"), signatories: "X")
                    case 4 where step >= 20:
                        _ = try await AllocationRepository(database).decline(grantId: grant, reason: "step \(step)")
                    case 5:
                        _ = try await reports.file(
                            grantId: grant, organisationId: nil,
                            actualCost: Money(cents: Int64(4_000_000 + steps.next(5_000_000))), spending: [],
                            narrative: "step \(step)")
                    case 6: _ = try await reports.accept(grantId: grant, reason: "")
                    case 7: _ = try await reports.returnReport(grantId: grant, reason: "the receipts are missing")
                    case 8:
                        try await reports.recover(
                            grantId: grant, amount: Money(cents: Int64(1 + steps.next(1_000_000))),
                            on: try Self.day("2024-12-15"), reference: "REM-\(seed)-\(step)")
                    default:
                        _ = try await finance.pay(
                            grantId: grant, amount: Money(cents: Int64(1 + steps.next(1_500_000))),
                            on: try Self.day("2024-12-1\(steps.next(6))"), reference: "VIR-\(seed)-\(step)")
                    }
                    accepted += 1
                    done.insert(operation)
                } catch is FundError {
                    // Refused by a rule: the ledger must not move.
                }
                let rows = try await ReportRepository(database).envelope(envelope.envelope.id)
                let left = try await EnvelopeRepository(database).find(String(envelope.envelope.id)).balance.left
                // budget of the envelope = what its calls reserve + what no call reserves
                #expect(Money.total(rows.map(\.budget)).cents + left.cents == envelope.balance.total.cents)
                for row in rows {
                    let (paid, committed) = try #require(
                        try await database.query(
                            """
                            SELECT coalesce((SELECT sum(amount_cents) FROM payments WHERE call_id = \(row.callId)), 0)::bigint,
                                   coalesce((SELECT sum(amount_cents) FROM grants
                                             WHERE call_id = \(row.callId) AND status = 'active'), 0)::bigint
                            """
                        ).decode((Int64, Int64).self).first)
                    // budget = committed + uncommitted;
                    // committed = (paid - recovered) + to pay - to recover + released; each against the records.
                    #expect(row.granted.cents + row.remaining.cents == row.budget.cents)
                    #expect(
                        row.paid.cents - row.recovered.cents + row.toPay.cents - row.toRecover.cents
                            + row.released.cents
                            == row.granted.cents)
                    #expect(row.paid.cents == paid && row.granted.cents == committed)
                    #expect(row.toPay.cents >= 0 && row.toRecover.cents >= 0)
                }
            }
            #expect(accepted > 5, "the sequence should exercise payments, not only refusals")
            // Every sequence settles a grant by its final report; the first also gets money back.
            #expect(done.contains(6), "operations done: \(done.sorted())")
            if seed == 1 { #expect(done.contains(8), "operations done: \(done.sorted())") }
        }
    }

    @Test func aFinalReportSettlesTheGrantAndWhatWasPaidBeyondComesBack() async throws {
        try await withTestDatabase { database in
            let fixture = try await WorkspaceFixture.make(database, base: "")
            let finance = FinanceRepository(database)
            let reports = FinalReportRepository(database)
            let lyon = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.lyonFunded
                })
            let nice = try #require(
                try await finance.accounts(callId: fixture.decidedCallId).first {
                    $0.submissionId == fixture.niceFunded
                })
            let lyonId = try await OrganisationRepository(database).find("French Tech Lyon").id
            _ = try await finance.sign(grantId: lyon.id, on: try Self.day("2024-12-10"), signatories: "Léa Roux")
            _ = try await finance.pay(
                grantId: lyon.id, amount: Money(cents: 2_000_000), on: try Self.day("2024-12-12"), reference: "VIR-1")

            // Lines add up to the actual cost; another organisation's grant is not found.
            var issues = await Self.refusal {
                _ = try await reports.file(
                    grantId: lyon.id, organisationId: lyonId, actualCost: Money(cents: 3_000_000),
                    spending: [.init(line: "Salles", amount: Money(cents: 1_000_000))], narrative: "Fait.")
            }
            #expect(issues.map(\.field) == ["actualCost"])
            await #expect(throws: FundError.notFound(kind: "grant", reference: String(nice.id))) {
                _ = try await reports.file(
                    grantId: nice.id, organisationId: lyonId, actualCost: Money(cents: 3_000_000), spending: [],
                    narrative: "Pas le nôtre.")
            }
            // Filed, returned with a reason, filed again; a second report while one stands is refused.
            _ = try await reports.file(
                grantId: lyon.id, organisationId: lyonId, actualCost: Money(cents: 3_000_000),
                spending: [
                    .init(line: "Salles", amount: Money(cents: 1_000_000)),
                    .init(line: "Communication", amount: Money(cents: 2_000_000)),
                ], narrative: "Trois événements, 240 participants.")
            issues = await Self.refusal {
                _ = try await reports.file(
                    grantId: lyon.id, organisationId: lyonId, actualCost: Money(cents: 3_000_000), spending: [],
                    narrative: "Encore.")
            }
            #expect(issues.map(\.field) == ["report"])
            let returned = try await reports.returnReport(grantId: lyon.id, reason: "Joignez les factures.")
            #expect(returned.status == "returned")
            _ = try await reports.file(
                grantId: lyon.id, organisationId: lyonId, actualCost: Money(cents: 3_000_000), spending: [],
                narrative: "Trois événements, 240 participants ; factures jointes.")
            // Accepted: the project cost 30,000 of a planned 80,000, so the grant of 40,000 comes to 15,000;
            // 20,000 was paid, so 5,000 is to come back, and nothing more can be paid.
            let accepted = try await reports.accept(grantId: lyon.id, reason: "")
            #expect(accepted.status == "accepted" && accepted.settled == Money(cents: 1_500_000))
            let settled = try await finance.account(grantId: lyon.id)
            #expect(settled.comesTo == Money(cents: 1_500_000) && settled.released == Money(cents: 2_500_000))
            #expect(settled.schedule.toRecover == Money(cents: 500_000) && settled.schedule.due == Money(cents: 0))
            issues = await Self.refusal {
                _ = try await finance.pay(
                    grantId: lyon.id, amount: Money(cents: 1), on: try Self.day("2024-12-13"), reference: "VIR-2")
            }
            #expect(issues.map(\.field) == ["amount"])
            issues = await Self.refusal { _ = try await reports.accept(grantId: lyon.id, reason: "") }
            #expect(issues.map(\.field) == ["report"])
            // Not more back than is due; then exactly what is due.
            issues = await Self.refusal {
                try await reports.recover(
                    grantId: lyon.id, amount: Money(cents: 500_001), on: try Self.day("2024-12-14"), reference: "REM-1")
            }
            #expect(issues.first?.reason == "grant \(lyon.id) has 5000.00 EUR to recover, not 5000.01", "\(issues)")
            try await reports.recover(
                grantId: lyon.id, amount: Money(cents: 500_000), on: try Self.day("2024-12-14"), reference: "REM-1")
            let square = try await finance.account(grantId: lyon.id)
            #expect(square.schedule.toRecover == Money(cents: 0) && square.recovered == Money(cents: 500_000))
            // The grantee was told each time, in its language.
            let told = try await Outbox(database).list(template: nil).filter { $0.template.hasPrefix("final_report.") }
            #expect(told.map(\.template).sorted() == ["final_report.accepted", "final_report.returned"])
            let renderer = MailRenderer(templates: try await WebTemplates.load(), database: database, publicURL: "")
            let letter = try await renderer.render(try #require(told.first { $0.template == "final_report.accepted" }))
            #expect(letter.subject == "Compte rendu financier accepté : « Lyon Founders Week »")
            #expect(letter.text.contains("La subvention s'établit à"), "\(letter.text)")
            let english = try await renderer.render(try #require(told.first).speaking(.en))
            #expect(english.subject.hasPrefix("Final report"))
        }
    }
}
