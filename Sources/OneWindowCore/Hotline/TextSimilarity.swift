import Foundation

/// What a text is made of, for comparing 12345 appeals (重复诉求并单 — RULES.md, 12345 work orders — and hot
/// topics): the counts of the character bigrams of the normalised text (`TextFeatures`: NFKC, lower case, grams
/// never cross white space or punctuation). A run of a single gram character (`a`, `1`, `路`) counts as that
/// character, so short texts are not empty. Deterministic.
public struct TextFingerprint: Sendable, Hashable {
    /// Distinct gram keys, ascending, with their weights (raw counts, or the weights `HotTopics` gives them).
    let keys: [UInt64]
    let weights: [Double]
    /// Euclidean length of `weights`.
    let norm: Double

    /// The fingerprint of `text` (bigram counts).
    public init(_ text: String) {
        self.init(counts: TextFingerprint.bigramCounts(text))
    }

    init(counts: [UInt64: Double]) {
        let sorted = counts.keys.sorted()
        keys = sorted
        weights = sorted.map { counts[$0]! }
        norm = weights.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// Number of distinct bigrams.
    public var count: Int { keys.count }

    /// Cosine similarity of the two bigram count vectors, in 0…1: 1 for texts made of the same bigrams in the
    /// same proportions (word order and punctuation aside), 0 when they share none or either is empty. Symmetric.
    public static func similarity(_ a: TextFingerprint, _ b: TextFingerprint) -> Double {
        guard a.norm > 0, b.norm > 0 else { return 0 }
        return min(1, dot(a, b) / (a.norm * b.norm))
    }

    /// Σ aᵢ·bᵢ over shared keys (a merge of the two sorted key lists).
    static func dot(_ a: TextFingerprint, _ b: TextFingerprint) -> Double {
        var i = 0
        var j = 0
        var sum = 0.0
        while i < a.keys.count && j < b.keys.count {
            if a.keys[i] == b.keys[j] {
                sum += a.weights[i] * b.weights[j]
                i += 1
                j += 1
            } else if a.keys[i] < b.keys[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }

    /// Bigram keys with their counts; a run of one gram character contributes its unigram.
    static func bigramCounts(_ text: String) -> [UInt64: Double] {
        let values = TextFeatures.scalarRuns(TextFeatures.normalize(text))
        var counts: [UInt64: Double] = [:]
        var index = 0
        while index < values.count {
            if values[index] == 0 {
                index += 1
                continue
            }
            let startsRun = index == 0 || values[index - 1] == 0
            let endsRun = index + 1 == values.count || values[index + 1] == 0
            if startsRun && endsRun {
                counts[UInt64(values[index]), default: 0] += 1
            } else if !endsRun {
                counts[UInt64(values[index]) << TextFeatures.bitsPerScalar | UInt64(values[index + 1]), default: 0] += 1
            }
            index += 1
        }
        return counts
    }
}

/// One hot topic: appeals about the same thing.
public struct TopicCluster: Sendable, Hashable {
    /// The members' ids, in input order.
    public var memberIDs: [String]
    /// The member whose text is most similar to the topic as a whole (the centroid); ties go to the earlier one.
    public var representativeID: String
    /// Up to five 2–3-character grams that most set the topic apart: shared by the most members, rare in the whole
    /// input (count of members × idf), a gram inside a better keyword left out; best first.
    public var keywords: [String]
    /// Number of members.
    public var count: Int { memberIDs.count }
}

/// Groups short texts (an appeal's title and content) into topics, for the hot-topic list of the monthly report.
///
/// The rule, deterministic and in one pass over the input in its order: every text becomes a TF-IDF vector of
/// character bigrams (counts as in `TextFingerprint`, times `ln((1 + n) / (1 + df)) + 1` over the n input texts,
/// so boilerplate such as 您好 or 小区 weighs less), normalised to length 1. A text joins the existing topic whose
/// centroid (the sum of its members' vectors) has the highest cosine similarity with it, if that similarity is at
/// least `threshold`; ties go to the older topic. Otherwise it starts a new topic. Candidate topics are found
/// through an inverted index from bigram to topics, so a text is compared only with topics it shares a bigram with.
public enum HotTopics {
    /// Clusters `items` (ids should be unique) at a cosine `threshold` in 0…1 (0.3–0.5 suits appeals; higher
    /// means tighter topics). Topics are sorted by member count, largest first, then by their first member's
    /// position in the input. Singletons are included.
    public static func cluster(_ items: [(id: String, text: String)], threshold: Double) -> [TopicCluster] {
        let counts = items.map { TextFingerprint.bigramCounts($0.text) }
        var documentFrequency: [UInt64: Int] = [:]
        for bag in counts { for key in bag.keys { documentFrequency[key, default: 0] += 1 } }
        let n = Double(items.count)
        func idf(_ key: UInt64) -> Double { log((1 + n) / (1 + Double(documentFrequency[key]!))) + 1 }
        let vectors: [TextFingerprint] = counts.map { bag in
            var weighted: [UInt64: Double] = [:]
            for (key, count) in bag { weighted[key] = count * idf(key) }
            let norm = weighted.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for key in weighted.keys { weighted[key]! /= norm } }
            return TextFingerprint(counts: weighted)
        }

        var centroids: [[UInt64: Double]] = []
        var centroidNormSquared: [Double] = []
        var members: [[Int]] = []
        var postings: [UInt64: [Int]] = [:]
        var dots: [Double] = []
        var touched: [Int] = []
        for (index, vector) in vectors.enumerated() {
            // Dot products with every topic sharing a bigram.
            for (key, weight) in zip(vector.keys, vector.weights) {
                guard let topics = postings[key] else { continue }
                for topic in topics {
                    if dots[topic] == 0 { touched.append(topic) }
                    dots[topic] += weight * centroids[topic][key]!
                }
            }
            var best = -1
            var bestSimilarity = -1.0
            for topic in touched {
                let similarity = dots[topic] / centroidNormSquared[topic].squareRoot()
                if similarity > bestSimilarity || (similarity == bestSimilarity && topic < best) {
                    best = topic
                    bestSimilarity = similarity
                }
                dots[topic] = 0
            }
            touched.removeAll(keepingCapacity: true)
            let topic: Int
            if best >= 0 && bestSimilarity >= threshold {
                topic = best
            } else {
                topic = centroids.count
                centroids.append([:])
                centroidNormSquared.append(0)
                members.append([])
                dots.append(0)
            }
            members[topic].append(index)
            var normSquared = centroidNormSquared[topic]
            for (key, weight) in zip(vector.keys, vector.weights) {
                let old = centroids[topic][key] ?? 0
                if old == 0 { postings[key, default: []].append(topic) }
                centroids[topic][key] = old + weight
                normSquared += (old + weight) * (old + weight) - old * old
            }
            centroidNormSquared[topic] = normSquared
        }

        let clusters = members.indices.map { topic -> (first: Int, cluster: TopicCluster) in
            let centroid = TextFingerprint(counts: centroids[topic])
            var representative = members[topic][0]
            var bestSimilarity = -1.0
            for member in members[topic] {
                let similarity = TextFingerprint.similarity(vectors[member], centroid)
                if similarity > bestSimilarity {
                    representative = member
                    bestSimilarity = similarity
                }
            }
            let cluster = TopicCluster(
                memberIDs: members[topic].map { items[$0].id },
                representativeID: items[representative].id,
                keywords: keywords(members[topic].map { items[$0].text }, idf: { key in
                    log((1 + n) / (1 + Double(documentFrequency[key] ?? 0))) + 1
                }))
            return (members[topic][0], cluster)
        }
        return clusters
            .sorted { $0.cluster.count != $1.cluster.count ? $0.cluster.count > $1.cluster.count : $0.first < $1.first }
            .map(\.cluster)
    }

    /// The topic's keywords: 2–3-grams by (members containing them) × idf, ties by the gram's text; a gram that is
    /// part of a better keyword, or contains one with the same member count, is skipped. The idf of a trigram is
    /// approximated by that of its rarer bigram.
    static func keywords(_ texts: [String], idf: (UInt64) -> Double, limit: Int = 5) -> [String] {
        var memberCount: [UInt64: Int] = [:]
        for text in texts {
            for key in Set(TextFeatures.gramKeys(TextFeatures.normalize(text), sizes: 2...3)) { memberCount[key, default: 0] += 1 }
        }
        let mask: UInt64 = (1 << (2 * TextFeatures.bitsPerScalar)) - 1
        func weight(_ key: UInt64) -> Double {
            if TextFeatures.size(ofKey: key) == 2 { return idf(key) }
            return max(idf(key >> TextFeatures.bitsPerScalar), idf(key & mask))
        }
        let ranked = memberCount
            .map { (text: TextFeatures.string(forKey: $0.key), members: $0.value, score: Double($0.value) * weight($0.key)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.text < $1.text }
        var chosen: [(text: String, members: Int)] = []
        for candidate in ranked where chosen.count < limit {
            let overlaps = chosen.contains { kept in
                kept.text.contains(candidate.text) || (candidate.text.contains(kept.text) && candidate.members == kept.members)
            }
            if !overlaps { chosen.append((candidate.text, candidate.members)) }
        }
        return chosen.map(\.text)
    }
}
