import FundCore
import FundStore
import Hummingbird

extension Request {
    /// The token after "Bearer ", or nil.
    var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}

extension ApplicantAuthenticating {
    /// The applicant behind the request's bearer token; 401 when missing, unknown or revoked.
    func applicant(for request: Request) async throws -> Applicant {
        guard let token = request.bearerToken else {
            throw FundError.unauthorized("Send your organisation's token as `Authorization: Bearer cft_...`.")
        }
        guard let applicant = try await authenticate(token) else {
            throw FundError.unauthorized(
                "The token is unknown or revoked; ask the Fund's programme team for a new one.")
        }
        return applicant
    }
}

extension Applicant {
    /// Who the audit trail records for this request's changes.
    var actor: String { AuditActor.organisationToken(tokenId) }
}
