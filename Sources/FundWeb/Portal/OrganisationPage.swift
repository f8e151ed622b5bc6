import Foundation
import FundCore

extension PortalPage {
    /// The organisation as the Fund knows it, with the registers' identifiers its contacts keep up
    /// to date: the agreements and the open-data file name it by them.
    public struct OrganisationIdentity: Sendable {
        let chrome: Chrome
        let name: String
        let kind: String
        let place: String
        let siret: String
        let rna: String
        let siretError: String?
        let rnaError: String?

        public init(
            chrome: Chrome, organisation: Organisation, siret: String? = nil, rna: String? = nil,
            issues: [FieldIssue] = [], wording: Wording
        ) {
            self.chrome = chrome
            name = organisation.name
            kind = wording.text("kind.\(organisation.kind.rawValue)")
            place = [organisation.city, organisation.country].filter { !$0.isEmpty }.joined(separator: ", ")
            self.siret = siret ?? organisation.siret ?? ""
            self.rna = rna ?? organisation.rna ?? ""
            func issue(_ field: String) -> String? {
                issues.first { $0.field == field }.map { $0.reason(in: wording.language) }
            }
            siretError = issue("siret")
            rnaError = issue("rna")
        }
    }
}

extension WebTemplates {
    public func render(_ page: PortalPage.OrganisationIdentity) throws -> String {
        try render(page, template: "portal/organisation")
    }
}
