import AsyncKit
import FluentKit
import Foundation
import OneWindowCore
import Vapor

/// What a failed request tells its caller: status, code, a Chinese message, and the field concerned.
struct ErrorPayload: Content, Sendable {
    var code: String
    var message: String
    var field: String?
}

/// Turns any error into the answer a person or a client should see (STYLE.md, Errors):
/// `{"error": {"code", "message", "field"}}` under `/api` and `/open311`, a Chinese error page elsewhere.
/// The status is kept; bad input is 4xx naming the field; 5xx are logged with the request id and never
/// show internal descriptions.
struct ErrorRenderingMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let (status, payload, headers) = Self.describe(error, request: request)
            if status.code >= 500 {
                request.logger.error("request \(request.id) failed: \(String(reflecting: error))")
            } else {
                // The error page shows the request id; the log must let staff find it.
                request.logger.info(
                    "request \(request.id) \(request.method) \(request.url.path) → \(status.code) \(payload.code)\(payload.field.map { " field=\($0)" } ?? "")"
                )
            }
            return await Self.render(status: status, payload: payload, headers: headers, for: request)
        }
    }

    static func describe(_ error: any Error, request: Request) -> (HTTPResponseStatus, ErrorPayload, HTTPHeaders) {
        switch error {
        case let error as any DomainError:
            return (error.status, ErrorPayload(code: error.code, message: error.reason, field: error.field), error.headers)
        case let error as FieldError:
            return (.badRequest, ErrorPayload(code: "invalid_field", message: error.message, field: error.field), [:])
        case let error as CalendarError:
            return (.unprocessableEntity, ErrorPayload(code: "calendar_unavailable", message: error.message, field: nil), [:])
        case let error as DeadlineError:
            if case .calendar(let calendarError) = error {
                return (.unprocessableEntity, ErrorPayload(code: "calendar_unavailable", message: calendarError.message, field: nil), [:])
            }
            return (.unprocessableEntity, ErrorPayload(code: "invalid_pause", message: error.message, field: nil), [:])
        case let error as any DatabaseError where error.isConstraintFailure:
            // A unique key lost a race with another request (the pre-checks passed, the database said no).
            return (.conflict, ErrorPayload(code: "conflict", message: "该记录与已有记录冲突（可能刚被他人提交），请刷新后重试", field: nil), [:])
        case let error as DecodingError:
            return (.badRequest, describe(decoding: error), [:])
        case is ConnectionPoolTimeoutError:
            // Every database connection stayed busy past the pool's wait: overload, not a bug; the client may retry.
            return (.serviceUnavailable, ErrorPayload(code: "busy", message: "系统繁忙，请稍后再试", field: nil), ["Retry-After": "5"])
        case let error as any AbortError:
            return (
                error.status, ErrorPayload(code: code(for: error.status), message: message(for: error.status), field: nil), error.headers
            )
        default:
            return (
                .internalServerError,
                ErrorPayload(code: "internal_error", message: "服务器内部错误，请稍后再试（请求编号 \(request.id)）", field: nil), [:]
            )
        }
    }

    /// The field a decoding error concerns, and what was wrong with it.
    static func describe(decoding error: DecodingError) -> ErrorPayload {
        func path(_ keys: [any CodingKey]) -> String? {
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key]) ?? key.stringValue
            return ErrorPayload(code: "invalid_field", message: "缺少必填字段 \(field)", field: field)
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return ErrorPayload(code: "invalid_field", message: field.map { "字段 \($0) 不能为空" } ?? "请求内容不能为空", field: field)
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let field = path(context.codingPath)
            return ErrorPayload(code: "invalid_field", message: "字段 \(field ?? "（请求内容）") 的值格式不正确", field: field)
        @unknown default:
            return ErrorPayload(code: "invalid_field", message: "请求内容格式不正确", field: nil)
        }
    }

    static func code(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "sign_in_required"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "conflict"
        case 413: return "payload_too_large"
        case 415: return "unsupported_media_type"
        case 422: return "unprocessable"
        case 429: return "too_many_requests"
        case 500...: return "internal_error"
        default: return "error_\(status.code)"
        }
    }

    /// Vapor's own reasons are English and may describe internals; people get these instead.
    static func message(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: return "请求内容不正确，请检查后重试"
        case 401: return "请先登录"
        case 403: return "没有访问权限"
        case 404: return "您访问的页面不存在"
        case 405: return "不支持此操作方式"
        case 413: return "提交的内容过大"
        case 415: return "不支持的内容类型"
        case 429: return "请求过于频繁，请稍后再试"
        case 500...: return "服务器暂时无法处理，请稍后再试"
        default: return "请求未能完成（\(status.code)）"
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        let path = request.url.path
        if SiteRoute.api.encloses(path) || SiteRoute.open311.encloses(path) || path == SiteRoute.health.pattern { return true }
        let accept = request.headers.first(name: .accept) ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    static func render(status: HTTPResponseStatus, payload: ErrorPayload, headers: HTTPHeaders, for request: Request) async -> Response {
        var responseHeaders = headers
        if wantsJSON(request) {
            struct Envelope: Encodable { let error: ErrorPayload }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = (try? encoder.encode(Envelope(error: payload))) ?? Data("{}".utf8)
            responseHeaders.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
            return Response(status: status, headers: responseHeaders, body: .init(data: body))
        }
        struct Context: Encodable {
            let page: PageChrome
            let status: UInt
            let title: String
            let message: String
            let requestID: String
        }
        let context = Context(
            page: PageChrome(request: request, title: "出错了"), status: status.code, title: status.code == 404 ? "页面不存在" : "出错了",
            message: payload.message, requestID: request.id)
        if let view = try? await request.view.render("errors/error", context) {
            let response = try? await view.encodeResponse(status: status, headers: responseHeaders, for: request)
            if let response { return response }
        }
        let html =
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>出错了</title><h1>\(status.code)</h1><p>\(payload.message.htmlEscaped())</p></html>"
        responseHeaders.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
        return Response(status: status, headers: responseHeaders, body: .init(string: html))
    }
}

extension String {
    /// Escapes `& < > " '` for HTML text and attributes.
    func htmlEscaped() -> String {
        var out = ""
        for char in self {
            switch char {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(char)
            }
        }
        return out
    }
}
