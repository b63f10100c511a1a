import Fluent
import Foundation

/// A picture or other media of a work order, given as a public URL (Open311 GeoReport v2 `media_url`: the
/// citizen's app uploads the file elsewhere and sends its address). Only `http`/`https` URLs of at most 2,000
/// characters are kept.
final class WorkOrderMedia: Model, @unchecked Sendable {
    static let schema = "work_order_media"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "work_order_id") var workOrder: WorkOrder
    @Field(key: "url") var url: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(regionCode: String, workOrderID: UUID, url: String, createdAt: Date) {
        self.regionCode = regionCode
        self.$workOrder.id = workOrderID
        self.url = url
        self.createdAt = createdAt
    }
}

/// The `work_order_media` table (for Open311 `media_url`).
struct M0018_CreateWorkOrderMedia: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WorkOrderMedia.schema)
            .id()
            .field("region_code", .string, .required)
            .field("work_order_id", .uuid, .required, .references(WorkOrder.schema, "id"))
            .field("url", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WorkOrderMedia.schema).delete()
    }
}
