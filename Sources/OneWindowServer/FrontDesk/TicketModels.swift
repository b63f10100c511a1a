import Fluent
import Foundation
import OneWindowCore
import Vapor

/// A ticket category of a hall (取号类别): its prefix letter and what it covers (items or departments).
final class TicketCategory: Model, @unchecked Sendable {
    static let schema = "ticket_categories"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "hall_id") var hall: Hall
    /// One upper-case letter (`A`), unique in the hall.
    @Field(key: "prefix") var prefix: String
    @Field(key: "name") var name: String
    /// What the category covers, as the kiosk shows it (`社保、医保、公积金`).
    @Field(key: "covers") var covers: String
    @OptionalParent(key: "department_id") var department: Department?
    @Field(key: "position") var position: Int
    @Field(key: "active") var active: Bool

    init() {}
}

/// A queue ticket (取号 / 排队号). Every step stamps its instant, so waiting and service times are exact.
final class Ticket: Model, @unchecked Sendable {
    static let schema = "tickets"

    enum Channel: String, Codable, Sendable, CaseIterable {
        case kiosk
        case remote
        case appointment
        case staff

    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "hall_id") var hall: Hall
    @Parent(key: "category_id") var category: TicketCategory
    @Field(key: "prefix") var prefix: String
    @Field(key: "sequence") var sequence: Int
    /// `A023`: unique in the hall, category and local day.
    @Field(key: "number") var number: String
    /// Local date of issue (`YYYY-MM-DD`, the hall's zone): numbering restarts at local midnight.
    @Field(key: "service_day") var serviceDay: String
    @Field(key: "channel") var channel: Channel
    @Field(key: "priority") var priority: TicketPriority
    @OptionalField(key: "id_number") var sealedIdNumber: SealedText?
    var idNumber: String? {
        get { sealedIdNumber.text }
        set { sealedIdNumber = .init(text: newValue) }
    }
    @OptionalField(key: "name") var sealedName: SealedText?
    var name: String? {
        get { sealedName.text }
        set { sealedName = .init(text: newValue) }
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
    /// Random, unguessable: the slip's link to follow the position.
    @Field(key: "follow_token") var followToken: String
    @Field(key: "issued_at") var issuedAt: Date
    /// The place in line: the issue time, kept across transfers.
    @Field(key: "arrived_at") var arrivedAt: Date
    @Field(key: "state") var state: TicketState
    @Field(key: "recalls") var recalls: Int
    @OptionalParent(key: "window_id") var window: Window?
    @OptionalField(key: "window_number") var windowNumber: String?
    /// Transferred to one window: only that window calls it, before its other tickets.
    @OptionalField(key: "directed_window_id") var directedWindowID: UUID?
    @OptionalField(key: "first_called_at") var firstCalledAt: Date?
    @OptionalField(key: "called_at") var calledAt: Date?
    @OptionalField(key: "serving_at") var servingAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @OptionalField(key: "staff_id") var staffID: UUID?
    @OptionalField(key: "staff_name") var staffName: String?
    @Field(key: "transfers") var transfers: Int
    @OptionalField(key: "appointment_id") var appointmentID: UUID?
    /// Start of the booked slot (appointments): due-now appointments are called first.
    @OptionalField(key: "slot_starts_at") var slotStartsAt: Date?
    /// The "即将到号" message has been queued.
    @Field(key: "soon_notified") var soonNotified: Bool

    init() {}

    var ticketNumber: TicketNumber { TicketNumber(prefix: prefix, sequence: sequence) }
    var maskedName: String? { name.map(Masking.name) }
}

/// One queue step of a ticket (issue, call, recall, begin, finish, skip, transfer), with its instant.
final class TicketEvent: Model, @unchecked Sendable {
    static let schema = "ticket_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "ticket_id") var ticket: Ticket
    /// `issue` or a `TicketAction` raw value.
    @Field(key: "action") var action: String
    @OptionalField(key: "window_number") var windowNumber: String?
    @OptionalField(key: "staff_name") var staffName: String?
    @OptionalField(key: "note") var note: String?
    @Field(key: "occurred_at") var occurredAt: Date

    init() {}
}

/// A window as staffed now: who is signed in, which categories it calls, whether it is paused, and its run of
/// priority calls (the starvation rule of `CallPolicy`).
final class WindowDesk: Model, @unchecked Sendable {
    static let schema = "window_desks"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "window_id") var window: Window
    @Parent(key: "hall_id") var hall: Hall
    @OptionalField(key: "staff_id") var staffID: UUID?
    @OptionalField(key: "staff_name") var staffName: String?
    /// Category ids, comma-separated.
    @Field(key: "categories") var categoriesText: String
    @Field(key: "paused") var paused: Bool
    @Field(key: "priority_streak") var priorityStreak: Int
    @OptionalField(key: "signed_in_at") var signedInAt: Date?

    init() {}

    var categoryIDs: [UUID] { categoriesText.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
}
