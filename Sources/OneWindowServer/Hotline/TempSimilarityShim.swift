import Foundation
import OneWindowCore

// Temporary until Core's TextSimilarity lands (same API).
struct TextFingerprint {
    let counts: [String: Int]
    let norm: Double
    init(_ text: String) {
        var counts: [String: Int] = [:]
        for gram in TextFeatures.ngrams(text, sizes: 2...2) { counts[gram, default: 0] += 1 }
        self.counts = counts
        self.norm = sqrt(Double(counts.values.reduce(0) { $0 + $1 * $1 }))
    }
    func similarity(to other: TextFingerprint) -> Double {
        guard norm > 0, other.norm > 0 else { return 0 }
        var dot = 0
        for (gram, count) in counts { dot += count * (other.counts[gram] ?? 0) }
        return Double(dot) / (norm * other.norm)
    }
}

struct TopicCluster { let memberIDs: [String]; let label: String; var count: Int { memberIDs.count } }

enum HotTopics {
    static func cluster(_ items: [(id: String, text: String)], threshold: Double = 0.3) -> [TopicCluster] {
        var heads: [(TextFingerprint, [String], String)] = []
        for item in items {
            let print = TextFingerprint(item.text)
            if let index = heads.firstIndex(where: { $0.0.similarity(to: print) >= threshold }) {
                heads[index].1.append(item.id)
            } else {
                heads.append((print, [item.id], String(item.text.prefix(20))))
            }
        }
        return heads.map { TopicCluster(memberIDs: $0.1, label: $0.2) }.sorted { $0.count > $1.count }
    }
}
