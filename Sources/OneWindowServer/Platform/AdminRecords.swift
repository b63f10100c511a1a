import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Looking up a record named by the `:id` route parameter, within the site's region (404 otherwise).
enum AdminRecords {
    /// The record named by `:id` in the site's region, or 404.
    static func find<M: Model & RegionScoped>(_ type: M.Type, _ req: Request) async throws -> M where M.IDValue == UUID {
        guard let model = try await findOptional(type, req) else { throw PlatformError.notFound(what: "该记录") }
        return model
    }

    /// `nil` on a route without `:id` (the "new" form); 404 for an unknown id or another region's record.
    static func findOptional<M: Model & RegionScoped>(_ type: M.Type, _ req: Request) async throws -> M? where M.IDValue == UUID {
        guard let raw = req.parameters.get("id") else { return nil }
        guard let id = UUID(uuidString: raw), let model = try await M.find(id, on: req.db) else {
            throw PlatformError.notFound(what: "该记录")
        }
        guard model[keyPath: M.regionField].wrappedValue == req.settings.region.value else { throw PlatformError.notFound(what: "该记录") }
        return model
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
