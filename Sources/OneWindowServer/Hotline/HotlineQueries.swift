import Fluent
import Foundation
import OneWindowCore

/// Read-only queries of the hotline, taking a `Database` (never a `Request`).
enum HotlineQueries {
    /// How far back and how alike an open order must be to be offered for 并单.
    static let duplicateWindowDays = 30
    static let duplicateThreshold = 0.35

    /// Open orders of the last 30 days that look like the same appeal as `text` (character-bigram similarity ≥ 0.35,
    /// `TextFingerprint`), in the same township when one is given; the 5 most similar, most similar first.
    static func similarOpenOrders(text: String, township: String?, region: String, now: Date, on db: any Database) async throws
        -> [(order: WorkOrder, similarity: Double)] {
        let since = now.addingTimeInterval(-Double(duplicateWindowDays) * 86_400)
        var query = WorkOrder.query(on: db).filter(\.$regionCode == region).filter(\.$receivedAt >= since)
            .filter(\.$state ~~ [.registered, .dispatched, .handling, .returned])
        if let township, !township.isEmpty { query = query.filter(\.$townshipCode == township) }
        let candidates = try await query.sort(\.$receivedAt, .descending).limit(500).all()
        let probe = TextFingerprint(text)
        return candidates.map { ($0, TextFingerprint.similarity(probe, TextFingerprint($0.title + " " + $0.content))) }
            .filter { $0.1 >= duplicateThreshold }
            .sorted { $0.1 > $1.1 }
            .prefix(5).map { (order: $0.0, similarity: $0.1) }
    }
}
