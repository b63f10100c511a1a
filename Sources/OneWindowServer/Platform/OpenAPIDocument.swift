import Foundation
import Vapor

/// Serves the OpenAPI 3.1 document of the JSON API (`Resources/openapi.json`, kept beside the code it describes;
/// a test checks that every `/api/v1` route is in it).
enum OpenAPIDocument {
    static func serve(req: Request) async throws -> Response {
        let path = req.application.directory.resourcesDirectory + "openapi.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlatformError.notFound(what: "OpenAPI 文档")
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
