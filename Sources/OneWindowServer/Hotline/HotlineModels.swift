import Fluent
import Foundation
import OneWindowCore
import Vapor

/// A node of the three-level 12345 category tree (一级 / 二级 / 三级分类), optionally mapped to the department that
/// answers for it. A category without its own department inherits its parent's.
final class HotlineCategory: Model, @unchecked Sendable {
    static let schema = "hotline_categories"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `城乡建设/城市建设和市政管理/城市公共设施`: the names of the path, unique in the region.
    @Field(key: "path") var path: String
    /// Two digits per level (`01`, `0103`, `010305`), unique in the region: the Open311 `service_code`.
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    /// 1, 2 or 3.
    @Field(key: "level") var level: Int
    @OptionalField(key: "parent_id") var parentID: UUID?
    @OptionalParent(key: "department_id") var department: Department?
    /// A reply limit in working days replacing the appeal type's default (RULES.md: configurable per category).
    @OptionalField(key: "reply_limit_days") var replyLimitDays: Int?
    @Field(key: "position") var position: Int

    init() {}
}

/// A 12345 work order (工单): one appeal, from intake to close.
final class WorkOrder: Model, @unchecked Sendable {
    static let schema = "work_orders"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `12345-20250305-00012`: unique, readable, numbered per local day of intake.
    @Field(key: "number") var number: String
    @Field(key: "channel") var channel: HotlineChannel
    @Field(key: "appeal_type") var appealType: AppealType
    @Field(key: "urgency") var urgency: Urgency
    /// The appellant's name; `nil` for an anonymous appeal. Masked on every public surface.
    @OptionalField(key: "appellant_name") var sealedAppellantName: SealedText?
    var appellantName: String? {
        get { sealedAppellantName.text }
        set { sealedAppellantName = .init(text: newValue) }
    }
    @OptionalField(key: "phone") var sealedPhone: SealedText?
    /// The keyed hash of `phone` (`FieldCipher.hash`), for equality look-ups.
    @OptionalField(key: "phone_hash") var phoneHash: String?
    var phone: String? {
        get { sealedPhone.text }
        set {
            sealedPhone = .init(text: newValue)
            phoneHash = FieldCiphers.hash(newValue)
        }
    }
    @Field(key: "title") var title: String
    @Field(key: "content") var content: String
    @Field(key: "address") var sealedAddress: SealedText
    var address: String {
        get { sealedAddress.value }
        set { sealedAddress = SealedText(newValue) }
    }
    /// 乡镇 (a division code of level 4) when known.
    @OptionalField(key: "township_code") var townshipCode: String?
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    @OptionalParent(key: "category_id") var category: HotlineCategory?
    /// The classifier's top suggestions at intake, `id|score` joined by `,` (kept to measure the agent's overrides).
    @Field(key: "suggested") var suggested: String
    @Field(key: "state") var state: WorkOrderState
    @OptionalParent(key: "lead_department_id") var leadDepartment: Department?
    @Field(key: "received_at") var receivedAt: Date
    @OptionalField(key: "dispatched_at") var dispatchedAt: Date?
    @OptionalField(key: "sign_due_at") var signDueAt: Date?
    @OptionalField(key: "signed_for_at") var signedForAt: Date?
    /// The reply limit in working days at dispatch (extension not included).
    @OptionalField(key: "reply_limit_days") var replyLimitDays: Int?
    /// When the current reply period began: the dispatch, or the reopening after a 不满意 callback (重办).
    @OptionalField(key: "reply_started_at") var replyStartedAt: Date?
    @OptionalField(key: "reply_due_at") var replyDueAt: Date?
    @OptionalField(key: "replied_at") var repliedAt: Date?
    @OptionalField(key: "reply") var reply: String?
    @OptionalField(key: "replied_by") var repliedBy: String?
    @OptionalField(key: "callback_due_at") var callbackDueAt: Date?
    @OptionalField(key: "called_back_at") var calledBackAt: Date?
    @OptionalField(key: "satisfaction") var satisfaction: Satisfaction?
    /// The answer at the first callback (回访满意率 counts it; a 重办 does not erase it).
    @OptionalField(key: "first_satisfaction") var firstSatisfaction: Satisfaction?
    @OptionalField(key: "callback_note") var callbackNote: String?
    @Field(key: "reopen_count") var reopenCount: Int
    @OptionalField(key: "closed_at") var closedAt: Date?
    @OptionalParent(key: "merged_into_id") var mergedInto: WorkOrder?
    /// A pending extension request (working days) and its reason; `extended_days` once decided (0: refused).
    @OptionalField(key: "extension_requested_days") var extensionRequestedDays: Int?
    @OptionalField(key: "extension_reason") var extensionReason: String?
    @OptionalField(key: "extended_days") var extendedDays: Int?
    @Field(key: "urge_count") var urgeCount: Int
    @Field(key: "supervised") var supervised: Bool
    /// The last 退单 reason (the hotline reads it before re-dispatching).
    @OptionalField(key: "return_reason") var returnReason: String?
    /// Open311 `service_code` of an order that came in through Open311.
    @OptionalField(key: "service_code") var serviceCode: String?
    /// Open311 token returned before the order has an id visible to the client.
    @OptionalField(key: "open311_token") var open311Token: String?
    /// Where an imported order came from (`teddycup-a4:2549`), unique: an import run twice adds nothing.
    @OptionalField(key: "source_ref") var sourceRef: String?
    /// The agent form's one-time key: submitting the same form twice registers one order.
    @OptionalField(key: "intake_key") var intakeKey: String?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var progress: WorkOrderProgress {
        WorkOrderProgress(state: state, reopenCount: reopenCount, canCallBack: phone != nil)
    }
}

/// A department on a dispatched work order: 主办 (`lead`) or 协办 (`helper`), and when it signed for it.
final class WorkOrderAssignment: Model, @unchecked Sendable {
    static let schema = "work_order_assignments"

    enum Role: String, Codable, Sendable {
        case lead
        case helper

        var label: String { self == .lead ? "主办" : "协办" }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "work_order_id") var workOrder: WorkOrder
    @Parent(key: "department_id") var department: Department
    @Field(key: "role") var role: Role
    @Field(key: "assigned_at") var assignedAt: Date
    @OptionalField(key: "signed_for_at") var signedForAt: Date?
    /// Set when the hotline re-dispatches: the assignment no longer counts.
    @Field(key: "active") var active: Bool

    init() {}
}

/// One labelled text the dispatch classifier learns from: the agent's final category of a work order (accepted or
/// overridden), or a row of an imported labelled sample.
final class HotlineTrainingExample: Model, @unchecked Sendable {
    static let schema = "hotline_training_examples"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Field(key: "text") var text: String
    @Parent(key: "category_id") var category: HotlineCategory
    /// `order` (from a work order, `source_ref` its id) or `sample` (an imported file).
    @Field(key: "source") var source: String
    @OptionalField(key: "source_ref") var sourceRef: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
