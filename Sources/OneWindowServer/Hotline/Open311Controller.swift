import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Open311 GeoReport v2 at `/open311/v2` (DESIGN.md, Interfaces; spec: http://wiki.open311.org/GeoReport_v2),
/// mapped onto 12345 work orders; every resource in JSON (`.json`) and the spec's XML (`.xml`):
///
/// - `GET discovery` — changeset, contact, key_service and the one production endpoint;
/// - `GET services` — one service per second-level 12345 category (`Open311Catalog`);
/// - `GET services/{service_code}` — its definition (`subcategory`, `appeal_type`); unknown → 404;
/// - `POST requests` — a new work order (channel `.api`), `api_key` a token with `hotline:write` (else 403);
/// - `GET requests` — filters `service_request_id`, `service_code`, `start_date`, `end_date`, `status`;
/// - `GET requests/{service_request_id}`, `GET tokens/{token}` — one request; unknown → 404.
///
/// Every parameter may carry `jurisdiction_id`, which must be the region's code (`421223000000`) when given.
/// Errors are the spec's error array (`Open311ErrorMiddleware`): 400 bad parameter, 403 key, 404 unknown, never a
/// 500 for bad input. No name, phone, e-mail or ID number of a person is ever in an answer (RULES.md, Identity and
/// contact data; `Open311Requests`).
struct Open311Controller {
    /// When the service list or definitions last changed in a way clients should re-read (discovery `changeset`).
    static let changeset = "2025-03-01T00:00:00+08:00"

    func register(_ app: Application) {
        let open311 = app.grouped(Open311ErrorMiddleware())
        for format in Open311Format.allCases {
            open311.get(.open311Discovery(format.rawValue)) { req in try await discovery(req, format) }
            open311.get(.open311Services(format.rawValue)) { req in try await services(req, format) }
            open311.get(.open311Requests(format.rawValue)) { req in try await requests(req, format) }
            open311.post(.open311Requests(format.rawValue)) { req in try await create(req, format) }
        }
        open311.get(.open311Service, use: definition)
        open311.get(.open311Request, use: request)
        open311.get(.open311Token, use: token)
        // Anything else under /open311/v2 answers with the spec's error array too, not the app's error page.
        for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE] {
            open311.on(method, .open311Other) { req -> Response in
                throw Open311Error.notFound("没有这个 Open311 资源：\(req.url.path)（支持 .json 与 .xml）")
            }
        }
    }

    // MARK: Discovery and services

    func discovery(_ req: Request, _ format: Open311Format) async throws -> Response {
        _ = try Self.parameters(req)
        let region = try await Region.find(req.settings.region.value, on: req.db)
        let host = req.headers.first(name: .host) ?? "127.0.0.1"
        let scheme = req.headers.first(name: "X-Forwarded-Proto") == "https" ? "https" : "http"
        let endpoint: Open311Node = .record([
            ("specification", .text("http://wiki.open311.org/GeoReport_v2")),
            ("url", .text("\(scheme)://\(host)/open311/v2")),
            ("changeset", .text(Self.changeset)),
            ("type", .text("production")),
            ("formats", .list(item: "format", [.text("text/xml"), .text("application/json")])),
        ])
        return Open311Document(
            root: "discovery",
            value: .record([
                ("changeset", .text(Self.changeset)),
                ("contact", .text("\(region?.name ?? "")12345政务服务便民热线：拨打 12345")),
                (
                    "key_service",
                    .text(
                        "api_key 为具有 hotline:write 权限的接口令牌，请向政务服务中心管理员申请"
                            + "（onewindow create-token 账号 --scopes hotline:write）")
                ),
                ("endpoints", .list(item: "endpoint", [endpoint])),
            ])
        ).response(format)
    }

    func services(_ req: Request, _ format: Open311Format) async throws -> Response {
        _ = try Self.parameters(req)
        return try await Self.catalog(req).servicesDocument().response(format)
    }

    /// `services/0102.json`.
    func definition(_ req: Request) async throws -> Response {
        let (code, format) = try Self.file(req)
        _ = try Self.parameters(req)
        guard let service = try await Self.catalog(req).service(code) else {
            throw Open311Error.notFound("没有服务 \(code)（service_code 为二级分类编码，见 services）")
        }
        return try await Self.catalog(req).definitionDocument(of: service).response(format)
    }

    // MARK: Helpers

    /// The region's catalog.
    static func catalog(_ req: Request) async throws -> Open311Catalog {
        Open311Catalog(tree: try await HotlineCategoryTree.load(region: req.settings.region.value, on: req.db))
    }

    /// The query parameters, with `jurisdiction_id` checked.
    static func parameters(_ req: Request) throws -> Open311Parameters {
        let parameters = try Open311Parameters.query(of: req)
        try checkJurisdiction(parameters, req)
        return parameters
    }

    /// - Throws: `Open311Error` 400 when `jurisdiction_id` is given and is not the region's code.
    static func checkJurisdiction(_ parameters: Open311Parameters, _ req: Request) throws {
        if let jurisdiction = parameters["jurisdiction_id"], jurisdiction != req.settings.region.value {
            throw Open311Error.badParameter("jurisdiction_id", "本系统只受理行政区划 \(req.settings.region.value) 的诉求")
        }
    }

    /// The `:file` parameter split into name and format (`0102.json` → `0102`, JSON).
    /// - Throws: `Open311Error` 404 without `.json` or `.xml`.
    static func file(_ req: Request) throws -> (String, Open311Format) {
        guard let file = req.parameters.get("file"), let split = Open311Format.split(file) else {
            throw Open311Error.notFound("请在资源名后加 .json 或 .xml")
        }
        return (split.name, split.format)
    }
}
