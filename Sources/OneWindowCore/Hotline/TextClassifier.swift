import Foundation

/// One training example for the hotline classifier: an appeal's text (title and content) and its category.
/// The label is opaque to the classifier (the server uses category ids).
public struct LabelledText: Sendable, Hashable, Codable {
    /// The text as the citizen wrote it (title, a space, the content); normalised by the classifier.
    public var text: String
    /// The category (any string; the server uses category ids).
    public var label: String

    /// An example.
    public init(text: String, label: String) {
        self.text = text
        self.label = label
    }
}

/// A suggested category for a text: the label and the classifier's score for it, 0…1 (see `TextClassifier.scores`).
public struct Suggestion: Sendable, Hashable, Codable {
    /// One of the training labels.
    public var label: String
    /// Relative confidence in 0…1; a text's scores over all labels sum to 1.
    public var score: Double

    /// A suggestion.
    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// Suggests a category for a 12345 appeal (RULES.md, 12345 work orders: the hotline agent dispatches by category;
/// the suggestion only pre-fills the choice, a person decides).
///
/// The model, chosen by 5-fold cross-validation on the 395 labelled messages (`CrossValidation`, seed 20240101:
/// 316 top-1 and 380 top-3 hits; softmax regression trained by SGD reached about 0.75 top-1, a linear SVM 0.76):
/// - features: TF-IDF of character 1–2-grams (`TextFeatures`); tf is sublinear, `1 + ln(count)`; idf is smoothed,
///   `ln((1 + n) / (1 + df)) + 1`; each vector is l2-normalised. The *lead* — the first `leadLength` gram
///   characters, in practice the appeal's title — counts `leadWeight` times, since it says most about the category;
/// - Complement naive Bayes (Rennie et al. 2003): for each label c and gram f,
///   `θ(c, f) = (α + Σ x_f over texts not labelled c) / (α · F + Σ x over texts not labelled c)`, and a text's
///   score for c is `−Σ_f x_f · ln θ(c, f)` — the label whose complement explains the text worst wins.
///
/// One pass over the examples, so training is fast: about 3.6 s for 21,000 texts of ~390 characters in a debug
/// build (about 250,000 grams kept). Deterministic: the same
/// examples in the same order and the same options give the same model and the same suggestions, bit for bit.
public struct TextClassifier: Sendable {
    /// Training settings. The defaults scored best in cross-validation on the labelled 12345 sample.
    public struct Options: Sendable, Hashable {
        /// Character n-gram sizes, within 1…3.
        public var gramSizes: ClosedRange<Int>
        /// Grams seen in fewer training texts are dropped (2 drops the one-off grams: better accuracy, and a much
        /// smaller model on a large corpus).
        public var minimumDocumentFrequency: Int
        /// Number of gram characters at the start of a text (the title) whose grams count extra; 0 for none.
        public var leadLength: Int
        /// How many times the lead's grams count in all (1 = no extra weight).
        public var leadWeight: Int
        /// Additive (Laplace/Lidstone) smoothing α of the complement counts, > 0.
        public var smoothing: Double

        /// The settings; the defaults are the cross-validated choice.
        public init(
            gramSizes: ClosedRange<Int> = 1...2, minimumDocumentFrequency: Int = 2, leadLength: Int = 20,
            leadWeight: Int = 3, smoothing: Double = 0.1
        ) {
            self.gramSizes = gramSizes
            self.minimumDocumentFrequency = minimumDocumentFrequency
            self.leadLength = leadLength
            self.leadWeight = leadWeight
            self.smoothing = smoothing
        }
    }

    /// The distinct labels of the training set, sorted (Unicode order).
    public let labels: [String]
    /// Number of grams in the model's vocabulary.
    public var featureCount: Int { vocabulary.idf.count }

    let vocabulary: Vocabulary
    /// `−ln θ(c, f)`, feature-major: `weights[feature * labels.count + label]`.
    let weights: [Double]

    /// Trains on `examples` (any order). With no examples the model suggests nothing; with one label, always it.
    public static func train(_ examples: [LabelledText], options: Options = Options()) -> TextClassifier {
        let labels = Array(Set(examples.map(\.label))).sorted()
        let labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let (vocabulary, vectors) = Vocabulary.fit(
            examples.map(\.text), sizes: options.gramSizes, lead: options.leadLength, leadWeight: options.leadWeight,
            minimumDocumentFrequency: options.minimumDocumentFrequency)
        let classes = labels.count
        let features = vocabulary.idf.count
        // Per label and gram: the sum of the gram's weights over that label's texts.
        var perLabel = [Double](repeating: 0, count: features * classes)
        var labelTotals = [Double](repeating: 0, count: classes)
        perLabel.withUnsafeMutableBufferPointer { buffer in
            let sums = buffer.baseAddress
            for (example, vector) in vectors.enumerated() {
                let label = labelIndex[examples[example].label]!
                vector.indices.withUnsafeBufferPointer { indexBuffer in
                    vector.values.withUnsafeBufferPointer { valueBuffer in
                        guard let sums, let index = indexBuffer.baseAddress, let value = valueBuffer.baseAddress else { return }
                        var j = 0
                        var total = 0.0
                        while j < indexBuffer.count {
                            sums[Int(index[j]) * classes + label] += value[j]
                            total += value[j]
                            j += 1
                        }
                        labelTotals[label] += total
                    }
                }
            }
        }
        let grandTotal = labelTotals.reduce(0, +)
        let alpha = options.smoothing
        var weights = [Double](repeating: 0, count: features * classes)
        weights.withUnsafeMutableBufferPointer { weightBuffer in
            perLabel.withUnsafeBufferPointer { sumBuffer in
                guard let weight = weightBuffer.baseAddress, let sums = sumBuffer.baseAddress else { return }
                var denominators = [Double](repeating: 0, count: classes)
                for label in 0..<classes { denominators[label] = log(alpha * Double(features) + grandTotal - labelTotals[label]) }
                var feature = 0
                while feature < features {
                    let row = sums + feature * classes
                    var all = 0.0
                    var label = 0
                    while label < classes { all += row[label]; label += 1 }
                    label = 0
                    while label < classes {
                        weight[feature * classes + label] = denominators[label] - log(alpha + all - row[label])
                        label += 1
                    }
                    feature += 1
                }
            }
        }
        return TextClassifier(labels: labels, vocabulary: vocabulary, weights: weights)
    }

    /// Every label with its score for `text`, best first; equal scores in label order. The scores are the softmax
    /// of the model's `−Σ x_f · ln θ(c, f)` over the labels: each in 0…1, summing to 1 — a relative confidence to
    /// show as a percentage, not a calibrated probability.
    public func scores(_ text: String) -> [Suggestion] {
        let classes = labels.count
        guard classes > 0 else { return [] }
        let vector = vocabulary.vector(text)
        var raw = [Double](repeating: 0, count: classes)
        for (index, value) in zip(vector.indices, vector.values) {
            let base = Int(index) * classes
            for label in 0..<classes { raw[label] += weights[base + label] * value }
        }
        let maximum = raw.max()!
        let exponentials = raw.map { exp($0 - maximum) }
        let total = exponentials.reduce(0, +)
        return zip(labels, exponentials)
            .map { Suggestion(label: $0, score: $1 / total) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.label < $1.label }
    }

    /// The `limit` best labels for `text`, best first (equal scores in label order); fewer if the model knows fewer.
    public func suggest(_ text: String, limit: Int = 3) -> [Suggestion] {
        Array(scores(text).prefix(max(0, limit)))
    }
}
