import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Testing
import VaporTesting

@testable import OneWindowServer

enum TestPaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let catalogCSV = shared.appendingPathComponent("data/catalog/hubei-2023-items.csv")
}

/// The fixed data keys of the suite (`FieldCipher`): an index key and data key `t1`.
enum TestKeys {
    static let index = Data(repeating: 0x11, count: 32).base64EncodedString()
    static let t1 = Data(repeating: 0x22, count: 32).base64EncodedString()
    static let list = "index:\(index),t1:\(t1)"
}

/// Runs `body` against a fresh, migrated application: `.testing` environment, a fresh SQLite file (or, when
/// `DATABASE_URL` is set, a fresh PostgreSQL schema), reference data loaded. Always shuts down and cleans up.
/// - Parameter statements: when given, every SQL statement the application sends is written into it (`StatementLog`).
func withTestApp(
    configure adjust: (inout Settings) -> Void = { _ in }, statements: StatementLog? = nil, _ body: (Application) async throws -> Void
) async throws {
    let app = try await Application.make(.testing)
    statements?.install(app)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ow-test-\(UUID().uuidString)")
    let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    let schema = databaseURL.map { _ in "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased() }
    var settings = Settings(
        databaseURL: databaseURL, dataDirectory: directory.path, region: try! .init("421223000000"),
        timeZone: TimeZone(identifier: "Asia/Shanghai")!, adminPassword: nil, secureCookies: false)
    settings.bcryptCost = 4
    settings.dataKeys = TestKeys.list
    settings.postgresConnectionsPerEventLoop = 2
    adjust(&settings)
    var failure: (any Error)?
    var configured = false
    do {
        app.directory = DirectoryConfiguration(workingDirectory: TestPaths.repositoryRoot.path + "/")
        try await configure(app, settings: settings, postgresSchema: schema)
        statements?.installMiddleware(app)
        configured = true
        if let schema { try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA \(ident: schema)").run() }
        try await prepareDatabase(app)
        try await body(app)
    } catch {
        failure = error
    }
    if configured { await app.backgroundImports.waitForAll() }
    if configured, let schema { try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA \(ident: schema) CASCADE").run() }
    try await app.asyncShutdown()
    try? FileManager.default.removeItem(at: directory)
    if let failure { throw failure }
}

/// A staff account for tests, created through the same code as the admin page.
@discardableResult
func makeStaff(
    _ app: Application, username: String, password: String = "test-pass-2025", roles: Set<Role>, mustChange: Bool = false
) async throws -> Staff {
    try await StaffAccounts.create(
        .init(
            username: username, displayName: "测试\(username)", password: password, roles: roles, hallID: nil, departmentID: nil,
            mustChangePassword: mustChange),
        region: app.settings.region.value, actor: .system, cost: app.settings.bcryptCost, on: app.db)
}

/// A cookie-keeping client, like a browser: it sends back the cookies it was given and finds CSRF tokens in pages.
struct Browser {
    let app: Application
    var cookies: [String: String] = [:]

    init(_ app: Application) { self.app = app }

    mutating func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) async throws
        -> TestingHTTPResponse
    {
        var all = headers
        if !cookies.isEmpty {
            all.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let response = try await app.testing().sendRequest(method, path, headers: all, body: body)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let (name, value) = (String(pair[0]), String(pair[1]))
            if header.contains("Expires=Thu, 01 Jan 1970") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    mutating func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        try await send(.GET, path, headers: headers)
    }

    /// Posts a urlencoded form.
    mutating func post(_ path: String, form: [(String, String)], headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var all = headers
        all.contentType = .urlEncodedForm
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.POST, path, headers: all, body: ByteBuffer(string: body))
    }

    /// Posts a multipart form with one file.
    mutating func upload(
        _ path: String, fields: [(String, String)], file: (name: String, filename: String, contentType: String, data: Data)
    ) async throws -> TestingHTTPResponse {
        try await upload(path, fields: fields, files: [file])
    }

    /// Posts a multipart form with several files.
    mutating func upload(
        _ path: String, fields: [(String, String)], files: [(name: String, filename: String, contentType: String, data: Data)]
    ) async throws -> TestingHTTPResponse {
        let boundary = "----ow-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for file in files {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.contentType)\r\n\r\n"
                        .utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await send(.POST, path, headers: headers, body: ByteBuffer(data: body))
    }

    /// The CSRF token of the form in `path`'s page.
    mutating func csrfToken(from path: String) async throws -> String {
        let page = try await get(path)
        return try #require(Self.csrf(in: page.body.string))
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrfToken" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Signs in through the sign-in form; returns the response of the POST.
    @discardableResult
    mutating func signIn(_ username: String, _ password: String) async throws -> TestingHTTPResponse {
        let token = try await csrfToken(from: "/signin")
        return try await post("/signin", form: [("csrfToken", token), ("username", username), ("password", password)])
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

extension TestingHTTPResponse {
    /// The `error` object of a JSON error answer.
    func errorPayload() throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any])
        return error.compactMapValues { $0 as? String }
    }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }
}
