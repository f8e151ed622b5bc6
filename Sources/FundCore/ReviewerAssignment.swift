/// Decides who reviews what: every submission gets the reviewers it lacks, nobody reviews an
/// organisation they are conflicted with, loads stay as even as possible, and the same input
/// always gives the same plan.
public enum ReviewerAssignment {
    public struct SubmissionNeed: Hashable, Sendable {
        public let submissionId: Int64
        public let organisationId: Int64
        /// Reviewers already assigned (a re-run only adds what is missing).
        public let assigned: Set<Int64>

        public init(submissionId: Int64, organisationId: Int64, assigned: Set<Int64> = []) {
            self.submissionId = submissionId
            self.organisationId = organisationId
            self.assigned = assigned
        }
    }

    public struct Reviewer: Hashable, Sendable {
        public let id: Int64
        /// The affiliation and every declared conflict.
        public let conflictedOrganisations: Set<Int64>
        /// Assignments the reviewer already holds in this call.
        public let currentLoad: Int

        public init(id: Int64, conflictedOrganisations: Set<Int64>, currentLoad: Int = 0) {
            self.id = id
            self.conflictedOrganisations = conflictedOrganisations
            self.currentLoad = currentLoad
        }
    }

    public struct Pair: Hashable, Sendable {
        public let submissionId: Int64
        public let reviewerId: Int64

        public init(submissionId: Int64, reviewerId: Int64) {
            self.submissionId = submissionId
            self.reviewerId = reviewerId
        }
    }

    /// - Returns: the new pairs to store, or the reasons nothing can be assigned.
    public static func plan(
        submissions: [SubmissionNeed], reviewers: [Reviewer], perSubmission: Int, maxLoad: Int? = nil
    ) -> Result<[Pair], AssignmentImpossible> {
        let reviewers = reviewers.sorted { $0.id < $1.id }
        var load = reviewers.map(\.currentLoad)
        var problems: [Message] = []
        // Candidates per submission, and the most constrained submissions first.
        var work: [(need: SubmissionNeed, candidates: [Int], missing: Int)] = []
        for need in submissions.sorted(by: { $0.submissionId < $1.submissionId }) {
            let missing = perSubmission - need.assigned.count
            guard missing > 0 else { continue }
            let candidates = reviewers.indices.filter {
                !reviewers[$0].conflictedOrganisations.contains(need.organisationId)
                    && !need.assigned.contains(reviewers[$0].id)
            }
            if candidates.count < missing {
                problems.append(
                    Message(
                        "assign.short",
                        [
                            "submission": .text(String(need.submissionId)), "missing": .number(missing),
                            "free": .number(candidates.count),
                        ]))
            }
            work.append((need, candidates, missing))
        }
        guard problems.isEmpty else { return .failure(AssignmentImpossible(reasons: problems)) }
        work.sort { ($0.candidates.count, $0.need.submissionId) < ($1.candidates.count, $1.need.submissionId) }

        var pairs: [Pair] = []
        var holders: [Int64: [Int]] = [:]
        for item in work {
            // The least-loaded candidates, lowest id first among equals (candidates are in id order).
            var chosen: [Int] = []
            for candidate in item.candidates where maxLoad == nil || load[candidate] < maxLoad! {
                if chosen.count < item.missing {
                    chosen.append(candidate)
                    chosen.sort { (load[$0], $0) < (load[$1], $1) }
                } else if load[candidate] < load[chosen[chosen.count - 1]] {
                    chosen[chosen.count - 1] = candidate
                    chosen.sort { (load[$0], $0) < (load[$1], $1) }
                }
            }
            if chosen.count < item.missing, let maxLoad {
                // Repair: move one of a full reviewer's submissions to someone with room.
                for candidate in item.candidates where !chosen.contains(candidate) && chosen.count < item.missing {
                    if relieve(
                        candidate, maxLoad: maxLoad, reviewers: reviewers, load: &load, pairs: &pairs,
                        holders: &holders, work: work)
                    {
                        chosen.append(candidate)
                    }
                }
            }
            guard chosen.count == item.missing else {
                return .failure(
                    AssignmentImpossible(reasons: [
                        Message(
                            "assign.load",
                            [
                                "submission": .text(String(item.need.submissionId)), "missing": .number(item.missing),
                                "load": .number(maxLoad ?? 0),
                            ])
                    ]))
            }
            for index in chosen {
                load[index] += 1
                holders[item.need.submissionId, default: []].append(index)
                pairs.append(Pair(submissionId: item.need.submissionId, reviewerId: reviewers[index].id))
            }
        }
        return .success(pairs.sorted { ($0.submissionId, $0.reviewerId) < ($1.submissionId, $1.reviewerId) })
    }

    /// Frees a place for `full` by handing one of its new submissions to a reviewer under the
    /// cap who may review it.
    private static func relieve(
        _ full: Int, maxLoad: Int, reviewers: [Reviewer], load: inout [Int], pairs: inout [Pair],
        holders: inout [Int64: [Int]], work: [(need: SubmissionNeed, candidates: [Int], missing: Int)]
    ) -> Bool {
        for (pairIndex, pair) in pairs.enumerated() where pair.reviewerId == reviewers[full].id {
            guard let item = work.first(where: { $0.need.submissionId == pair.submissionId }) else { continue }
            let taken = Set(holders[pair.submissionId] ?? [])
            if let substitute = item.candidates.first(where: { load[$0] < maxLoad && !taken.contains($0) }) {
                pairs[pairIndex] = Pair(submissionId: pair.submissionId, reviewerId: reviewers[substitute].id)
                holders[pair.submissionId] = (holders[pair.submissionId] ?? []).map { $0 == full ? substitute : $0 }
                load[substitute] += 1
                load[full] -= 1
                return true
            }
        }
        return false
    }
}

/// Why no assignment was made; nothing is written.
public struct AssignmentImpossible: Error, Equatable, Sendable {
    public let reasons: [Message]

    public init(reasons: [Message]) {
        self.reasons = reasons
    }
}
