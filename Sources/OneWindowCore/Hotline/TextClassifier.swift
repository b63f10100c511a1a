import Foundation

/// One training example for the hotline classifier: an appeal's text (title and content) and its category.
/// The label is opaque to the classifier (the server uses category ids).
public struct LabelledText: Sendable, Hashable, Codable {
    public var text: String
    public var label: String

    public init(text: String, label: String) {
        self.text = text
        self.label = label
    }
}

/// A suggested category for a text: the label and the model's probability for it (0…1; the scores of all labels
/// sum to 1).
public struct Suggestion: Sendable, Hashable, Codable {
    public var label: String
    public var score: Double

    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// Suggests a category for a 12345 appeal (RULES.md, 12345 work orders: the hotline agent dispatches by category;
/// the suggestion only pre-fills the choice, a person decides).
///
/// The model: each text becomes a TF-IDF vector of character 1–3-grams (`TextFeatures`; tf is sublinear,
/// `1 + ln(count)`; idf is smoothed, `ln((1 + n) / (1 + df)) + 1`; the vector is l2-normalised), and a multinomial
/// logistic regression (softmax, L2-regularised) is fitted by a fixed number of stochastic-gradient epochs over a
/// seeded shuffle. Training and suggestions are deterministic: the same examples in the same order and the same
/// options give the same model, bit for bit.
public struct TextClassifier: Sendable {
    /// Training settings; the defaults were chosen by 5-fold cross-validation on the 395 labelled 12345 messages
    /// (`CrossValidation`).
    public struct Options: Sendable, Hashable {
        /// Character n-gram sizes, within 1…3.
        public var gramSizes: ClosedRange<Int>
        /// Grams seen in fewer documents are dropped; `nil` means 2 when there are at least
        /// `largeCorpus` examples and 1 (keep all) otherwise.
        public var minimumDocumentFrequency: Int?
        /// Number of examples from which the corpus counts as large (for `minimumDocumentFrequency`).
        public var largeCorpus: Int
        /// Passes over the (reshuffled) examples.
        public var epochs: Int
        /// L2 regularisation strength (λ).
        public var regularization: Double
        /// Initial learning rate; step t uses `learningRate / (1 + learningRate · λ · t)`.
        public var learningRate: Double
        /// Seed of the shuffles (`SeededGenerator`).
        public var seed: UInt64
        public var complementAlpha = 0.0
        public var normalizeComplement = false

        public init(
            gramSizes: ClosedRange<Int> = 1...3, minimumDocumentFrequency: Int? = nil, largeCorpus: Int = 2_000,
            epochs: Int = 12, regularization: Double = 1e-4, learningRate: Double = 1.0, seed: UInt64 = 20_240_101
        ) {
            self.gramSizes = gramSizes
            self.minimumDocumentFrequency = minimumDocumentFrequency
            self.largeCorpus = largeCorpus
            self.epochs = epochs
            self.regularization = regularization
            self.learningRate = learningRate
            self.seed = seed
        }
    }

    /// The distinct labels of the training set, sorted (Unicode order).
    public let labels: [String]
    /// Number of grams in the model's vocabulary.
    public var featureCount: Int { vocabulary.idf.count }

    let vocabulary: Vocabulary
    /// Weights, feature-major: `weights[feature * labels.count + label]`.
    let weights: [Double]
    let bias: [Double]

    /// Trains on `examples` (any order; at least one). With a single label every text gets that label.
    /// Cost: one pass to count grams, then `epochs` passes of `labels.count` × (grams per text) each.
    public static func train(_ examples: [LabelledText], options: Options = Options()) -> TextClassifier {
        let labels = Array(Set(examples.map(\.label))).sorted()
        let labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let minimum = options.minimumDocumentFrequency ?? (examples.count >= options.largeCorpus ? 2 : 1)
        let (vocabulary, vectors) = Vocabulary.fit(examples.map(\.text), sizes: options.gramSizes, minimumDocumentFrequency: minimum)
        let targets = examples.map { labelIndex[$0.label]! }
        let classes = labels.count
        let features = vocabulary.idf.count
        var weights = [Double](repeating: 0, count: features * classes)
        var bias = [Double](repeating: 0, count: classes)
        if classes > 1 && !examples.isEmpty && options.complementAlpha > 0 {
            // Complement naive Bayes (experiment)
            var complement = [Double](repeating: 0, count: features * classes)
            var totals = [Double](repeating: 0, count: classes)
            for (example, vector) in vectors.enumerated() {
                let target = targets[example]
                for (index, value) in zip(vector.indices, vector.values) {
                    for k in 0..<classes where k != target { complement[Int(index) * classes + k] += value; totals[k] += value }
                }
            }
            for k in 0..<classes {
                var sum = 0.0
                for f in 0..<features {
                    let w = log((options.complementAlpha + complement[f * classes + k]) / (options.complementAlpha * Double(features) + totals[k]))
                    weights[f * classes + k] = -w
                    sum += abs(w)
                }
                if options.normalizeComplement { for f in 0..<features { weights[f * classes + k] /= sum } }
            }
        } else if classes > 1 && !examples.isEmpty {
            var generator = SeededGenerator(seed: options.seed)
            var order = Array(examples.indices)
            var scale = 1.0  // the true weights are scale × weights (so L2 decay costs O(1) per step)
            var step = 0.0
            var gradient = [Double](repeating: 0, count: classes)
            let lambda = options.regularization
            for _ in 0..<options.epochs {
                generator.shuffle(&order)
                for example in order {
                    let rate = options.learningRate / (1 + options.learningRate * lambda * step)
                    step += 1
                    scale *= 1 - rate * lambda
                    Self.descend(
                        vectors[example], target: targets[example], classes: classes, rate: rate, scale: scale,
                        weights: &weights, bias: &bias, gradient: &gradient)
                    if scale < 1e-6 {
                        for index in weights.indices { weights[index] *= scale }
                        scale = 1
                    }
                }
            }
            for index in weights.indices { weights[index] *= scale }
        }
        return TextClassifier(labels: labels, vocabulary: vocabulary, weights: weights, bias: bias)
    }

