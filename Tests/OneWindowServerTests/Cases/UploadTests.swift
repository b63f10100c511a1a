import Fluent
import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Uploads: type by content, generated names, size limits")
struct UploadTests {
    static func upload(_ app: Application, token: String, name: String, contentType: String, data: Data) async throws -> TestingHTTPResponse
    {
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
            #expect(
                !FileManager.default.fileExists(
                    atPath: URL(fileURLWithPath: app.settings.dataDirectory).deletingLastPathComponent().appendingPathComponent("x.pdf")
                        .path))

            let html = try await Self.upload(
                app, token: token, name: "scan.pdf", contentType: "application/pdf",
                data: Data("<html><script>alert(1)</script></html>".utf8))
            #expect(html.status == .unsupportedMediaType)
            #expect(try html.errorPayload()["code"] == "unsupported_media_type")
            let png = try await Self.upload(
                app, token: token, name: "a.png", contentType: "image/png",
                data: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))
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
            #expect(
                try await Self.upload(app, token: token, name: "big.pdf", contentType: "application/pdf", data: twenty).status == .created)
            var sixty = Data("%PDF-1.4\n".utf8)
            sixty.append(Data(count: 60 << 20))
            let refused = try await Self.upload(app, token: token, name: "huge.pdf", contentType: "application/pdf", data: sixty)
            #expect(refused.status == .payloadTooLarge)
            #expect(try refused.errorPayload()["message"] == "提交的内容过大，上限为 50 MB")
            #expect(try await StoredFile.query(on: app.db).count() == 1)
        }
    }

    @Test("The workbench form takes a scan; a 60 MB form is refused with 413 and leaves nothing behind")
    func webFormLimit() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var browser = Browser(app)
            try await browser.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let token = try await browser.csrfToken(from: "/cases/new?item=421223RSJ0003")
            let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "421223RSJ0003").first())
            let requirement = try #require(try await MaterialRequirement.query(on: app.db).filter(\.$item.$id == item.requireID()).first())
            let fields = [
                ("csrfToken", token), ("itemCode", "421223RSJ0003"), ("idNumber", "110105199003071028"), ("name", "张三明"),
                ("phone", "13800138000"), ("intent", "accept"),
            ]
            var sixty = Data("%PDF-1.4\n".utf8)
            sixty.append(Data(count: 60 << 20))
            let refused = try await browser.upload(
                "/cases", fields: fields,
                file: (name: "f_\(requirement.id!.uuidString)", filename: "scan.pdf", contentType: "application/pdf", data: sixty))
            #expect(refused.status == .payloadTooLarge)
            #expect(try await Case.query(on: app.db).count() == 0)
            // The 20 MB scan itself is pinned through the API (UploadTests.sizes); here a 2 MB one keeps the debug-build
            // multipart parser quick.
            var scan = Data("%PDF-1.4\n".utf8)
            scan.append(Data(count: 2 << 20))
            let accepted = try await browser.upload(
                "/cases", fields: fields,
                file: (name: "f_\(requirement.id!.uuidString)", filename: "scan.pdf", contentType: "application/pdf", data: scan))
            #expect(accepted.status == .seeOther)
            let material = try #require(try await SubmittedMaterial.query(on: app.db).with(\.$file).first())
            #expect(material.provision == .electronic)
            #expect(material.file?.size == (2 << 20) + 9)
            let stored = try FileManager.default.contentsOfDirectory(atPath: app.settings.dataDirectory + "/files")
            #expect(stored == [material.file!.storedName])
        }
    }

    @Test("The clerk looks up a known applicant: name and phone filled, the view audited; a bad number names idNumber")
    func applicantLookup() async throws {
        try await withTestApp { app in
            let api = try await CaseFixtures.token(app, "clerk0", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            _ = try await CaseFixtures.create(app, token: api, itemCode: "421223YJGL0001")
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var browser = Browser(app)
            try await browser.signIn("clerk1", "test-pass-2025")
            let found = try await browser.get(
                "/cases/applicant?applicantKind=person&idNumber=%EF%BC%91%EF%BC%91%EF%BC%90%EF%BC%91%EF%BC%90%EF%BC%95199003071028")
            #expect(try found.json() as NSDictionary == ["found": true, "name": "张三明", "phone": "13800138000"] as NSDictionary)
            #expect(
                try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").all().map(\.summary) == [
                    "综窗调取申请人 张*明（1101**********1028）"
                ])
            let unknown = try await browser.get("/cases/applicant?idNumber=11010519900307101X")
            #expect(try unknown.json() as NSDictionary == ["found": false] as NSDictionary)
            let bad = try await browser.get("/cases/applicant?idNumber=110105201003070", headers: ["Accept": "application/json"])
            #expect(bad.status == .badRequest)
            #expect(try bad.errorPayload()["field"] == "idNumber")
        }
    }

    @Test("Identity: full-width and half-width ID → one applicant; 15 and 17 digits → 400 naming idNumber")
    func identities() async throws {
        try await withTestApp { app in
            let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            #expect(
                try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: "１１０１０５１９９００３０７１０２８").status
                    == .created)
            #expect(
                try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: "110105199003071028").status
                    == .created)
            #expect(try await Applicant.query(on: app.db).count() == 1)
            for short in ["110105201003070", "11010519900307102"] {
                let response = try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001", idNumber: short)
                #expect(response.status == .badRequest)
                #expect(try response.errorPayload()["field"] == "idNumber")
            }
            #expect(try await Case.query(on: app.db).count() == 2)
            // Page sizes typed full-width (per=１, page=２) read as 1 and 2; an empty one is still refused.
            let fullWidth = try await app.testing().sendRequest(
                .GET, "/api/v1/cases?per=%EF%BC%91&page=%EF%BC%92", headers: CaseFixtures.headers(token))
            #expect(fullWidth.status == .ok)
            #expect(try fullWidth.json()["metadata"] as? [String: Int] == ["page": 2, "per": 1, "total": 2])
            let empty = try await app.testing().sendRequest(.GET, "/api/v1/cases?per=", headers: CaseFixtures.headers(token))
            #expect(empty.status == .badRequest)
            #expect(try empty.errorPayload()["field"] == "per")
            // Without a token: 401; a token without the role: 403 on a transition.
            let anonymous = try await app.testing().sendRequest(.GET, "/api/v1/cases")
            #expect(anonymous.status == .unauthorized)
        }
    }
}
