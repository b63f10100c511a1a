import Foundation
import OneWindowCore
import Vapor

/// What a staff member asks of a record that holds people's data.
enum RecordAccess: String, Sendable, CaseIterable {
    /// The record page, people's data masked (`张*明`, `1101**********1028`, `138****8000`).
    case view
    /// The full name, 身份证号, phone and address (查看完整个人信息, a printed notice addressed by name, a scan).
    case personal
    /// A bulk file of such records with full values (`/exports/….csv?full=1`).
    case export
}

/// The kinds of record the policy knows; each module fills `RecordRelations` for its own.
enum RecordKind: String, Sendable, CaseIterable {
    /// 办件 (and its printed notices and material scans).
    case application
    /// 一次性告知书: handed over at the comprehensive window before any case exists.
    case windowNotice
    /// 12345 工单.
    case workOrder
    /// 上门服务 request.
    case homeVisit
}

/// How one record relates to the staff: what the access policy decides on. The module that owns the record fills it
/// (Cases for a case, Hotline for a work order, FrontDesk for a home visit); the policy never reads a table.
struct RecordRelations: Sendable, Equatable {
    var kind: RecordKind
    /// 12-digit region code of the record.
    var regionCode: String
    /// Departments the record belongs to: the owning department, the current one and every step's (a case), every
    /// department it was ever sent to (a work order), the item's department (a window notice).
    var departments: Set<UUID> = []
    /// Departments that must reach the person now: a case's departments; only the current lead of a work order that
    /// is dispatched or in hand. A handler sees full values only through this.
    var contactDepartments: Set<UUID> = []
    /// Staff members tied to the record by name: the holder and step holders, whoever accepted or filed it, the
    /// assigned helper of a home visit, the issuer of a notice.
    var staff: Set<UUID> = []
    /// Still at the comprehensive window (待预审 online application, a home visit not yet assigned, a notice).
    var atWindow: Bool = false
}

/// The refusal of the access policy: 403 with a Chinese reason, on HTML pages and JSON alike.
struct AccessRefused: DomainError, Equatable {
    let reason: String
    var status: HTTPResponseStatus { .forbidden }
    var code: String { "access_refused" }
}

/// Need-to-know (RULES.md, Identity and contact data; 个人信息保护法): which staff member may open which record,
/// see its people's data in full, or export it in full. One table of role × relation, the same for every module:
///
/// | role | `view` (masked) | `personal` (full) | `export` (full file) |
/// |---|---|---|---|
/// | supervisor, director, admin | every record of their region | the same | every kind |
/// | clerk | cases, notices, home visits of the region | a case they handled or still at the window; a notice; a home visit at the window or theirs | no |
/// | approver | cases of their department (any step); any case when they have no department | cases of their department or held by them | no |
/// | helper | a case they filed or handled; any home visit of the region (the queue) | only the records tied to them | no |
/// | hotline agent | every work order of the region | the same | work orders |
/// | handler | work orders ever sent to their department | the order their department leads now | no |
///
/// A record of another region is always refused; a citizen account sees nothing.
enum AccessPolicy {
    /// Whether `principal` may do `access` on `record`; `nil` when allowed, else the Chinese reason of the refusal.
    static func refusal(_ access: RecordAccess, by principal: Principal, on record: RecordRelations) -> String? {
        guard principal.regionCode == record.regionCode else { return "该记录不属于您所在的地区" }
        if principal.roles.contains(where: { allows($0, access, principal, record) }) { return nil }
        switch access {
        case .view: return "您的岗位与该\(record.kind.noun)无关，不能查看（个人信息按需知悉）"
        case .personal: return "您的岗位与该\(record.kind.noun)无关，不能查看完整个人信息（仅限经办本件的岗位）"
        case .export: return "您的岗位不能导出含完整个人信息的\(record.kind.noun)"
        }
    }

    /// Whether `principal` may do `access` on `record`.
    static func allows(_ access: RecordAccess, by principal: Principal, on record: RecordRelations) -> Bool {
        refusal(access, by: principal, on: record) == nil
    }

    /// The roles that may export a kind of record with full values (no relation to a single record is asked).
    static func fullExportRoles(for kind: RecordKind) -> Set<Role> {
        Set(Role.allCases.filter { allows($0, .export, nil, RecordRelations(kind: kind, regionCode: "")) })
    }

    private static func allows(_ role: Role, _ access: RecordAccess, _ principal: Principal?, _ record: RecordRelations) -> Bool {
        let mine = principal.map { record.staff.contains($0.id) } ?? false
        let departments = principal?.departments ?? []
        let ourDepartment = !departments.isDisjoint(with: record.departments)
        switch (role, record.kind) {
        case (.admin, _), (.supervisor, _), (.director, _):
            return true
        case (.clerk, .application):
            return access == .view || (access == .personal && (mine || record.atWindow))
        case (.clerk, .windowNotice):
            return access != .export
        case (.clerk, .homeVisit):
            return access == .view || (access == .personal && (mine || record.atWindow))
        case (.approver, .application), (.approver, .windowNotice):
            switch access {
            case .view: return ourDepartment || mine || (principal != nil && departments.isEmpty)
            case .personal: return ourDepartment || mine
            case .export: return false
            }
        case (.helper, .application), (.helper, .windowNotice):
            return access != .export && mine
        case (.helper, .homeVisit):
            return access == .view || (access == .personal && mine)
        case (.hotlineAgent, .workOrder):
            return true
        case (.handler, .workOrder):
            switch access {
            case .view: return ourDepartment
            case .personal: return !departments.isDisjoint(with: record.contactDepartments)
            case .export: return false
            }
        default:
            return false
        }
    }

    /// Throws `AccessRefused` (403) unless `access` is allowed; a refusal is written to the audit log
    /// (`access.refused`) first, so attempts to read what the role does not need are visible.
    static func require(_ access: RecordAccess, on record: RecordRelations, entityID: String?, _ req: Request) async throws {
        guard let principal = req.auth.get(Principal.self) else { throw PlatformError.signInRequired }
        guard let reason = refusal(access, by: principal, on: record) else { return }
        try await Audit.record(
            on: req.db, region: record.regionCode, actor: req.actor, action: "access.refused", entityType: record.kind.entityType,
            entityID: entityID, summary: "拒绝\(access.verb)（\(record.kind.noun)）：\(reason)", at: req.now)
        throw AccessRefused(reason: reason)
    }
}

extension RecordKind {
    /// `办件`, `工单` …: how a refusal names the record.
    var noun: String {
        switch self {
        case .application: return "办件"
        case .windowNotice: return "告知书"
        case .workOrder: return "工单"
        case .homeVisit: return "上门服务申请"
        }
    }

    /// The audit log's `entity_type`.
    var entityType: String {
        switch self {
        case .application: return "case"
        case .windowNotice: return "one_time_notice"
        case .workOrder: return "work_order"
        case .homeVisit: return "home_visit"
        }
    }
}

extension RecordAccess {
    var verb: String {
        switch self {
        case .view: return "查看"
        case .personal: return "查看完整个人信息"
        case .export: return "导出完整个人信息"
        }
    }
}
