import FundStore
import Logging
import ServiceLifecycle

/// Seals the audit events that requests wrote into the hash chain every `interval`, and once
/// more when the server stops. Requests never wait on the chain (Schema/0005 says why); an
/// event is unsealed for about `interval` at most while the server runs.
struct AuditSealer: Service {
    let database: Database
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await seal()
            }
        }
        await seal()
    }

    private func seal() async {
        do {
            try await AuditTrail(database).seal()
        } catch {
            // The next round, the CLI or `cfund audit verify` seals what is left.
            database.logger.warning("audit events not sealed yet", metadata: ["error": "\(error)"])
        }
    }
}
