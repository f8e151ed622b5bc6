import FundCore
import FundStore
import Hummingbird

extension Request {
    /// The token after "Bearer " (the scheme in any case), or nil. Read byte by byte: every API
    /// request asks, and splitting and lowercasing the header showed in the intake's profile.
    var bearerToken: String? {
        guard let header = headers[.authorization], header.utf8.count > 7,
            header.utf8.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        var token = header.dropFirst(7)
        while let first = token.first, first == " " || first == "\t" { token = token.dropFirst() }
        while let last = token.last, last == " " || last == "\t" { token = token.dropLast() }
        return String(token)
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
