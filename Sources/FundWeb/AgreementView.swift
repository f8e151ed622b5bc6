import Foundation
import FundCore
import FundStore

/// A grant's agreement (convention attributive de subvention) as `agreement.mustache` prints it,
/// in French, from the decision's data: the parties, the object, the amount, the payment terms
/// and the duties that come with the money.
public struct AgreementView: Sendable {
    struct Instalment: Sendable {
        let label: String
        let amount: String
        let when: String
    }

    let reference: String
    let funderName: String
    let funderSiret: String
    let beneficiary: String
    let beneficiaryIds: String
    let beneficiaryCity: String
    let project: String
    let submissionId: Int64
    let call: String
    let decision: String
    let amount: String
    let instalments: [Instalment]
    let signedOn: String?
    let signatories: String?
    let paymentDays: Int

    public init(account: GrantAccount, funder: Funder) {
        let wording = Wording(.fr)
        reference = account.agreement?.reference ?? "—"
        funderName = funder.name
        funderSiret = funder.siret ?? "à renseigner (CFUND_FUNDER_SIRET)"
        beneficiary = account.organisation.name
        beneficiaryIds =
            [account.organisation.siret.map { "SIRET \($0)" }, account.organisation.rna.map { "RNA \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        beneficiaryCity = [account.organisation.city, account.organisation.country].filter { !$0.isEmpty }
            .joined(separator: ", ")
        project = account.title
        submissionId = account.submissionId
        call = account.callTitle
        decision = "décision n° \(account.runId) du \(account.decidedOn.french)"
        amount = wording.money(account.amount)
        paymentDays = PaymentSchedule.paymentDays
        instalments = account.schedule.instalments.map { instalment in
            let label: String
            let when: String
            switch instalment.kind {
            case .single: label = "Versement unique"
            case .advance: label = "Avance (\(account.advancePercent) %)"
            case .balance: label = "Solde"
            }
            let afterReport = instalment.kind == .balance || account.advancePercent == 0
            when =
                afterReport
                ? "après acceptation du compte rendu financier"
                : account.agreementRequired
                    ? "à la signature de la présente convention" : "à la notification de la décision"
            return Instalment(label: label, amount: wording.money(instalment.amount), when: when)
        }
        signedOn = account.agreement?.signedOn?.french
        signatories = account.agreement.flatMap { $0.signatories.isEmpty ? nil : $0.signatories }
    }
}

extension WebTemplates {
    public func render(_ agreement: AgreementView) throws -> String { try render(agreement, template: "agreement") }
}
