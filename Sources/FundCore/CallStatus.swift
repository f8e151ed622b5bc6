/// Where a call for projects is in its life: `draft → open → closed → reviewing → decided`.
public enum CallStatus: String, CaseIterable, Codable, Sendable {
    case draft
    case open
    case closed
    case reviewing
    case decided

    /// The single forward step each state allows; nothing goes backwards.
    public var allowedNext: [CallStatus] {
        switch self {
        case .draft: return [.open]
        case .open: return [.closed]
        case .closed: return [.reviewing]
        case .reviewing: return [.decided]
        case .decided: return []
        }
    }

    public func canBecome(_ next: CallStatus) -> Bool { allowedNext.contains(next) }

    /// Budget and eligibility rules may change only while the call is a draft.
    public var rulesAreFrozen: Bool { self != .draft }
}
