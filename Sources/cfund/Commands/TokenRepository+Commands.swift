import FundStore

extension TokenRepository {
    /// What `cfund org token` and `cfund reviewer token` do: revoke one token, list them, or
    /// issue a new one (printed once), returning the lines to print.
    func manage(holderId: Int64, holderName: String, revoke: Int64?, list: Bool) async throws -> [String] {
        if let revoke {
            try await self.revoke(tokenId: revoke, of: holderId)
            return ["Revoked token \(revoke) of \(holderName)."]
        }
        if list {
            return try await self.list(for: holderId).map { token in
                "\(token.id)  \(token.hint)  issued \(token.createdAt)  "
                    + (token.revokedAt.map { "revoked \($0)" } ?? "active")
            }
        }
        let (id, token) = try await issue(for: holderId)
        return ["Token \(id) for \(holderName) (shown once, keep it safe):", token]
    }
}
