import FluentKit
import Foundation
import OneWindowCore
import Vapor

/// A refused Open311 GeoReport v2 call: the HTTP status (400 bad parameter, 403 bad or missing `api_key`,
/// 404 unknown service, request, token or path) and a description naming the parameter, in Chinese
/// (`lat：纬度须在 -90 至 90 之间`). Never carries personal data (RULES.md, Identity and contact data).
struct Open311Error: AbortError, Sendable {
    let status: HTTPResponseStatus
    let description: String

    var reason: String { description }

    static func badParameter(_ name: String, _ message: String) -> Open311Error {
        Open311Error(status: .badRequest, description: "\(name)：\(message)")
    }

    static func notFound(_ message: String) -> Open311Error {
        Open311Error(status: .notFound, description: message)
    }

    static func forbidden(_ message: String) -> Open311Error {
        Open311Error(status: .forbidden, description: message)
    }
}

/// Renders every error under `/open311/v2` the way GeoReport v2 clients expect (DESIGN.md, Interfaces):
/// JSON `[{"code": 400, "description": "…"}]`, XML `<errors><error><code>400</code><description>…</description>
/// </error></errors>`, in the format the path asked for, with the HTTP status equal to `code`.
///
/// Bad input is always 4xx (a `FieldError` or `PlatformError.invalidField` names its field as the Open311
/// parameter); only a real fault is a 500, logged with the request id and described without internals.
struct Open311ErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let (status, description) = Self.describe(error, request: request)
            if status.code >= 500 {
                request.logger.error("request \(request.id) failed: \(String(reflecting: error))")
            } else {
                request.logger.info("request \(request.id) \(request.method) \(request.url.path) → \(status.code) open311")
            }
            return Self.document(status: status, description: description).response(
                Open311Format.of(path: request.url.path), status: status)
        }
    }

    /// The error array: one error with the status code and the description.
    static func document(status: HTTPResponseStatus, description: String) -> Open311Document {
        Open311Document(
            root: "errors",
            value: .list(
                item: "error",
                [
                    .record([("code", .integer(Int(status.code))), ("description", .text(description))])
                ]))
    }

    static func describe(_ error: any Error, request: Request) -> (HTTPResponseStatus, String) {
        switch error {
        case let error as Open311Error:
            return (error.status, error.description)
        case let error as FieldError:
            return (.badRequest, "\(error.field)：\(error.message)")
        case let error as any DomainError:
            // A sign-in problem is a key problem here: Open311 knows only 403 for it.
            let status: HTTPResponseStatus = error.status == .unauthorized ? .forbidden : error.status
            return (status, error.field.map { "\($0)：\(error.reason)" } ?? error.reason)
        case let error as DecodingError:
            return (.badRequest, ErrorRenderingMiddleware.describe(decoding: error).message)
        case let error as any DatabaseError where error.isConstraintFailure:
            return (.conflict, "该记录与已有记录冲突，请重试")
        case let error as any AbortError:
            return (error.status, ErrorRenderingMiddleware.message(for: error.status))
        default:
            return (.internalServerError, "服务器内部错误，请稍后再试（请求编号 \(request.id)）")
        }
    }
}
