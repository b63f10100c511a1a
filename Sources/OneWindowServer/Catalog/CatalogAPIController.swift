import Fluent
import OneWindowCore
import Vapor

/// `GET /api/v1/items` and `GET /api/v1/items/{code}`: the public catalogue as JSON.
struct CatalogAPIController {
    func register(_ api: any RoutesBuilder) {
        api.get("items", use: list)
        api.get("items", ":code", use: show)
    }

    func list(req: Request) async throws -> PageDTO<ItemSummaryDTO> {
        let filter = try GuideFilter.from(req.query)
        let regions = CatalogQueries.visibleRegions(for: req.settings.region)
        let (items, total) = try await CatalogQueries.search(filter, regions: regions, on: req.db)
        return PageDTO(items: items.map(ItemSummaryDTO.init), metadata: .init(page: filter.page, per: filter.per, total: total))
    }

    func show(req: Request) async throws -> ItemDetailDTO {
        let code = req.parameters.get("code") ?? ""
        let regions = CatalogQueries.visibleRegions(for: req.settings.region)
        guard let item = try await CatalogQueries.item(code: code, regions: regions, on: req.db) else {
            throw PlatformError.notFound(what: "实施编码为 \(code) 的事项")
        }
        return ItemDetailDTO(item)
    }
}
