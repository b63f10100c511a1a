import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// 申请人: one record per identity in a region (the normalised 身份证号 or 统一社会信用代码 is the key).
final class Applicant: Model, @unchecked Sendable {
    static let schema = "applicants"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Field(key: "kind") var kind: ApplicantIdentity.Kind
    /// 18 characters, normalised (upper-case `X`); unique with `region_code`.
    @Field(key: "id_number") var sealedIdNumber: SealedText
    /// The keyed hash of `idNumber` (`FieldCipher.hash`), for equality look-ups.
    @OptionalField(key: "id_number_hash") var idNumberHash: String?
    var idNumber: String {
        get { sealedIdNumber.value }
        set {
            sealedIdNumber = SealedText(newValue)
            idNumberHash = FieldCiphers.current.hash(newValue)
        }
    }
    @Field(key: "name") var sealedName: SealedText
    var name: String {
        get { sealedName.value }
        set { sealedName = SealedText(newValue) }
    }
    /// The latest contact mobile number (11 digits).
    @OptionalField(key: "phone") var sealedPhone: SealedText?
    var phone: String? {
        get { sealedPhone.text }
        set { sealedPhone = .init(text: newValue) }
    }
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    /// The name as public surfaces show it: a person's masked, an organisation's in full.
    var maskedName: String { kind == .person ? Masking.name(name) : name }
    var maskedNumber: String { kind == .person ? Masking.residentID(idNumber) : idNumber }
}

/// 办件: one application for one item, from registration to delivery.
///
/// Instants are UTC; `acceptedOn` is the local business date the clock started (RULES.md, Time). `dueAt` and
/// `statutoryDueAt` are recomputed from `acceptedOn`, the limits and every pause at each change; they are `nil`
/// while a pause is open (the deadline is not known until the case resumes).
final class Case: Model, @unchecked Sendable {
    static let schema = "cases"

    enum Channel: String, Codable, Sendable, CaseIterable {
        case window
        case online
        /// Filed by a helper at a home visit (上门服务), as 代办.
        case homeVisit

        var label: String {
            switch self {
            case .window: return "窗口受理"
            case .online: return "网上申报"
            case .homeVisit: return "上门服务（代办）"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// 办件编号 (`421223-20250305-00012`), unique.
    @Field(key: "case_number") var caseNumber: String
    @Parent(key: "item_id") var item: ServiceItem
    @Field(key: "item_code") var itemCode: String
    @Field(key: "item_name") var itemName: String
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "department_name") var departmentName: String
    @Field(key: "case_type") var caseType: CaseType
    /// The item's category when the case was registered: 公共服务 cases are 服务事项, the others 审批事项 (数说成绩单).
    @OptionalField(key: "item_category") var itemCategory: ItemCategory?
    @Field(key: "channel") var channel: Channel
    @Field(key: "state") var state: CaseState
    @Parent(key: "applicant_id") var applicant: Applicant
    /// 代办人, when someone acts for the applicant.
    @OptionalParent(key: "proxy_id") var proxy: Applicant?
    /// The contact mobile for this case (the progress query checks its last 4 digits).
    @Field(key: "contact_phone") var sealedContactPhone: SealedText
    var contactPhone: String {
        get { sealedContactPhone.value }
        set { sealedContactPhone = SealedText(newValue) }
    }
    @Field(key: "submitted_at") var submittedAt: Date
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    /// Local date of acceptance, `YYYY-MM-DD`: day 0 of the limits.
    @OptionalField(key: "accepted_on") var acceptedOn: String?
    @OptionalField(key: "accepted_by") var acceptedBy: String?
    /// Limits in half working days (承诺 / 法定).
    @Field(key: "promised_half_days") var promisedHalfDays: Int
    @OptionalField(key: "statutory_half_days") var statutoryHalfDays: Int?
    @OptionalField(key: "due_at") var dueAt: Date?
    @OptionalField(key: "statutory_due_at") var statutoryDueAt: Date?
    /// Accepted with materials to follow (容缺受理).
    @Field(key: "pending_materials") var pendingMaterials: Bool
    /// The staff member holding the case now (审查人), by id and name.
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @OptionalField(key: "owner_name") var ownerName: String?
    /// Position of the current step (联办: several departments in turn).
    @Field(key: "current_step") var currentStep: Int
    /// The department whose queue the case is in (the current step's).
    @OptionalField(key: "current_department_id") var currentDepartmentID: UUID?
    @Field(key: "current_department_name") var currentDepartmentName: String
    @OptionalField(key: "decision") var decision: CaseDecision?
    /// The reason of a 不予受理 or 不予许可.
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "completed_at") var completedAt: Date?
    @OptionalField(key: "delivery_method") var deliveryMethod: DeliveryMethod?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    /// The applicant's own words (online form: 申请事由).
    @OptionalField(key: "applicant_note") var applicantNote: String?
    /// The queue ticket the case was accepted on (叫号 → 受理), if any.
    @OptionalField(key: "ticket_id") var ticketID: UUID?
    /// The home visit it was filed at, if any.
    @OptionalField(key: "home_visit_id") var homeVisitID: UUID?
    /// A staff member acting as 代办 (the helper of a home visit), by display name.
    @OptionalField(key: "proxy_staff_name") var proxyStaffName: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    @Children(for: \.$case) var steps: [CaseStep]
    @Children(for: \.$case) var pauses: [CasePause]
    @Children(for: \.$case) var materials: [SubmittedMaterial]

