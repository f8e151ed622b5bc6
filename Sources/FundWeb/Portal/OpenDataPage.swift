import Foundation
import FundCore
import FundStore

/// The public page of the grants published as open data (`/open-data`): per call, each grant
/// under a signed agreement, and the files in the national format.
public struct OpenDataPage: Sendable {
    struct Line: Sendable {
        let beneficiary: String
        let identifier: String
        let object: String
        let amount: String
        let signedOn: String
    }

    struct CallGrants: Sendable {
        let title: String
        let total: String
        let lines: [Line]
    }

    let chrome: Chrome
    let calls: [CallGrants]
    /// The files can be written: the fund's SIRET is configured.
    let available: Bool

    public init(chrome: Chrome, accounts: [GrantAccount], available: Bool, wording: Wording) {
        self.chrome = chrome
        self.available = available
        calls = Dictionary(grouping: accounts.filter { $0.agreement?.signedOn != nil }, by: \.callId)
            .sorted { $0.key < $1.key }
            .map { _, grants in
                CallGrants(
                    title: grants[0].callTitle, total: wording.money(Money.total(grants.map(\.amount))),
                    lines: grants.map { grant in
                        Line(
                            beneficiary: grant.organisation.name,
                            identifier: grant.organisation.siret.map { "SIRET \($0)" }
                                ?? grant.organisation.rna.map { "RNA \($0)" } ?? "",
                            object: grant.title, amount: wording.money(grant.amount),
                            signedOn: grant.agreement?.signedOn.map {
                                wording.language == .fr ? $0.french : $0.description
                            } ?? "")
                    })
            }
    }
}

extension WebTemplates {
    public func render(_ page: OpenDataPage) throws -> String { try render(page, template: "portal/open-data") }
}
