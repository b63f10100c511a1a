import Fluent
import Foundation
import OneWindowCore
import Vapor

/// A bookable time slot of a hall and category (预约时段), with its capacity. `booked` is raised only by a guarded
/// update (`booked < capacity`), so the database itself refuses an overbooking.
final class AppointmentSlot: Model, @unchecked Sendable {
    static let schema = "appointment_slots"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "hall_id") var hall: Hall
    @Parent(key: "category_id") var category: TicketCategory
    /// Local date of the slot (`YYYY-MM-DD`, hall's zone).
    @Field(key: "day") var day: String
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "capacity") var capacity: Int
    @Field(key: "booked") var booked: Int

    init() {}
}

/// A booking (预约) of one place in a slot.
final class Appointment: Model, @unchecked Sendable {
    static let schema = "appointments"

    enum State: String, Codable, Sendable {
        case booked
        case cancelled
        case checkedIn

        var label: String {
            switch self {
            case .booked: return "已预约"
            case .cancelled: return "已取消"
            case .checkedIn: return "已签到取号"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "slot_id") var slot: AppointmentSlot
    @Field(key: "hall_id") var hallID: UUID
    @Field(key: "category_id") var categoryID: UUID
    /// Local date of the slot (the person's daily limit counts on it).
    @Field(key: "day") var day: String
    /// Booking code the person shows at check-in (`Y` + 8 characters).
    @Field(key: "code") var code: String
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
    @Field(key: "phone") var sealedPhone: SealedText
    var phone: String {
        get { sealedPhone.value }
        set { sealedPhone = SealedText(newValue) }
    }
    @Field(key: "state") var state: State
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?
    @OptionalField(key: "checked_in_at") var checkedInAt: Date?
    @OptionalField(key: "ticket_id") var ticketID: UUID?

    init() {}
}

/// A request for a home visit (上门服务).
final class HomeVisit: Model, @unchecked Sendable {
    static let schema = "home_visits"

    enum Channel: String, Codable, Sendable {
        case online
        case phone

        var label: String { self == .online ? "网上申请" : "电话申请（工作人员登记）" }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `SM-20250305-001`.
    @Field(key: "number") var number: String
    @Field(key: "channel") var channel: Channel
    @Field(key: "reason") var reason: HomeVisitReason
    @Field(key: "id_number") var sealedIdNumber: SealedText
    var idNumber: String {
        get { sealedIdNumber.value }
        set { sealedIdNumber = SealedText(newValue) }
    }
    @Field(key: "name") var sealedName: SealedText
    var name: String {
        get { sealedName.value }
        set { sealedName = SealedText(newValue) }
    }
    @Field(key: "phone") var sealedPhone: SealedText
    var phone: String {
        get { sealedPhone.value }
        set { sealedPhone = SealedText(newValue) }
    }
    @Field(key: "address") var sealedAddress: SealedText
    var address: String {
        get { sealedAddress.value }
        set { sealedAddress = SealedText(newValue) }
    }
    /// What the person needs done (free text), and the item if known.
    @Field(key: "need") var need: String
    @OptionalField(key: "item_code") var itemCode: String?
    @Field(key: "state") var state: HomeVisitState
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "visit_at") var visitAt: Date?
    @OptionalField(key: "helper_id") var helperID: UUID?
    @OptionalField(key: "helper_name") var helperName: String?
    @OptionalField(key: "visited_at") var visitedAt: Date?
    @OptionalField(key: "outcome") var outcome: String?

    init() {}
}

/// One interaction logged by 帮办 staff (咨询, 导办, 教办, 帮办, 代办).
final class Assistance: Model, @unchecked Sendable {
    static let schema = "assistances"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @OptionalField(key: "hall_id") var hallID: UUID?
    @OptionalField(key: "staff_id") var staffID: UUID?
    @Field(key: "staff_name") var staffName: String
    @Field(key: "kind") var kind: AssistanceKind
    @OptionalField(key: "item_code") var itemCode: String?
    @OptionalField(key: "item_name") var itemName: String?
    @OptionalField(key: "note") var note: String?
    @Field(key: "occurred_at") var occurredAt: Date
    /// Local date (`YYYY-MM-DD`).
    @Field(key: "day") var day: String
    @OptionalField(key: "home_visit_id") var homeVisitID: UUID?
    @OptionalField(key: "case_id") var caseID: UUID?

    init() {}
}

/// A 局长帮办 shift: a department head serving at the window on a day.
final class DirectorShift: Model, @unchecked Sendable {
    static let schema = "director_shifts"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "hall_id") var hall: Hall
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "department_name") var departmentName: String
    @OptionalField(key: "director_id") var directorID: UUID?
    @Field(key: "director_name") var directorName: String
    /// Local date (`YYYY-MM-DD`); `month` is its first 7 characters.
    @Field(key: "day") var day: String
    @Field(key: "month") var month: String
    /// `上午` / `下午` / `全天`.
    @Field(key: "period") var period: String
    /// 征询一名群众: who was consulted (stored in full, shown masked) and what they said.
    @OptionalField(key: "consulted_name") var sealedConsultedName: SealedText?
    var consultedName: String? {
        get { sealedConsultedName.text }
        set { sealedConsultedName = .init(text: newValue) }
    }
    @OptionalField(key: "consulted_phone") var sealedConsultedPhone: SealedText?
    var consultedPhone: String? {
        get { sealedConsultedPhone.text }
        set { sealedConsultedPhone = .init(text: newValue) }
    }
    @OptionalField(key: "feedback") var feedback: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A case served during a director shift.
final class DirectorShiftCase: Model, @unchecked Sendable {
    static let schema = "director_shift_cases"

    @ID(key: .id) var id: UUID?
    @Parent(key: "shift_id") var shift: DirectorShift
    @Parent(key: "case_id") var `case`: Case

    init() {}
}

/// An improvement from a director shift's findings: what was found, what will change, who owns it, by when.
final class Improvement: Model, @unchecked Sendable {
    static let schema = "improvements"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @OptionalParent(key: "shift_id") var shift: DirectorShift?
    @Field(key: "finding") var finding: String
    @Field(key: "action") var action: String
    /// The owning department and person (no private data: a role or official's name).
    @Field(key: "owner") var owner: String
    @Field(key: "due_on") var dueOn: String
    @Field(key: "status") var status: ImprovementStatus
    @OptionalField(key: "done_on") var doneOn: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}
