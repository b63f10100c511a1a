import Fluent
import Foundation
import OneWindowCore
import Vapor

/// A division of the country (行政区划): province, city, county or township, keyed by its 12-digit code.
final class Region: Model, @unchecked Sendable {
    static let schema = "regions"

    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    /// `RegionCode.Level` raw value: 1 province … 4 township.
    @Field(key: "level") var level: Int
    @OptionalField(key: "parent_code") var parentCode: String?

    init() {}

    init(code: String, name: String, level: Int, parentCode: String?) {
        self.id = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
    }
}

/// A service hall (政务服务中心 / 便民服务中心 / 便民服务站).
final class Hall: Model, @unchecked Sendable {
    static let schema = "halls"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// Short stable code (`CY-ZX`), unique in the region.
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "level") var level: HallLevel
    /// The division the hall serves (a township's code for a township hall).
    @Field(key: "division_code") var divisionCode: String
    @Field(key: "address") var address: String
    @Field(key: "phone") var phone: String
    @Field(key: "hours") var hours: String
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A department (部门 / 实施机关) that owns items and decides cases.
final class Department: Model, @unchecked Sendable {
    static let schema = "departments"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// Short stable code (`RSJ`), unique in the region.
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "short_name") var shortName: String
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A counter in a hall (窗口).
final class Window: Model, @unchecked Sendable {
    static let schema = "windows"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "hall_id") var hall: Hall
    /// The number shown above the counter (`5`), unique in the hall.
    @Field(key: "number") var number: String
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: WindowKind
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "active") var active: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A staff account (工作人员). Passwords are Bcrypt hashes; roles a comma-separated list of `Role` raw values.
final class Staff: Model, Authenticatable, @unchecked Sendable {
    static let schema = "staff"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// Sign-in name, lower-case, unique across the platform.
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "roles") var rolesText: String
    @OptionalParent(key: "hall_id") var hall: Hall?
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "active") var active: Bool
    /// Set for a generated first password: the holder must choose a new one at first sign-in.
    @Field(key: "must_change_password") var mustChangePassword: Bool
    @OptionalField(key: "last_sign_in_at") var lastSignInAt: Date?
    /// When the password was last set or the account was deactivated: sessions issued earlier are void.
    @OptionalField(key: "credentials_changed_at") var credentialsChangedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var roles: Set<Role> {
        get { Set(rolesText.split(separator: ",").compactMap { Role(rawValue: String($0)) }) }
        set { rolesText = Role.allCases.filter(newValue.contains).map(\.rawValue).joined(separator: ",") }
    }

    func has(_ role: Role) -> Bool { roles.contains(role) }
}
