/// Requests that arrive while the database works on others wait here and go next together, one
/// round trip (and, for writes, one transaction) for all of them; a lone request goes at once, so
/// nothing waits at low load. Each answer goes to its own request, success or failure.
///
/// Items are shared among lanes, one batch in flight per lane: the lane of an item is chosen by
/// the caller (`lane`), so that batches of different lanes never need the same rows. Used for
/// submissions (`IntakeBatcher`) and for the API's token lookups (`TokenLookups`).
///
/// A batch that has not answered by its deadline is answered `late` for each of its items and
/// its lane takes the next: a batch stuck on the database (waiting for a connection while
/// PostgreSQL restarts) would otherwise hold up every request of its lane, not only its own,
/// long after each request's own deadline (the fault test of `cfund serve` counted a twentieth
/// of the requests answered). The stuck batch is cancelled and may still finish: like a request
/// answered 503 at its deadline, it may or may not have been recorded.
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
    private let deadline: Duration
    private let late: @Sendable () -> any Error
    /// The batches in flight, by number, with their deadline's timer; a batch is answered once,
    /// by whichever of its run and its timer comes first.
    private var inFlight: [Int: (waiting: [Waiting], timer: Task<Void, Never>)] = [:]
    private var numbered = 0
    /// How many batches ran and how many items they held (the tests read them).
    private(set) var batches = 0
    private(set) var received = 0

    /// - Parameters:
    ///   - lanes: batches in flight at once (connections held).
    ///   - largestBatch: most items in one batch; a larger rush makes more batches.
    ///   - lane: which lane an item waits in, any integer (taken modulo `lanes`).
    ///   - deadline: how long a batch may take before its items are answered `late`.
    init(
        lanes: Int, largestBatch: Int, deadline: Duration, late: @escaping @Sendable () -> any Error,
        lane: @escaping @Sendable (Item) -> Int = { _ in 0 }, run: @escaping Run
    ) {
        self.lanes = Array(repeating: Lane(), count: max(1, lanes))
        self.largestBatch = max(1, largestBatch)
        self.deadline = deadline
        self.late = late
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
        numbered += 1
        let number = numbered
        let (run, items, deadline) = (run, batch.map(\.item), deadline)
        let work = Task { self.settle(number, lane: index, with: await run(items)) }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            guard !Task.isCancelled else { return }
            work.cancel()
            self.settle(number, lane: index, with: nil)
        }
        inFlight[number] = (batch, timer)
    }

    /// Answers a batch with its outcomes, or `late` (nil) when its deadline came first; then its
    /// lane takes the next.
    private func settle(_ number: Int, lane index: Int, with outcomes: [Result<Answer, any Error>]?) {
        guard let (batch, timer) = inFlight.removeValue(forKey: number) else { return }
        timer.cancel()
        for (position, entry) in batch.enumerated() {
            entry.answer.resume(with: outcomes.map { $0[position] } ?? .failure(late()))
        }
        lanes[index].busy = false
        start(index)
    }
}
