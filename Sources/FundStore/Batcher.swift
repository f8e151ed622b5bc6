/// Requests that arrive while the database works on others wait here and go next together, one
/// round trip (and, for writes, one transaction) for all of them; a lone request goes at once, so
/// nothing waits at low load. Each answer goes to its own request, success or failure.
///
/// Items are shared among lanes, one batch in flight per lane: the lane of an item is chosen by
/// the caller (`lane`), so that batches of different lanes never need the same rows. Used for
/// submissions (`IntakeBatcher`) and for the API's token lookups (`TokenLookups`).
actor Batcher<Item: Sendable, Answer: Sendable> {
    /// One call for a batch: each item's answer, in the items' order.
    typealias Run = @Sendable ([Item]) async -> [Result<Answer, any Error>]
    private typealias Waiting = (item: Item, answer: CheckedContinuation<Answer, any Error>)
    private struct Lane {
        var waiting: [Waiting] = []
        var busy = false
    }

    private var lanes: [Lane]
    private let largestBatch: Int
    private let lane: @Sendable (Item) -> Int
    private let run: Run
    /// How many batches ran and how many items they held (the tests read them).
    private(set) var batches = 0
    private(set) var received = 0

    /// - Parameters:
    ///   - lanes: batches in flight at once (connections held).
    ///   - largestBatch: most items in one batch; a larger rush makes more batches.
    ///   - lane: which lane an item waits in, any integer (taken modulo `lanes`).
    init(lanes: Int, largestBatch: Int, lane: @escaping @Sendable (Item) -> Int = { _ in 0 }, run: @escaping Run) {
        self.lanes = Array(repeating: Lane(), count: max(1, lanes))
        self.largestBatch = max(1, largestBatch)
        self.lane = lane
        self.run = run
    }

    /// `item`'s answer, once the batch holding it has run.
    func answer(_ item: Item) async throws -> Answer {
        let index = Int(UInt(bitPattern: lane(item)) % UInt(lanes.count))
        return try await withCheckedThrowingContinuation { answer in
            lanes[index].waiting.append((item, answer))
            start(index)
        }
    }

    private func start(_ index: Int) {
        guard !lanes[index].busy, !lanes[index].waiting.isEmpty else { return }
        let batch = Array(lanes[index].waiting.prefix(largestBatch))
        lanes[index].waiting.removeFirst(batch.count)
        lanes[index].busy = true
        batches += 1
        received += batch.count
        let run = run
        Task {
            let outcomes = await run(batch.map(\.item))
            for (entry, outcome) in zip(batch, outcomes) { entry.answer.resume(with: outcome) }
            self.finished(index)
        }
    }

    private func finished(_ index: Int) {
        lanes[index].busy = false
        start(index)
    }
}
