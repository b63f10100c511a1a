import Fluent
import Foundation
import OneWindowCore

/// A table of county records: every business table carries `region_code` (DESIGN.md, Storage), and every query of
/// a county goes through `scoped(on:to:)` so none forgets the filter.
protocol RegionScoped: Model {
    /// The model's `region_code` field (`\Case.$regionCode`).
    static var regionField: KeyPath<Self, FieldProperty<Self, String>> { get }
}

extension RegionScoped {
    /// The records of one region (12-digit code).
    static func scoped(on db: any Database, to region: String) -> QueryBuilder<Self> {
        query(on: db).filter(regionField == region)
    }

    /// The record `id` when it belongs to `region`; nil when there is none or it is another county's.
    static func find(_ id: IDValue?, in region: String, on db: any Database) async throws -> Self? {
        guard let record = try await find(id, on: db), record[keyPath: regionField].wrappedValue == region else { return nil }
        return record
    }

    /// The records of several regions (a county site sees its province's catalogue too).
    static func scoped(on db: any Database, to regions: [String]) -> QueryBuilder<Self> {
        query(on: db).filter(regionField ~~ regions)
    }
}

enum RegionScope {
    /// The regions whose shared records (catalogue items, audit events) a site of `region` shows: itself and the
    /// divisions above it, most local first.
    static func visible(for region: RegionCode) -> [String] {
        [region.value] + region.ancestors.map(\.value)
    }
}

extension AuditEvent: RegionScoped { static var regionField: KeyPath<AuditEvent, FieldProperty<AuditEvent, String>> { \.$regionCode } }
extension OutboxMessage: RegionScoped {
    static var regionField: KeyPath<OutboxMessage, FieldProperty<OutboxMessage, String>> { \.$regionCode }
}
extension StoredFile: RegionScoped { static var regionField: KeyPath<StoredFile, FieldProperty<StoredFile, String>> { \.$regionCode } }
extension APIToken: RegionScoped { static var regionField: KeyPath<APIToken, FieldProperty<APIToken, String>> { \.$regionCode } }
