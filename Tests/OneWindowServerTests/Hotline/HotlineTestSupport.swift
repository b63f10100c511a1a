import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

enum HotlineFixtures {
    static let messagesDirectory = TestPaths.shared.appendingPathComponent("data/teddycup2020-smart-gov-messages")

    static func department(_ app: Application, _ code: String) async throws -> Department {
        try #require(try await Department.query(on: app.db).filter(\.$code == code).first())
    }

    static func service(_ app: Application, actor: Actor = .system) async throws -> HotlineService {
        HotlineService(try await ServiceContext(app, actor: actor), staff: nil)
    }

    static func intake(
        _ content: String, type: AppealType = .complaint, phone: String? = "13800138000", name: String? = "王建国",
        channel: HotlineChannel = .phone, township: String? = nil
    ) -> HotlineService.Intake {
        HotlineService.Intake(
            channel: channel, appealType: type, appellantName: name, phone: phone, title: String(content.prefix(20)),
            content: content, address: "天城镇桃溪路", townshipCode: township)
    }

    /// A handler of the department `code`, signed in by `Browser.signIn` with the default password.
    @discardableResult
    static func handler(_ app: Application, _ username: String, department code: String) async throws -> Staff {
        let staff = try await makeStaff(app, username: username, roles: [.handler])
        staff.$department.id = try await department(app, code).id
        try await staff.save(on: app.db)
        return staff
    }

    /// A Bearer token with `hotline:write` for a new staff member `username`.
    static func token(_ app: Application, _ username: String) async throws -> String {
        let staff = try await makeStaff(app, username: username, roles: [.hotlineAgent])
        return try await APITokens.create(for: staff.principal, name: "test", scopes: ["hotline:write"], actor: .system, on: app.db)
    }

    static func formatted(_ date: Date?) -> String? {
        date.map { LocalTime.formatDeadline($0, in: TimeZone(identifier: "Asia/Shanghai")!) }
    }
}
