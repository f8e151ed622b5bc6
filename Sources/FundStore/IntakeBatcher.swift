import Foundation
import FundCore
import PostgresNIO

/// Submissions that arrive together are received together (issue 15, Schema/0023): while
/// the database works on some, the ones that arrive meanwhile wait (`Batcher`) and go next as
/// one call of `receive_submissions`, one transaction and one WAL flush for all of them. Each is
/// still received with every rule of `receive_submission`, in a subtransaction of its own:
/// refused alone, accepted alone, and answered only once the transaction holding it has
/// committed.
///
/// Organisations are shared among lanes: a transaction holds its organisations' counter rows
/// (the cap) and idempotency locks until it commits, so batches of different lanes never wait
/// for each other. With one queue for all, any two batches of a rush shared an organisation and
/// ran one after the other: four clients of pgbench in disjoint lanes received 1.6 times what
/// four drawing from all organisations did.
///
/// One per server; the API's intake uses it (`Intake.submit(..., batcher:)`).
public struct IntakeBatcher: Sendable {
    private let batcher: Batcher<ReceiveStatement, ReceiveStatement.Row>

    /// - Parameters:
    ///   - concurrentBatches: lanes, so transactions in flight at once (connections the intake holds).
    ///   - largestBatch: most submissions in one transaction; a larger rush makes more batches.
    ///   - deadline: how long a batch may take before its submissions are answered 503 (the
    ///     server's request timeout); they may still be recorded, and a retry with the same
    ///     Idempotency-Key is safe.
    public init(
        database: Database, concurrentBatches: Int = 4, largestBatch: Int = 64, deadline: Duration = .seconds(10)
    ) {
        batcher = Batcher(
            lanes: concurrentBatches, largestBatch: largestBatch, deadline: deadline,
            late: {
                FundError.databaseUnavailable(
                    "The database did not answer in time; the submission may not have been recorded: "
                        + "send it again with the same Idempotency-Key.")
            },
            lane: { Int(truncatingIfNeeded: $0.organisationId) }, run: { await Self.run($0, on: database) })
    }

    /// How many batches ran and how many submissions they held (the tests read them).
    public var batches: Int { get async { await batcher.batches } }
    public var received: Int { get async { await batcher.received } }

    /// Receives the submission `item` would receive alone, with the others waiting; its row once
    /// its transaction has committed, or its own refusal as the domain error it stands for.
    func receive(_ item: ReceiveStatement) async throws -> ReceiveStatement.Row {
        try await batcher.answer(item)
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
            let sent = order.map { items[$0] }
            let rows = try await database.query(
                """
                SELECT item, submission_id, replayed, version, status, received_at, first_received_at,
                       refused_state, refused_constraint, refused_table, refused_column, refused_message, refused_detail
                FROM receive_submissions(
                    \(sent.map(\.callId)), \(sent.map(\.organisationId)), \(sent.map { $0.key ?? "" }),
                    \(sent.map(\.fingerprint)), \(sent.map(\.content.title)), \(sent.map(\.content.summary)),
                    \(sent.map(\.content.requested.cents)), \(sent.map(\.content.totalCost.cents)),
                    \(sent.map { $0.content.ambitions.map(\.rawValue).joined(separator: ",") }),
                    \(sent.map(\.content.contactName)), \(sent.map(\.content.contactEmail)),
                    \(sent.map { $0.actor ?? "" }), \(sent.map(\.arrival.waitedMilliseconds)))
                """)
            var outcomes = [Result<ReceiveStatement.Row, any Error>](
                repeating: .failure(
                    FundError.database(
                        "The submission was not recorded; send it again with the same Idempotency-Key.")),
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
}
