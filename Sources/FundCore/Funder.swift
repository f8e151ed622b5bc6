import Foundation

/// Who grants: the fund's official name and SIRET, as agreements and the open-data file name it
/// (`CFUND_FUNDER_NAME`, `CFUND_FUNDER_SIRET`).
public struct Funder: Sendable, Equatable {
    public static let defaultName = "Mission French Tech"

    public let name: String
    public let siret: String?

    public init(name: String, siret: String?) {
        self.name = name
        self.siret = siret
    }

    /// From the environment; a SIRET that fails its check is refused rather than published.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Funder
    {
        let name = environment["CFUND_FUNDER_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultName
        do {
            return Funder(name: name, siret: try environment["CFUND_FUNDER_SIRET"].flatMap(RegistryIdentifier.siret))
        } catch {
            throw FundError.validation([
                FieldIssue(field: "CFUND_FUNDER_SIRET", reason: "\(error.shortReason); set the fund's own SIRET")
            ])
        }
    }
}
