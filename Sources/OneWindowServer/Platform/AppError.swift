import OneWindowCore
import Vapor

/// An error a module raises for a person to read: HTTP status, a stable machine `code`, a Chinese `reason`,
/// and the input `field` it concerns, if any. Every module's error enum conforms.
public protocol DomainError: AbortError {
    var code: String { get }
    var field: String? { get }
}

extension DomainError {
    public var field: String? { nil }

    /// What a form page shows for this error: a field error's own message, else the reason.
    var formMessage: String {
        if let platform = self as? PlatformError, case .invalidField(let field) = platform { return field.message }
        return reason
    }
}

/// Errors common to every module: bad input, missing records, conflicts, access.
public enum PlatformError: DomainError, Equatable {
    case invalidField(FieldError)
    case notFound(what: String)
    case conflict(String)
    case forbidden
    case signInRequired
    case csrfMismatch
    case tooManyAttempts(retryAfterSeconds: Int)
    case unsupportedMediaType(String)
    case payloadTooLarge(limit: String)

    public var status: HTTPResponseStatus {
        switch self {
        case .invalidField: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .forbidden: return .forbidden
        case .signInRequired: return .unauthorized
        case .csrfMismatch: return .forbidden
        case .tooManyAttempts: return .tooManyRequests
        case .unsupportedMediaType: return .unsupportedMediaType
        case .payloadTooLarge: return .payloadTooLarge
        }
    }

    public var code: String {
        switch self {
        case .invalidField: return "invalid_field"
        case .notFound: return "not_found"
        case .conflict: return "conflict"
        case .forbidden: return "forbidden"
        case .signInRequired: return "sign_in_required"
        case .csrfMismatch: return "csrf_mismatch"
        case .tooManyAttempts: return "too_many_attempts"
        case .unsupportedMediaType: return "unsupported_media_type"
        case .payloadTooLarge: return "payload_too_large"
        }
    }

    public var reason: String {
        switch self {
        case .invalidField(let error): return error.message
        case .notFound(let what): return "没有找到\(what)"
        case .conflict(let why): return why
        case .forbidden: return "您的账号没有执行此操作的权限"
        case .signInRequired: return "请先登录"
        case .csrfMismatch: return "表单已过期或来源不明，请刷新页面后重新提交"
        case .tooManyAttempts(let seconds): return "尝试次数过多，请 \(max(1, seconds / 60)) 分钟后再试"
        case .unsupportedMediaType(let what): return "不支持的文件类型：\(what)"
        case .payloadTooLarge(let limit): return "提交的内容过大，上限为 \(limit)"
        }
    }

    public var field: String? {
        if case .invalidField(let error) = self { return error.field }
        return nil
    }

    public var headers: HTTPHeaders {
        if case .tooManyAttempts(let seconds) = self { return ["Retry-After": "\(seconds)"] }
        return [:]
    }
}
