import Foundation
import FundCore
import FundStore
import Hummingbird

/// An organisation's grants over the API, and their final reports (`/v1/grants`): the grantee
/// reads what is signed, paid and due, and files its report. Amounts are whole cents, as in
/// submissions.
struct GrantsController {
    let database: Database

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(use: list)
        routes.get(":id/final-report", use: reports)
        routes.post(":id/final-report", use: file)
        return routes
    }

    struct GrantResource: Codable, ResponseEncodable {
        let id: Int64
        let callId: Int64
        let submissionId: Int64
        let amountCents: Int64
        let status: String
        let agreementReference: String?
        let agreementSignedOn: String?
        let paidCents: Int64
        let comesToCents: Int64
        let dueCents: Int64
        let toRecoverCents: Int64
        let finalReport: String?

        init(_ account: GrantAccount) {
            id = account.id
            callId = account.callId
            submissionId = account.submissionId
            amountCents = account.amount.cents
            status = account.status
            agreementReference = account.agreement?.reference
            agreementSignedOn = account.agreement?.signedOn?.description
            paidCents = account.paid.subtracting(account.recovered).cents
            comesToCents = account.comesTo.cents
            dueCents = account.schedule.due.cents
            toRecoverCents = account.schedule.toRecover.cents
            finalReport = account.finalReport
        }
    }

    struct GrantList: ResponseEncodable {
        let grants: [GrantResource]
    }

    struct ReportResource: Codable, ResponseEncodable {
        struct Line: Codable {
            let line: String
            let amountCents: Int64
        }

        let id: Int64
        let grantId: Int64
        let status: String
        let actualCostCents: Int64
        let spending: [Line]
        let narrative: String
        let reason: String
        let settledCents: Int64?
        let attachments: [Int64]

        init(_ report: FinalReport) {
            id = report.id
            grantId = report.grantId
            status = report.status
            actualCostCents = report.actualCost.cents
            spending = report.spending.map { Line(line: $0.line, amountCents: $0.cents) }
            narrative = report.narrative
            reason = report.reason
            settledCents = report.settled?.cents
            attachments = report.attachmentIds
        }
    }

    struct ReportList: ResponseEncodable {
        let reports: [ReportResource]
    }

    private func ownAccount(_ request: Request, _ context: AppRequestContext) async throws -> (Applicant, GrantAccount)
    {
        let applicant = try await TokenRepository(database).applicant(for: request)
        let id = try context.identifier("id", kind: "grant")
        let account = try await FinanceRepository(database).account(grantId: id)
        guard account.organisation.id == applicant.organisation.id else {
            throw FundError.notFound(kind: "grant", reference: String(id))
        }
        return (applicant, account)
    }

    @Sendable func list(request: Request, context: AppRequestContext) async throws -> GrantList {
        let applicant = try await TokenRepository(database).applicant(for: request)
        // Only the caller's grants are read, not every grant of the fund.
        let accounts = try await FinanceRepository(database).accounts(organisationId: applicant.organisation.id)
        return GrantList(grants: accounts.map(GrantResource.init))
    }

    @Sendable func reports(request: Request, context: AppRequestContext) async throws -> ReportList {
        let (_, account) = try await ownAccount(request, context)
        return ReportList(
            reports: try await FinalReportRepository(database).reports(grantId: account.id).map(ReportResource.init))
    }

    /// `{"actualCostCents": 3000000, "spending": [{"line": "...", "amountCents": 1000000}],
    /// "narrative": "...", "attachments": [12]}`; the lines, when given, add up to the actual cost.
    @Sendable func file(request: Request, context: AppRequestContext) async throws -> Response {
        let (applicant, account) = try await ownAccount(request, context)
        let object = try await SubmissionsController.json(of: request, context: context)
        var issues: [FieldIssue] = []
        let cost = SubmissionBody.integerLiteral(object["actualCostCents"] as Any)
        if cost == nil {
            issues.append(
                FieldIssue(field: "actualCostCents", reason: "a whole number of cents written as digits (3000000)"))
        }
        var spending: [FinalReport.Line] = []
        for (index, item) in ((object["spending"] as? [Any]) ?? []).enumerated() {
            guard let line = item as? [String: Any], let name = line["line"] as? String,
                let cents = SubmissionBody.integerLiteral(line["amountCents"] as Any)
            else {
                issues.append(
                    FieldIssue(field: "spending[\(index)]", reason: "an object with line (text) and amountCents"))
                continue
            }
            spending.append(FinalReport.Line(line: name, amount: Money(cents: cents)))
        }
        guard let narrative = object["narrative"] as? String else {
            throw FundError.validation(issues + [FieldIssue(field: "narrative", reason: "the field is missing")])
        }
        let attachments = (object["attachments"] as? [Any])?.compactMap { SubmissionBody.integerLiteral($0) } ?? []
        guard issues.isEmpty, let cost else { throw FundError.validation(issues) }
        let report = try await FinalReportRepository(database).file(
            grantId: account.id, organisationId: applicant.organisation.id, actualCost: Money(cents: cost),
            spending: spending, narrative: narrative, attachmentIds: attachments, actor: applicant.actor)
        return try ReportResource(report).response(
            status: .created, location: "/v1/grants/\(account.id)/final-report", request: request, context: context)
    }
}
