import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

enum CaseFixtures {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// `2025-09-26 10:00` local.
    static func instant(_ text: String) -> Date {
        let parts = text.split(separator: " ")
        let hm = parts[1].split(separator: ":").map { Int($0)! }
        return LocalDate(iso: String(parts[0]))!.instant(hour: hm[0], minute: hm[1], in: zone)
    }

    static func setClock(_ app: Application, _ text: String) {
        app.clock.set(instant(text))
    }

    /// A staff member and a Bearer token for them (`cases:read`, `cases:write`).
    static func token(_ app: Application, _ username: String, roles: Set<Role>) async throws -> String {
        let staff = try await makeStaff(app, username: username, roles: roles)
        return try await APITokens.create(
            for: staff.principal, name: "test", scopes: ["cases:read", "cases:write"], actor: .system, on: app.db)
    }

    static func headers(_ token: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        headers.contentType = .json
        return headers
    }

    /// Every requirement of `itemCode` as an original (complete materials).
    static func materials(_ app: Application, itemCode: String, except skipped: Set<String> = []) async throws -> [[String: String]] {
        let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == itemCode).first())
        return try await MaterialRequirement.query(on: app.db).filter(\.$item.$id == item.requireID()).sort(\.$position).all()
            .filter { !skipped.contains($0.name) }
            .map { ["requirementId": $0.id!.uuidString, "provision": "original"] }
    }

    static func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
    }

    /// `POST /api/v1/cases` with complete materials.
    static func create(
        _ app: Application, token: String, itemCode: String, idNumber: String = "110105199003071028", name: String = "张三明",
        phone: String = "13800138000", intent: String = "accept", extra: [String: Any] = [:]
    ) async throws -> TestingHTTPResponse {
        var object: [String: Any] = [
            "itemCode": itemCode, "applicantKind": "person", "idNumber": idNumber, "name": name, "phone": phone,
            "intent": intent, "materials": try await materials(app, itemCode: itemCode),
        ]
        object.merge(extra) { _, new in new }
        return try await app.testing().sendRequest(.POST, "/api/v1/cases", headers: headers(token), body: body(object))
    }

    static func act(_ app: Application, token: String, number: String, _ action: String, _ object: [String: Any] = [:]) async throws
        -> TestingHTTPResponse
    {
        try await app.testing().sendRequest(.POST, "/api/v1/cases/\(number)/\(action)", headers: headers(token), body: body(object))
    }

    static func caseJSON(_ response: TestingHTTPResponse) throws -> [String: Any] {
        let object = try response.json()
        return (object["case"] as? [String: Any]) ?? object
    }
}
