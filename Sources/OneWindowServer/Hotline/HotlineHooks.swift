import Foundation
import OneWindowCore

/// The 12345 callback is the appellant's 好差评 of the work order (channel 12345 回访; RULES.md): Hotline asks,
/// Evaluation records it (and a 不满意 opens a rectification there).
protocol CallbackRatings: Sendable {
    /// Records the callback's satisfaction as the order's one rating, in `context.db` (the callback's transaction);
    /// nothing when the order is rated already.
    func recordCallback(workOrder id: UUID, satisfaction: Satisfaction, note: String, context: ServiceContext) async throws
}
