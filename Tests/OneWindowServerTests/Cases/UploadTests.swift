import Fluent
import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Uploads: type by content, generated names, size limits")
struct UploadTests {
    static func upload(_ app: Application, token: String, name: String, contentType: String, data: Data) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        headers.replaceOrAdd(name: .contentType, value: contentType)
        headers.replaceOrAdd(name: "X-File-Name", value: name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        return try await app.testing().sendRequest(.POST, "/api/v1/files", headers: headers, body: ByteBuffer(data: data))
    }

    @Test("`../../x.pdf` lands inside the upload folder under a generated name; HTML sent as PDF → 415")
    func namesAndTypes() async throws {
        try await withTestApp { app in
            let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let pdf = Data("%PDF-1.7\n%âãÏÓ\n".utf8)
            let response = try await Self.upload(app, token: token, name: "../../x.pdf", contentType: "application/pdf", data: pdf)
            #expect(response.status == .created)
            let id = try #require(try response.json()["id"] as? String)
            let file = try #require(try await StoredFile.find(UUID(uuidString: id), on: app.db))
            #expect(file.originalName == "x.pdf")
            #expect(file.storedName == "\(id.lowercased()).pdf")
            let folder = URL(fileURLWithPath: app.settings.dataDirectory).appendingPathComponent("files")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [file.storedName])
            #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: app.settings.dataDirectory).deletingLastPathComponent().appendingPathComponent("x.pdf").path))

            let html = try await Self.upload(app, token: token, name: "scan.pdf", contentType: "application/pdf", data: Data("<html><script>alert(1)</script></html>".utf8))
            #expect(html.status == .unsupportedMediaType)
            #expect(try html.errorPayload()["code"] == "unsupported_media_type")
            let png = try await Self.upload(app, token: token, name: "a.png", contentType: "image/png", data: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))
            #expect(try png.json()["contentType"] as? String == "image/png")
            #expect(try await StoredFile.query(on: app.db).count() == 2)
        }
    }

    @Test("A 20 MB scan is accepted; a 60 MB one is refused with 413")
    func sizes() async throws {
        try await withTestApp { app in
            let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            var twenty = Data("%PDF-1.4\n".utf8)
            twenty.append(Data(count: 20 << 20))
            #expect(try await Self.upload(app, token: token, name: "big.pdf", contentType: "application/pdf", data: twenty).status == .created)
            var sixty = Data("%PDF-1.4\n".utf8)
            sixty.append(Data(count: 60 << 20))
            let refused = try await Self.upload(app, token: token, name: "huge.pdf", contentType: "application/pdf", data: sixty)
            #expect(refused.status == .payloadTooLarge)
            #expect(try refused.errorPayload()["message"] == "提交的内容过大，上限为 50 MB")
            #expect(try await StoredFile.query(on: app.db).count() == 1)
        }
    }

    @Test("Identity: full-width and half-width ID → one applicant; 15 and 17 digits → 400 naming idNumber")
    func identities() async throws {
        try await withTestApp { app in
            let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            #expect(try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: "１１０１０５１９９００３０７１０２８").status == .created)
            #expect(try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: "110105199003071028").status == .created)
            #expect(try await Applicant.query(on: app.db).count() == 1)
            for short in ["110105201003070", "11010519900307102"] {
                let response = try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: short)
                #expect(response.status == .badRequest)
                #expect(try response.errorPayload()["field"] == "idNumber")
            }
            #expect(try await Case.query(on: app.db).count() == 2)
            // Without a token: 401; a token without the role: 403 on a transition.
            let anonymous = try await app.testing().sendRequest(.GET, "/api/v1/cases")
            #expect(anonymous.status == .unauthorized)
        }
    }
}
