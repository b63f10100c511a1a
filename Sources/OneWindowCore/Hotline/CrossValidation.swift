/// How well the hotline classifier would have suggested categories: stratified k-fold cross-validation.
///
/// Each label's examples are shuffled with a `SeededGenerator` (labels taken in sorted order, examples in input
/// order before the shuffle), the shuffled lists are laid end to end, and the i-th example of that list goes to
/// fold `i mod folds`; so every fold gets about the same share of every label and the folds differ in size by at
/// most one. Each fold is then classified by a `TextClassifier` trained on the other folds. Deterministic: the same
/// examples, folds, seed and options give the same result.
public enum CrossValidation {
    /// Runs the cross-validation. `folds` must be at least 2 and at most the number of examples.
    public static func evaluate(
        _ examples: [LabelledText], folds: Int = 5, seed: UInt64 = 20_240_101,
        options: TextClassifier.Options = TextClassifier.Options()
    ) -> CrossValidationResult {
        precondition(folds >= 2 && folds <= examples.count, "need 2 ≤ folds ≤ number of examples")
        let assignment = foldAssignment(examples.map(\.label), folds: folds, seed: seed)
        let results = (0..<folds).map { fold -> CrossValidationResult.Fold in
            let training = examples.indices.filter { assignment[$0] != fold }.map { examples[$0] }
            let testing = examples.indices.filter { assignment[$0] == fold }.map { examples[$0] }
            let classifier = TextClassifier.train(training, options: options)
            var top1 = 0
            var top3 = 0
            for example in testing {
                let suggestions = classifier.suggest(example.text, limit: 3).map(\.label)
                if suggestions.first == example.label { top1 += 1 }
                if suggestions.contains(example.label) { top3 += 1 }
            }
            return CrossValidationResult.Fold(index: fold, count: testing.count, top1Correct: top1, top3Correct: top3)
        }
        return CrossValidationResult(folds: results)
    }

    /// The fold (0..<folds) of each example, stratified by label as described on the type.
    public static func foldAssignment(_ labels: [String], folds: Int, seed: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        var byLabel: [String: [Int]] = [:]
        for (index, label) in labels.enumerated() { byLabel[label, default: []].append(index) }
        var assignment = [Int](repeating: 0, count: labels.count)
        var position = 0
        for label in byLabel.keys.sorted() {
            var members = byLabel[label]!
            generator.shuffle(&members)
            for member in members {
                assignment[member] = position % folds
                position += 1
            }
        }
        return assignment
    }
}

/// The outcome of `CrossValidation.evaluate`: per fold and in total, how many held-out texts had their true label
/// first (top-1) or among the first three suggestions (top-3). Accuracies are fractions in 0…1.
public struct CrossValidationResult: Sendable, Hashable {
    /// One fold's held-out texts and hits.
    public struct Fold: Sendable, Hashable {
        /// 0-based fold number.
        public var index: Int
        /// Held-out texts in this fold.
        public var count: Int
        public var top1Correct: Int
        public var top3Correct: Int
        public var top1Accuracy: Double { count == 0 ? 0 : Double(top1Correct) / Double(count) }
        public var top3Accuracy: Double { count == 0 ? 0 : Double(top3Correct) / Double(count) }
    }

    public var folds: [Fold]
    /// All texts (each is held out exactly once).
    public var count: Int { folds.reduce(0) { $0 + $1.count } }
    public var top1Correct: Int { folds.reduce(0) { $0 + $1.top1Correct } }
    public var top3Correct: Int { folds.reduce(0) { $0 + $1.top3Correct } }
    /// top1Correct ÷ count, over all folds together (not the mean of the folds' accuracies).
    public var top1Accuracy: Double { count == 0 ? 0 : Double(top1Correct) / Double(count) }
    /// top3Correct ÷ count, over all folds together.
    public var top3Accuracy: Double { count == 0 ? 0 : Double(top3Correct) / Double(count) }
}
