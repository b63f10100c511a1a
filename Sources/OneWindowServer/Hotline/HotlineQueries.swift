import Fluent
import Foundation
import OneWindowCore

/// Read-only queries of the hotline, taking a `Database` (never a `Request`).
enum HotlineQueries {
    /// How far back and how alike an open order must be to be offered for 并单.
    static let duplicateWindowDays = 30
    static let duplicateThreshold = 0.3
    /// Added to the text similarity when the place is the same (same address typed, or the same township).
    static let samePlaceBonus = 0.1

    /// Open orders of the last 30 days that look like the same appeal as `text`: character-bigram cosine similarity
    /// (`TextFingerprint`) plus 0.1 for the same address or township, at least 0.3; in the same township when one
    /// is given; the 5 most similar, most similar first (the score is capped at 1).
    static func similarOpenOrders(
        text: String, address: String? = nil, township: String?, region: String, now: Date,
        on db: any Database
    ) async throws -> [(order: WorkOrder, similarity: Double)] {
        let since = now.addingTimeInterval(-Double(duplicateWindowDays) * 86_400)
        var query = WorkOrder.scoped(on: db, to: region).filter(\.$receivedAt >= since)
            .filter(\.$state ~~ [.registered, .dispatched, .handling, .returned])
        if let township, !township.isEmpty { query = query.filter(\.$townshipCode == township) }
        let candidates = try await query.sort(\.$receivedAt, .descending).limit(500).all()
        let probe = TextFingerprint(text)
        let place = TextNormalization.trimmed(address ?? "")
        return candidates.map { order in
            let samePlace = (!place.isEmpty && order.address == place) || (township?.isEmpty == false && order.townshipCode == township)
            let score =
                TextFingerprint.similarity(probe, TextFingerprint(order.title + " " + order.content)) + (samePlace ? samePlaceBonus : 0)
            return (order, min(1, score))
        }
        .filter { $0.1 >= duplicateThreshold }
        .sorted { $0.1 > $1.1 }
        .prefix(5).map { (order: $0.0, similarity: $0.1) }
    }
}
