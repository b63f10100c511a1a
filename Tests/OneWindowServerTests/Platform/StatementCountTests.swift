import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

/// The SQL statements one action sends (issue 16, "Fewer statements per action"), pinned so a regression fails.
/// Case acceptance: one INSERT per table (steps, materials, audit event, outbox), the applicant read once; a ticket:
/// the people-ahead count read once in the issuing transaction, before the one INSERT of the ticket. Numbers in
/// bench/README.md, "Statements per action".
@Suite("Statements per action")
struct StatementCountTests {
    /// Prints the statements (`swift test --filter StatementCountTests` shows what an action sends).
    static func show(_ title: String, _ statements: [String]) {
        print("== \(title): \(statements.count) statements")
        for statement in statements { print("   \(statement.prefix(160))") }
    }

    @Test("Case acceptance over the API (POST /api/v1/cases)")
    func caseAcceptanceAPI() async throws {
        let log = StatementLog()
        try await withTestApp(statements: log) { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            _ = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001", idNumber: "110105199003071028")
            let body = try CaseFixtures.body([
                "itemCode": "421223YJGL0001", "applicantKind": "person", "idNumber": "110105199003071044", "name": "李四",
                "phone": "13800138000", "intent": "accept", "materials": try await CaseFixtures.materials(app, itemCode: "421223YJGL0001"),
            ])
            var status = HTTPStatus.ok
            let statements = try await log.record {
                status = try await app.testing().sendRequest(.POST, "/api/v1/cases", headers: CaseFixtures.headers(clerk), body: body)
                    .status
            }
            Self.show("case acceptance (API)", statements)
            #expect(statements.count == 19)
            #expect(status == .created)
        }
    }

    @Test("Case acceptance at the window (web intake, POST /cases)")
    func caseAcceptanceWeb() async throws {
        let log = StatementLog()
        try await withTestApp(statements: log) { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var browser = Browser(app)
            try await browser.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let form = try await browser.get("/cases/new?item=421223YJGL0001")
            let token = try #require(Browser.csrf(in: form.body.string))
            let materials = try await CaseWebFlowTests.requirementIDs(app, "421223YJGL0001")
            var fields = [
                ("csrfToken", token), ("itemCode", "421223YJGL0001"), ("applicantKind", "person"), ("idNumber", "110105199003071028"),
                ("name", "刘小芳"), ("phone", "13800138000"), ("intent", "accept"),
            ]
            fields += materials.map { ("m_\($0.id)", "original") }
            var status = HTTPStatus.ok
            let statements = try await log.record { status = try await browser.post("/cases", form: fields).status }
            Self.show("case acceptance (web)", statements)
            #expect(statements.count == 18)
            #expect(status == .seeOther)
        }
    }

    @Test("Ticket issuance over the API (POST /api/v1/halls/{hall}/tickets)")
    func ticketAPI() async throws {
        let log = StatementLog()
        try await withTestApp(statements: log) { app in
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let issue = {
                try await app.testing().sendRequest(
                    .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                    body: ByteBuffer(string: #"{"category":"A","phone":"13800138001"}"#))
            }
            _ = try await app.testing().sendRequest(
                .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                body: ByteBuffer(string: #"{"category":"A"}"#))
            var status = HTTPStatus.ok
            let statements = try await log.record { status = try await issue().status }
            Self.show("ticket (API)", statements)
            #expect(statements.count == 9)
            #expect(status == .created)
        }
    }

    @Test("Ticket issuance at the kiosk (POST /kiosk/{hall}/tickets)")
    func ticketKiosk() async throws {
        let log = StatementLog()
        try await withTestApp(statements: log) { app in
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            var browser = Browser(app)
            let page = try await browser.get("/kiosk/CY-ZX")
            let token = try #require(Browser.csrf(in: page.body.string))
            var status = HTTPStatus.ok
            let statements = try await log.record {
                status = try await browser.post("/kiosk/CY-ZX/tickets", form: [("csrfToken", token), ("category", "A")]).status
            }
            Self.show("ticket (kiosk)", statements)
            #expect(statements.count == 10)
            #expect(status == .seeOther)
        }
    }
}