    init() {}

    /// The case of `region` with that number, if any.
    static func find(_ number: CaseNumber, region: String, on db: any Database) async throws -> Case? {
        try await Case.scoped(on: db, to: region).filter(\.$caseNumber == number.description).first()
    }

    var promised: WorkingDays { WorkingDays(halfDays: promisedHalfDays) }
    var statutory: WorkingDays? { statutoryHalfDays.map(WorkingDays.init(halfDays:)) }
    var acceptedDate: LocalDate? { acceptedOn.flatMap(LocalDate.init(iso:)) }
}

/// One department's step of a case. A 联办件 has several, handled in `position` order; others have one.
final class CaseStep: Model, @unchecked Sendable {
    static let schema = "case_steps"

    enum State: String, Codable, Sendable {
        case waiting
        case inReview
        case done

        var label: String {
            switch self {
            case .waiting: return "待办"
            case .inReview: return "办理中"
            case .done: return "已办毕"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "position") var position: Int
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "department_name") var departmentName: String
    @Field(key: "state") var state: State
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @OptionalField(key: "owner_name") var ownerName: String?
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}
}

/// A pause of a case's clock (补正 / 特殊环节): local dates, start inclusive, end exclusive (RULES.md).
final class CasePause: Model, @unchecked Sendable {
    static let schema = "case_pauses"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "case_id") var `case`: Case
    @Field(key: "reason") var reason: Pause.Reason
    @Field(key: "start_on") var startOn: String
    @OptionalField(key: "end_on") var endOn: String?
    /// What the applicant must add (补正), or what the special procedure is.
    @Field(key: "note") var note: String
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?

    init() {}

    var pause: Pause? {
        guard let start = LocalDate(iso: startOn) else { return nil }
        return Pause(reason, from: start, until: endOn.flatMap(LocalDate.init(iso:)))
    }
}

/// 申请材料 as handed in for a case: how each requirement was met.
final class SubmittedMaterial: Model, @unchecked Sendable {
    static let schema = "submitted_materials"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "case_id") var `case`: Case
    @OptionalField(key: "requirement_id") var requirementID: UUID?
    @Field(key: "position") var position: Int
    @Field(key: "name") var name: String
    @Field(key: "provision") var provision: MaterialCheck.Provision
    @Field(key: "is_key") var isKey: Bool
    /// The e-licence that stands in for the paper (GB/T 36904 identifier), when `provision` is `.licence`.
    @OptionalField(key: "licence_id") var licenceID: String?
    @OptionalParent(key: "file_id") var file: StoredFile?
    @OptionalField(key: "note") var note: String?

    init() {}
}

/// 一次性告知书: everything missing or wrong, given once, for an application not yet accepted.
final class OneTimeNotice: Model, @unchecked Sendable {
    static let schema = "one_time_notices"

    struct Line: Codable, Sendable {
        let name: String
        let problem: String
        let note: String
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `421223-20250305-G0003`.
    @Field(key: "notice_number") var noticeNumber: String
    @Parent(key: "item_id") var item: ServiceItem
    @OptionalParent(key: "applicant_id") var applicant: Applicant?
    /// JSON array of `Line`.
    @Field(key: "lines") var linesJSON: String
    @Field(key: "issued_at") var issuedAt: Date
    @Field(key: "issued_by") var issuedBy: String

    init() {}

    var lines: [Line] {
        get { (try? JSONDecoder().decode([Line].self, from: Data(linesJSON.utf8))) ?? [] }
        set { linesJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }
}
