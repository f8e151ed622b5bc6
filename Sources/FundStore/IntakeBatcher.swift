import Foundation
import FundCore
import PostgresNIO

/// Submissions that arrive together are received together (issue 15, Schema/0023): while the
/// database works on some, the ones that arrive meanwhile wait here and go next as one call of
/// `receive_submissions`, one transaction and one WAL flush for all of them. Each is still
/// received with every rule of `receive_submission`, in a subtransaction of its own: refused
/// alone, accepted alone, and answered only once the transaction holding it has committed. A
/// lone request goes at once; batches form only when requests outnumber the batches in flight.
///
/// One per server; the API's intake uses it (`Intake.submit(..., batcher:)`).
public actor IntakeBatcher {
    private let database: Database
    private let concurrentBatches: Int
    private let largestBatch: Int
    private var waiting: [(statement: ReceiveStatement, answer: CheckedContinuation<ReceiveStatement.Row, any Error>)] =
        []
    private var inFlight = 0
    /// How many batches ran and how many submissions they held (the tests read them).
    public private(set) var batches = 0
    public private(set) var received = 0

    /// - Parameters:
    ///   - concurrentBatches: transactions in flight at once (connections the intake holds).
    ///   - largestBatch: most submissions in one transaction; a larger rush makes more batches.
    public init(database: Database, concurrentBatches: Int = 4, largestBatch: Int = 64) {
        self.database = database
        self.concurrentBatches = max(1, concurrentBatches)
        self.largestBatch = max(1, largestBatch)
    }

    /// Receives the submission `item` would receive alone, with the others waiting; its row once
    /// its transaction has committed, or its own refusal as the domain error it stands for.
    func receive(_ item: ReceiveStatement) async throws -> ReceiveStatement.Row {
        try await withCheckedThrowingContinuation { answer in
            waiting.append((item, answer))
            startBatches()
        }
    }

    private func startBatches() {
        while inFlight < concurrentBatches, !waiting.isEmpty {
            let batch = Array(waiting.prefix(largestBatch))
            waiting.removeFirst(batch.count)
            inFlight += 1
            batches += 1
            received += batch.count
            let database = database
            Task {
                let outcomes = await Self.run(batch.map(\.statement), on: database)
                for (entry, outcome) in zip(batch, outcomes) { entry.answer.resume(with: outcome) }
                await self.finished()
            }
        }
    }

    private func finished() {
        inFlight -= 1
        startBatches()
    }

    /// One transaction for `items`: each one's outcome, in their order. A failure of the whole
    /// (a lost connection) is every item's, and a retry with the same Idempotency-Key is safe.
    static func run(_ items: [ReceiveStatement], on database: Database) async -> [Result<
        ReceiveStatement.Row, any Error
    >] {
        // The same order of locks in every batch: no two batches wait on each other in a cycle.
        let order = items.indices.sorted {
            (items[$0].organisationId, items[$0].key ?? "") < (items[$1].organisationId, items[$1].key ?? "")
        }
        do {
            let sent = order.map { payload(items[$0]) }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: sent), as: UTF8.self)
            let rows = try await database.query(
                """
                SELECT item, submission_id, replayed, version, status, received_at, first_received_at,
                       refused_state, refused_constraint, refused_table, refused_column, refused_message, refused_detail
                FROM receive_submissions(\(json)::jsonb)
                """)
            var outcomes = [Result<ReceiveStatement.Row, any Error>](
                repeating: .failure(FundError.database("The submission was not recorded; send it again.")),
                count: items.count)
            for row in rows {
                let (
                    position, id, replayed, version, status, receivedAt, firstReceivedAt, state, constraint, table,
                    column, message, detail
                ) = try row.decode(
                    (
                        Int, Int64?, Bool?, Int?, String?, Date?, Date?, String?, String?, String?, String?, String?,
                        String?
                    ).self)
                let index = order[position - 1]
                if let id, let replayed, let version, let status, let receivedAt, let firstReceivedAt {
                    outcomes[index] = .success((id, replayed, version, status, receivedAt, firstReceivedAt))
                } else {
                    outcomes[index] = .failure(
                        RefusalCatalogue.error(
                            for: Refusal(
                                sqlState: state ?? "", constraint: constraint, table: table, column: column,
                                message: message ?? "refused", detail: detail)))
                }
            }
            return outcomes
        } catch {
            return items.map { _ in .failure(Database.domainError(error)) }
        }
    }

    /// An item as `receive_submissions` reads it; the wait is measured now, as the batch goes.
    private static func payload(_ item: ReceiveStatement) -> [String: Any] {
        var fields: [String: Any] = [
            "call": item.callId, "organisation": item.organisationId, "sha256": item.fingerprint,
            "title": item.content.title, "summary": item.content.summary, "requested": item.content.requested.cents,
            "totalCost": item.content.totalCost.cents, "ambitions": item.content.ambitions.map(\.rawValue),
            "contactName": item.content.contactName, "contactEmail": item.content.contactEmail,
            "waited": Int(item.arrival.waitedMilliseconds),
        ]
        if let key = item.key { fields["key"] = key }
        if let actor = item.actor { fields["actor"] = actor }
        return fields
    }
}
