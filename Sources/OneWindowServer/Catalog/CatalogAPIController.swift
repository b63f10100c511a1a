import Fluent
import OneWindowCore
import Vapor

/// `GET /api/v1/items` and `GET /api/v1/items/{code}`: the public catalogue as JSON.
struct CatalogAPIController {
    func register(_ api: any RoutesBuilder) {
        api.get(.apiItems, use: list)
        api.get(.apiItem, use: show)
        api.get(.apiDepartments, use: departments)
    }

    struct DepartmentDTO: Content {
        let id: UUID
        let code: String
        let name: String
        let shortName: String
        let regionCode: String
    }

    /// Departments with published items in the site's guide (the `department` filter's values).
    func departments(req: Request) async throws -> [DepartmentDTO] {
        let regions = RegionScope.visible(for: req.settings.region)
        return try await CatalogQueries.departmentsWithItems(regions: regions, on: req.db).map {
            DepartmentDTO(id: try $0.requireID(), code: $0.code, name: $0.name, shortName: $0.shortName, regionCode: $0.regionCode)
        }
    }

    func list(req: Request) async throws -> PageDTO<ItemSummaryDTO> {
        let filter = try GuideFilter.from(req.query)
        let regions = RegionScope.visible(for: req.settings.region)
        let (items, total) = try await CatalogQueries.search(filter, regions: regions, on: req.db)
        return PageDTO(items: items.map(ItemSummaryDTO.init), metadata: .init(page: filter.page, per: filter.per, total: total))
    }

    func show(req: Request) async throws -> ItemDetailDTO {
        let code = req.parameters.get("code") ?? ""
        let regions = RegionScope.visible(for: req.settings.region)
        guard let item = try await CatalogQueries.item(code: code, regions: regions, on: req.db) else {
            throw PlatformError.notFound(what: "实施编码为 \(code) 的事项")
        }
        return ItemDetailDTO(item)
    }
}
