import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Smart dispatch: the region's `TextClassifier`, trained on its labelled history (`hotline_training_examples`:
/// every dispatched order's final category, accepted or overridden, and imported labelled samples).
///
/// The model is kept in memory per region and trained again on the first use, on every change while the history
/// is small (< 2,000 examples), and once it has grown by 5 % after that; training a year of orders (≈ 20,000
/// texts) takes about 4 s in a debug build, so suggestions stay instant.
actor HotlineDispatchModel {
    private struct Entry {
        let classifier: TextClassifier
        let examples: Int
    }

    private var entries: [String: Entry] = [:]

    /// A suggested category with its responsible department.
    struct Suggestion: Sendable {
        let categoryID: UUID
        let label: String
        let score: Double
        let departmentID: UUID?
    }

    /// The top `limit` categories for `text`, best first; empty when the region has no labelled history.
    func suggest(_ text: String, limit: Int = 3, region: String, tree: HotlineCategoryTree, on db: any Database) async throws
        -> [Suggestion]
    {
        guard let classifier = try await classifier(region: region, on: db) else { return [] }
        return Self.suggestions(classifier.suggest(text, limit: limit), tree: tree)
    }

    /// The classifier's labels (category ids) as categories of `tree`, with their departments.
    static func suggestions(_ found: [OneWindowCore.Suggestion], tree: HotlineCategoryTree) -> [Suggestion] {
        found.compactMap { suggestion in
            guard let id = UUID(uuidString: suggestion.label), tree.nodes[id] != nil else { return nil }
            return Suggestion(categoryID: id, label: tree.label(id), score: suggestion.score, departmentID: tree.department(of: id))
        }
    }

    /// Forgets the trained models (after an import of labelled data).
    func invalidate() { entries = [:] }

    /// The region's trained classifier (trained now when missing or stale), or `nil` without labelled history.
    func classifier(region: String, on db: any Database) async throws -> TextClassifier? {
        let count = try await HotlineTrainingExample.scoped(on: db, to: region).count()
        guard count > 0 else { return nil }
        // Small histories train in milliseconds: every change counts. Large ones (a year ≈ 20,000) retrain once they
        // have grown by 5 %.
        if let entry = entries[region], count == entry.examples || (entry.examples >= 2_000 && count < entry.examples + entry.examples / 20)
        {
            return entry.classifier
        }
        // In a fixed order (not the database's), so SQLite and PostgreSQL train the same model.
        let rows = try await HotlineTrainingExample.scoped(on: db, to: region).all()
            .sorted { ($0.source, $0.sourceRef ?? "", $0.text) < ($1.source, $1.sourceRef ?? "", $1.text) }
        let examples = rows.map { LabelledText(text: $0.text, label: $0.$category.id.uuidString) }
        let classifier = TextClassifier.train(examples)
        entries[region] = Entry(classifier: classifier, examples: count)
        return classifier
    }
}

extension Application {
    private struct HotlineDispatchModelKey: StorageKey { typealias Value = HotlineDispatchModel }

    /// The smart-dispatch models of this application.
    var hotlineDispatchModel: HotlineDispatchModel {
        if let model = storage[HotlineDispatchModelKey.self] { return model }
        let model = HotlineDispatchModel()
        storage[HotlineDispatchModelKey.self] = model
        return model
    }
}
