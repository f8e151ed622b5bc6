/// Requests that arrive while the database works on others wait here and go next together, one
/// round trip (and, for writes, one transaction) for all of them; a lone request goes at once, so
/// nothing waits at low load. Each answer goes to its own request, success or failure.
///
/// Items are shared among lanes, one batch in flight per lane: the lane of an item is chosen by
/// the caller (`lane`), so that batches of different lanes never need the same rows. Used for
/// submissions (`IntakeBatcher`) and for the API's token lookups (`TokenLookups`).
///
/// A batch can get stuck on the database (PostgresNIO can lose a query sent as its connection
/// closes, see the README's faults). So a lane waits for its batch only `patience`, then takes
/// the next batch alongside; and a batch that has not answered by its deadline is answered
/// `late` for each of its items and cancelled. Without the first, one stuck batch held up every
/// request of its lane until its deadline (the fault test of `cfund serve`: a sixth of the
/// answers at the timeout, a twentieth of the requests served). A cancelled batch may still
/// finish: like a request answered 503 at its deadline, it may or may not have been recorded.
actor Batcher<Item: Sendable, Answer: Sendable> {
    /// One call for a batch: each item's answer, in the items' order.
    typealias Run = @Sendable ([Item]) async -> [Result<Answer, any Error>]
    private typealias Waiting = (item: Item, answer: CheckedContinuation<Answer, any Error>)
    private struct Lane {
        var waiting: [Waiting] = []
        /// The batch the lane waits for, if it has not yet run out of patience.
        var awaited: Int?
    }

    private var lanes: [Lane]
    private let largestBatch: Int
    private let lane: @Sendable (Item) -> Int
    private let run: Run
    private let patience: Duration
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
    ///   - patience: how long a lane waits for its batch before taking the next alongside; far
    ///     longer than a batch takes when the database answers.
    ///   - deadline: how long a batch may take before its items are answered `late`.
    init(
        lanes: Int, largestBatch: Int, patience: Duration = .milliseconds(500), deadline: Duration,
        late: @escaping @Sendable () -> any Error, lane: @escaping @Sendable (Item) -> Int = { _ in 0 },
        run: @escaping Run
    ) {
        self.lanes = Array(repeating: Lane(), count: max(1, lanes))
        self.largestBatch = max(1, largestBatch)
        self.patience = min(patience, deadline)
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
        guard lanes[index].awaited == nil, !lanes[index].waiting.isEmpty else { return }
        let batch = Array(lanes[index].waiting.prefix(largestBatch))
        lanes[index].waiting.removeFirst(batch.count)
        batches += 1
        received += batch.count
        numbered += 1
        let number = numbered
        lanes[index].awaited = number
        let (run, items, patience, deadline) = (run, batch.map(\.item), patience, deadline)
        let work = Task { self.settle(number, lane: index, with: await run(items)) }
        let timer = Task {
            try? await Task.sleep(for: patience)
            guard !Task.isCancelled else { return }
            self.release(number, lane: index)
            try? await Task.sleep(for: deadline - patience)
            guard !Task.isCancelled else { return }
            work.cancel()
            self.settle(number, lane: index, with: nil)
        }
        inFlight[number] = (batch, timer)
    }

    /// The lane stops waiting for batch `number` and takes the next.
    private func release(_ number: Int, lane index: Int) {
        guard lanes[index].awaited == number else { return }
        lanes[index].awaited = nil
        start(index)
    }

    /// Answers a batch with its outcomes, or `late` (nil) when its deadline came first.
    private func settle(_ number: Int, lane index: Int, with outcomes: [Result<Answer, any Error>]?) {
        guard let (batch, timer) = inFlight.removeValue(forKey: number) else { return }
        timer.cancel()
        for (position, entry) in batch.enumerated() {
            entry.answer.resume(with: outcomes.map { $0[position] } ?? .failure(late()))
        }
        release(number, lane: index)
    }
}
