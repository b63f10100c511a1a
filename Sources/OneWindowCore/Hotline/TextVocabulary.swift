import Foundation

/// A sparse vector: parallel arrays of feature indices and values.
struct SparseVector: Sendable {
    var indices: [Int32]
    var values: [Double]
}

/// The gram vocabulary and its idf weights; turns texts into l2-normalised sublinear TF-IDF vectors.
struct Vocabulary: Sendable {
    let sizes: ClosedRange<Int>
    let lead: Int
    let leadWeight: Int
    let table: GramTable
    let idf: [Double]

    /// Learns the vocabulary of `texts` (grams seen in at least `minimumDocumentFrequency` texts, numbered in order
    /// of first appearance) and returns it with the texts' vectors.
    static func fit(
        _ texts: [String], sizes: ClosedRange<Int>, lead: Int, leadWeight: Int, minimumDocumentFrequency: Int
    ) -> (Vocabulary, [SparseVector]) {
        let reader = Vocabulary(sizes: sizes, lead: lead, leadWeight: leadWeight, table: GramTable(), idf: [])
        var provisional = GramTable(minimumCapacity: 1 << 16)
        var keysInOrder: [UInt64] = []
        var documentFrequency: [Int32] = []
        var lastDocument: [Int32] = []
        var documents: [[Int32]] = []
        documents.reserveCapacity(texts.count)
        for (number, text) in texts.enumerated() {
            let keys = reader.keys(text)
            let before = provisional.count
            let ids = provisional.ids(for: keys, inserting: true)
            let added = provisional.count - before
            if added > 0 {
                keysInOrder.append(contentsOf: repeatElement(0, count: added))
                documentFrequency.append(contentsOf: repeatElement(0, count: added))
                lastDocument.append(contentsOf: repeatElement(-1, count: added))
            }
            let document = Int32(number)
            ids.withUnsafeBufferPointer { idBuffer in
                keys.withUnsafeBufferPointer { keyBuffer in
                    keysInOrder.withUnsafeMutableBufferPointer { orderBuffer in
                        documentFrequency.withUnsafeMutableBufferPointer { dfBuffer in
                            lastDocument.withUnsafeMutableBufferPointer { lastBuffer in
                                guard let id = idBuffer.baseAddress, let key = keyBuffer.baseAddress else { return }
                                let order = orderBuffer.baseAddress!, df = dfBuffer.baseAddress!, last = lastBuffer.baseAddress!
                                var position = 0
                                while position < idBuffer.count {
                                    let feature = Int(id[position])
                                    if last[feature] != document {
                                        last[feature] = document
                                        df[feature] += 1
                                        order[feature] = key[position]
                                    }
                                    position += 1
                                }
                            }
                        }
                    }
                }
            }
            documents.append(ids)
        }
        // Keep the frequent enough grams, renumbered densely in order of first appearance.
        var remap = [Int32](repeating: -1, count: keysInOrder.count)
        var kept: [UInt64] = []
        var idf: [Double] = []
        let count = Double(texts.count)
        for (old, key) in keysInOrder.enumerated() where documentFrequency[old] >= Int32(minimumDocumentFrequency) {
            remap[old] = Int32(idf.count)
            kept.append(key)
            idf.append(log((1 + count) / (1 + Double(documentFrequency[old]))) + 1)
        }
        var table = GramTable(minimumCapacity: kept.count)
        _ = table.ids(for: kept, inserting: true)
        let vocabulary = Vocabulary(sizes: sizes, lead: lead, leadWeight: leadWeight, table: table, idf: idf)
        var counts = [Int32](repeating: 0, count: idf.count)
        let vectors = documents.map { ids in
            var mapped = ids
            mapped.withUnsafeMutableBufferPointer { buffer in
                remap.withUnsafeBufferPointer { remapBuffer in
                    guard let id = buffer.baseAddress else { return }
                    let map = remapBuffer.baseAddress!
                    var position = 0
                    while position < buffer.count {
                        id[position] = map[Int(id[position])]
                        position += 1
                    }
                }
            }
            return vocabulary.weigh(mapped, counts: &counts)
        }
        return (vocabulary, vectors)
    }

    /// The gram keys of a text, with those of its lead repeated `leadWeight − 1` more times.
    func keys(_ text: String) -> [UInt64] {
        let runs = TextFeatures.scalarRuns(TextFeatures.normalize(text))
        var keys = TextFeatures.gramKeys(runs: runs[...], sizes: sizes)
        if lead > 0 && leadWeight > 1 {
            var end = 0
            var characters = 0
            while end < runs.count && characters < lead {
                if runs[end] != 0 { characters += 1 }
                end += 1
            }
            let leadKeys = TextFeatures.gramKeys(runs: runs[..<end], sizes: sizes)
            for _ in 1..<leadWeight { keys.append(contentsOf: leadKeys) }
        }
        return keys
    }

    /// The vector of a text; unknown grams are ignored.
    func vector(_ text: String) -> SparseVector {
        var table = table
        let ids = table.ids(for: keys(text), inserting: false)
        // Renumber the text's own grams 0..<distinct so the scratch space stays small.
        var local: [Int32: Int32] = [:]
        var features: [Int32] = []
        let compact = ids.compactMap { id -> Int32? in
            guard id >= 0 else { return nil }
            if let known = local[id] { return known }
            local[id] = Int32(features.count)
            features.append(id)
            return Int32(features.count - 1)
        }
        var counts = [Int32](repeating: 0, count: features.count)
        let localIDF = features.map { idf[Int($0)] }
        let vector = Vocabulary(sizes: sizes, lead: 0, leadWeight: 1, table: GramTable(), idf: localIDF).weigh(compact, counts: &counts)
        return SparseVector(indices: vector.indices.map { features[Int($0)] }, values: vector.values)
    }

    /// Sublinear tf × idf, l2-normalised, for a list of feature ids with repeats (ids < 0 are skipped). `counts`
    /// is zeroed scratch space of `idf.count` entries and is left zeroed. Indices are in order of first appearance.
    func weigh(_ ids: [Int32], counts: inout [Int32]) -> SparseVector {
        var indices = [Int32](repeating: 0, count: ids.count)
        var values = [Double](repeating: 0, count: ids.count)
        var distinct = 0
        ids.withUnsafeBufferPointer { idBuffer in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                indices.withUnsafeMutableBufferPointer { indexBuffer in
                    values.withUnsafeMutableBufferPointer { valueBuffer in
                        idf.withUnsafeBufferPointer { idfBuffer in
                            guard let id = idBuffer.baseAddress else { return }
                            let count = countBuffer.baseAddress!, index = indexBuffer.baseAddress!
                            let value = valueBuffer.baseAddress!, weight = idfBuffer.baseAddress!
                            var position = 0
                            while position < idBuffer.count {
                                let feature = Int(id[position])
                                if feature >= 0 {
                                    if count[feature] == 0 {
                                        index[distinct] = Int32(feature)
                                        distinct += 1
                                    }
                                    count[feature] += 1
                                }
                                position += 1
                            }
                            var norm = 0.0
                            position = 0
                            while position < distinct {
                                let feature = Int(index[position])
                                let tfidf = (1 + log(Double(count[feature]))) * weight[feature]
                                value[position] = tfidf
                                norm += tfidf * tfidf
                                count[feature] = 0
                                position += 1
                            }
                            if norm > 0 {
                                let inverse = 1 / norm.squareRoot()
                                position = 0
                                while position < distinct {
                                    value[position] *= inverse
                                    position += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        indices.removeLast(indices.count - distinct)
        values.removeLast(values.count - distinct)
        return SparseVector(indices: indices, values: values)
    }
}
