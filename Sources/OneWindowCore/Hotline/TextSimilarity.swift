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
        var counts: [UInt64: Double] = [:]
        for key in bigramKeys(text) { counts[key, default: 0] += 1 }
        return counts
    }

    /// The bigram keys of the normalised text in order, with repeats; a run of one gram character gives its
    /// unigram.
    static func bigramKeys(_ text: String) -> [UInt64] {
        let values = TextFeatures.scalarRuns(TextFeatures.normalize(text))
        var keys: [UInt64] = []
        keys.reserveCapacity(values.count)
        var index = 0
        while index < values.count {
            if values[index] != 0 {
                let startsRun = index == 0 || values[index - 1] == 0
                let endsRun = index + 1 == values.count || values[index + 1] == 0
                if startsRun && endsRun {
                    keys.append(UInt64(values[index]))
                } else if !endsRun {
                    keys.append(UInt64(values[index]) << TextFeatures.bitsPerScalar | UInt64(values[index + 1]))
                }
            }
            index += 1
        }
        return keys
    }
}

/// One hot topic: appeals about the same thing.
public struct TopicCluster: Sendable, Hashable {
    /// The members' ids, in input order.
    public var memberIDs: [String]
    /// The member whose text is most similar to the topic as a whole (the centroid); ties go to the earlier one.
    public var representativeID: String
    /// Up to five 2–3-character grams that most set the topic apart, best first: ranked by (members containing the
    /// gram) × idf over the whole input, longer grams first on ties, then by code points; a gram inside a chosen
    /// keyword is left out,
    /// and a longer gram found in as many members replaces the chosen gram it contains. Empty for a topic of one
    /// text (its representative's text says it all).
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
/// through an inverted index from bigram to topics, so a text is compared only with topics it shares a bigram with
/// (2,816 messages of ~390 characters: about 2 s in a debug build).
public enum HotTopics {
    /// Clusters `items` (ids should be unique) at a cosine `threshold` in 0…1 (0.3–0.5 suits appeals; higher
    /// means tighter topics). Topics are sorted by member count, largest first, then by their first member's
    /// position in the input. Singletons are included.
    public static func cluster(_ items: [(id: String, text: String)], threshold: Double) -> [TopicCluster] {
        // Dense bigram ids, document frequencies and idf.
        var table = GramTable(minimumCapacity: 1 << 14)
        let occurrences = items.map { table.ids(for: TextFingerprint.bigramKeys($0.text), inserting: true) }
        let features = table.count
        let n = Double(items.count)
        var documentFrequency = [Int32](repeating: 0, count: features)
        var counts = [Int32](repeating: 0, count: features)
        // Each text as distinct bigram ids with l2-normalised tf × idf weights.
        var itemIDs: [[Int32]] = []
        for ids in occurrences {
            var distinct: [Int32] = []
            for id in ids {
                if counts[Int(id)] == 0 { distinct.append(id) }
                counts[Int(id)] += 1
            }
            for id in distinct {
                documentFrequency[Int(id)] += 1
                counts[Int(id)] = 0
            }
            itemIDs.append(distinct)
        }
        let idf = documentFrequency.map { log((1 + n) / (1 + Double($0))) + 1 }
        let itemWeights: [[Double]] = zip(occurrences, itemIDs).map { ids, distinct in
            for id in ids { counts[Int(id)] += 1 }
            var weights = distinct.map { Double(counts[Int($0)]) * idf[Int($0)] }
            let norm = weights.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { weights = weights.map { $0 / norm } }
            for id in distinct { counts[Int(id)] = 0 }
            return weights
        }

        // Inverted index: per bigram, the topics whose centroid has it and the centroid's weight for it.
        var postingTopics = [[Int32]](repeating: [], count: features)
        var postingWeights = [[Double]](repeating: [], count: features)
        // Per topic: its bigrams and their positions in the postings.
        var topicBigrams: [[Int32]] = []
        var topicPositions: [[Int32]] = []
        var centroidNormSquared: [Double] = []
        var members: [[Int]] = []
        var dots: [Double] = []
        var touched: [Int] = []
        var slot = [Int32](repeating: -1, count: features)
        for index in items.indices {
            let ids = itemIDs[index]
            let weights = itemWeights[index]
            // Dot products with every topic sharing a bigram.
            for (id, weight) in zip(ids, weights) {
                postingTopics[Int(id)].withUnsafeBufferPointer { topicBuffer in
                    postingWeights[Int(id)].withUnsafeBufferPointer { weightBuffer in
                        dots.withUnsafeMutableBufferPointer { dotBuffer in
                            guard let topics = topicBuffer.baseAddress, let weights = weightBuffer.baseAddress else { return }
                            let dot = dotBuffer.baseAddress!
                            var j = 0
                            while j < topicBuffer.count {
                                let topic = Int(topics[j])
                                if dot[topic] == 0 { touched.append(topic) }
                                dot[topic] += weight * weights[j]
                                j += 1
                            }
                        }
                    }
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
                topic = members.count
                topicBigrams.append([])
                topicPositions.append([])
                centroidNormSquared.append(0)
                members.append([])
                dots.append(0)
            }
            members[topic].append(index)
            // Add the text to the topic's centroid.
            for (bigram, position) in zip(topicBigrams[topic], topicPositions[topic]) { slot[Int(bigram)] = position }
            var normSquared = centroidNormSquared[topic]
            for (id, weight) in zip(ids, weights) {
                let bigram = Int(id)
                let position = slot[bigram]
                if position >= 0 {
                    let old = postingWeights[bigram][Int(position)]
                    postingWeights[bigram][Int(position)] = old + weight
                    normSquared += 2 * old * weight + weight * weight
                } else {
                    topicBigrams[topic].append(id)
                    topicPositions[topic].append(Int32(postingTopics[bigram].count))
                    postingTopics[bigram].append(Int32(topic))
                    postingWeights[bigram].append(weight)
                    normSquared += weight * weight
                }
            }
            centroidNormSquared[topic] = normSquared
            for bigram in topicBigrams[topic] { slot[Int(bigram)] = -1 }
        }

        var centroidWeight = [Double](repeating: 0, count: features)
        let clusters = members.indices.map { topic -> (first: Int, cluster: TopicCluster) in
            // The representative: the largest dot product with the centroid (members have length 1).
            guard members[topic].count > 1 else {
                let only = members[topic][0]
                return (only, TopicCluster(memberIDs: [items[only].id], representativeID: items[only].id, keywords: []))
            }
            for (bigram, position) in zip(topicBigrams[topic], topicPositions[topic]) {
                centroidWeight[Int(bigram)] = postingWeights[Int(bigram)][Int(position)]
            }
            var representative = members[topic][0]
            var bestDot = -1.0
            for member in members[topic] {
                var dot = 0.0
                for (id, weight) in zip(itemIDs[member], itemWeights[member]) { dot += weight * centroidWeight[Int(id)] }
                if dot > bestDot {
                    representative = member
                    bestDot = dot
                }
            }
            for bigram in topicBigrams[topic] { centroidWeight[Int(bigram)] = 0 }
            let cluster = TopicCluster(
                memberIDs: members[topic].map { items[$0].id },
                representativeID: items[representative].id,
                keywords: members[topic].count < 2
                    ? []
                    : keywords(
                        members[topic].map { items[$0].text },
                        idf: { key in
                            table.id(for: key).map { idf[Int($0)] } ?? log(1 + n) + 1
                        }))
            return (members[topic][0], cluster)
        }
        return
            clusters
            .sorted { $0.cluster.count != $1.cluster.count ? $0.cluster.count > $1.cluster.count : $0.first < $1.first }
            .map(\.cluster)
    }

    /// The topic's keywords (see `TopicCluster.keywords`); ties by length, then by code points. The idf of a
    /// trigram is approximated by that of its rarer bigram. Only the best `8 × limit` grams are considered.
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
        // Rank on the packed keys (same-length keys order like their texts' code points); make strings only for
        // the best few.
        let ranked =
            memberCount
            .map { (key: $0.key, members: $0.value, score: Double($0.value) * weight($0.key)) }
            .sorted {
                if $0.score != $1.score { return $0.score > $1.score }
                let sizes = (TextFeatures.size(ofKey: $0.key), TextFeatures.size(ofKey: $1.key))
                return sizes.0 != sizes.1 ? sizes.0 > sizes.1 : $0.key < $1.key
            }
            .prefix(limit * 8)
            .map { (text: TextFeatures.string(forKey: $0.key), members: $0.members) }
        var chosen: [(text: String, members: Int)] = []
        for candidate in ranked where chosen.count < limit {
            if chosen.contains(where: { $0.text.contains(candidate.text) }) { continue }
            if let shorter = chosen.firstIndex(where: { candidate.text.contains($0.text) && candidate.members == $0.members }) {
                chosen[shorter] = (candidate.text, candidate.members)
            } else {
                chosen.append((candidate.text, candidate.members))
            }
        }
        return chosen.map(\.text)
    }
}