    /// One stochastic-gradient step of the softmax log loss on one example (weights already decayed into `scale`).
    /// Pointer loops: this is the hot path, also in debug builds.
    private static func descend(
        _ vector: SparseVector, target: Int, classes: Int, rate: Double, scale: Double,
        weights: inout [Double], bias: inout [Double], gradient: inout [Double]
    ) {
        vector.indices.withUnsafeBufferPointer { indexBuffer in
            vector.values.withUnsafeBufferPointer { valueBuffer in
                weights.withUnsafeMutableBufferPointer { weightBuffer in
                    bias.withUnsafeMutableBufferPointer { biasBuffer in
                        gradient.withUnsafeMutableBufferPointer { gradientBuffer in
                            let w = weightBuffer.baseAddress!, b = biasBuffer.baseAddress!, p = gradientBuffer.baseAddress!
                            let nonZero = indexBuffer.count
                            var k = 0
                            while k < classes { p[k] = 0; k += 1 }
                            if let index = indexBuffer.baseAddress, let value = valueBuffer.baseAddress {
                                var j = 0
                                while j < nonZero {
                                    let row = w + Int(index[j]) * classes
                                    let x = value[j]
                                    k = 0
                                    while k < classes { p[k] += row[k] * x; k += 1 }
                                    j += 1
                                }
                            }
                            var maximum = -Double.infinity
                            k = 0
                            while k < classes {
                                p[k] = p[k] * scale + b[k]
                                if p[k] > maximum { maximum = p[k] }
                                k += 1
                            }
                            var total = 0.0
                            k = 0
                            while k < classes { p[k] = exp(p[k] - maximum); total += p[k]; k += 1 }
                            k = 0
                            while k < classes {  // gradient of the log loss: p − y
                                p[k] = p[k] / total - (k == target ? 1 : 0)
                                b[k] -= rate * p[k]
                                k += 1
                            }
                            if let index = indexBuffer.baseAddress, let value = valueBuffer.baseAddress {
                                let factor = rate / scale
                                var j = 0
                                while j < nonZero {
                                    let row = w + Int(index[j]) * classes
                                    let x = value[j] * factor
                                    k = 0
                                    while k < classes { row[k] -= p[k] * x; k += 1 }
                                    j += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every label with its probability for `text`, best first; equal scores in label order.
    public func scores(_ text: String) -> [Suggestion] {
        let classes = labels.count
        guard classes > 0 else { return [] }
        let vector = vocabulary.vector(text)
        var raw = bias
        for (index, value) in zip(vector.indices, vector.values) {
            let base = Int(index) * classes
            for k in 0..<classes { raw[k] += weights[base + k] * value }
        }
        let maximum = raw.max()!
        let exponentials = raw.map { exp($0 - maximum) }
        let total = exponentials.reduce(0, +)
        return zip(labels, exponentials)
            .map { Suggestion(label: $0, score: $1 / total) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.label < $1.label }
    }

    /// The `limit` most likely labels for `text`, best first (ties broken by label); fewer if the model knows fewer.
    public func suggest(_ text: String, limit: Int = 3) -> [Suggestion] {
        Array(scores(text).prefix(max(0, limit)))
    }
}

/// A sparse vector: parallel arrays of feature indices and values.
struct SparseVector: Sendable {
    var indices: [Int32]
    var values: [Double]
}

/// The gram vocabulary and its idf weights; turns texts into l2-normalised sublinear TF-IDF vectors.
struct Vocabulary: Sendable {
    let sizes: ClosedRange<Int>
    let table: GramTable
    let idf: [Double]

    /// Learns the vocabulary of `texts` (grams seen in at least `minimumDocumentFrequency` texts, numbered in order
    /// of first appearance) and returns it with the texts' vectors.
    static func fit(_ texts: [String], sizes: ClosedRange<Int>, minimumDocumentFrequency: Int) -> (Vocabulary, [SparseVector]) {
        var provisional = GramTable(minimumCapacity: 1 << 16)
        var keysInOrder: [UInt64] = []
        var documentFrequency: [Int32] = []
        var lastDocument: [Int32] = []
        var documents: [[Int32]] = []
        documents.reserveCapacity(texts.count)
        for (number, text) in texts.enumerated() {
            let keys = TextFeatures.gramKeys(TextFeatures.normalize(text), sizes: sizes)
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
        let vocabulary = Vocabulary(sizes: sizes, table: table, idf: idf)
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

    /// The vector of a text; unknown grams are ignored.
    func vector(_ text: String) -> SparseVector {
        var table = table
        let ids = table.ids(for: TextFeatures.gramKeys(TextFeatures.normalize(text), sizes: sizes), inserting: false)
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
        let vector = Vocabulary(sizes: sizes, table: GramTable(), idf: localIDF).weigh(compact, counts: &counts)
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
