import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Appointments (预约): slots with capacity, bookings, cancellation, check-in.
///
/// Capacity is enforced by the database: a booking raises `booked` with `UPDATE … WHERE booked < capacity
/// RETURNING booked`, in the same transaction as the booking row, so concurrent bookings of the last place get one
/// success and the rest a 409 (`slot_full`). One active booking per person and local day is a unique index.
struct AppointmentService {
    let db: any Database
    let zone: TimeZone
    let region: String
    let now: Date
    let rules: BookingRules

    init(db: any Database, zone: TimeZone, region: String, now: Date, rules: BookingRules) {
        self.db = db
        self.zone = zone
        self.region = region
        self.now = now
        self.rules = rules
    }

    init(_ req: Request) {
        self.init(
            db: req.db, zone: req.settings.timeZone, region: req.settings.region.value, now: req.now,
            rules: req.application.queueSettings.booking)
    }

    var today: LocalDate { LocalDate(now, in: zone) }

    /// Creates the slots of `category` for each working day in `from…to`: one per `times` entry (`09:00-10:00`), with
    /// `capacity` places; existing slots are kept. - Returns: how many were created.
    func createSlots(
        category: TicketCategory, from: LocalDate, to: LocalDate, times: [(start: (Int, Int), end: (Int, Int))], capacity: Int,
        calendar: WorkingCalendar, actor: Actor = .system
    ) async throws -> Int {
        guard capacity >= 1, capacity <= 500 else {
            throw PlatformError.invalidField(FieldError(field: "capacity", message: "每个时段可约人数应为 1–500"))
        }
        guard from <= to, to.dayNumber - from.dayNumber <= 62 else {
            throw PlatformError.invalidField(FieldError(field: "to", message: "日期范围应从早到晚，且不超过 62 天"))
        }
        guard from >= today else { throw PlatformError.invalidField(FieldError(field: "from", message: "不能开放今天以前的时段")) }
        let service = self
        return try await db.writeTransaction { tx in
            var created = 0
            var day = from
            while day <= to {
                if try calendar.isWorkingDay(day) {
                    for time in times {
                        let start = day.instant(hour: time.start.0, minute: time.start.1, in: service.zone)
                        if start <= service.now { continue }
                        let exists =
                            try await AppointmentSlot.query(on: tx).filter(\.$category.$id == category.requireID())
                            .filter(\.$startsAt == start).count() > 0
                        if exists { continue }
                        let slot = AppointmentSlot()
                        slot.regionCode = service.region
                        slot.$hall.id = category.$hall.id
                        slot.$category.id = try category.requireID()
                        slot.day = day.description
                        slot.startsAt = start
                        slot.endsAt = day.instant(hour: time.end.0, minute: time.end.1, in: service.zone)
                        slot.capacity = capacity
                        slot.booked = 0
                        try await slot.create(on: tx)
                        created += 1
                    }
                }
                day = day.adding(days: 1)
            }
            try await Audit.record(
                on: tx, region: service.region, actor: actor, action: "appointment.slots", entityType: "ticket_category",
                entityID: category.id?.uuidString,
                summary: "开放预约时段 \(category.prefix) \(category.name) \(from)–\(to)：新增 \(created) 个，每个 \(capacity) 人", at: service.now)
            return created
        }
    }

    struct BookingInput: Sendable {
        var slotID: UUID
        var residentID: ResidentID
        var name: String
        var phone: MobileNumber
    }

    /// Books one place. - Throws: `FrontDeskError.slotFull`, `.alreadyBooked`, `.booking(...)`, or not found.
    func book(_ input: BookingInput) async throws -> Appointment {
        let service = self
        do {
            return try await db.writeTransaction { tx in
                guard let slot = try await AppointmentSlot.find(input.slotID, in: service.region, on: tx) else {
                    throw PlatformError.invalidField(FieldError(field: "slotId", message: "没有这个预约时段"))
                }
                let active = try await Appointment.scoped(on: tx, to: service.region)
                    .filterSealed("id_number", hash: "id_number_hash", equals: input.residentID.value).filter(\.$state == .booked).filter(
                        \.$day >= service.today.description
                    )
                    .count()
                do throws(BookingRules.Refusal) {
                    try service.rules.check(
                        day: LocalDate(iso: slot.day)!, slotStart: slot.startsAt.timeIntervalSince1970,
                        now: service.now.timeIntervalSince1970, today: service.today, active: active)
                } catch {
                    throw FrontDeskError.booking(error)
                }
                let sql = tx as! any SQLDatabase
                let raised = try await sql.raw(
                    """
                    UPDATE appointment_slots SET booked = booked + 1 WHERE id = \(bind: input.slotID) AND booked < capacity RETURNING booked
                    """
                ).first()
                guard raised != nil else { throw FrontDeskError.slotFull }
                let appointment = Appointment()
                appointment.regionCode = service.region
                appointment.$slot.id = input.slotID
                appointment.hallID = slot.$hall.id
                appointment.categoryID = slot.$category.id
                appointment.day = slot.day
                appointment.code = "Y" + RandomToken.readable().prefix(8).uppercased()
                appointment.idNumber = input.residentID.value
                appointment.name = input.name
                appointment.phone = input.phone.value
                appointment.state = .booked
                appointment.createdAt = service.now
                try await appointment.create(on: tx)
                let start = LocalTime.clock(slot.startsAt, in: service.zone)
                try await Outbox.enqueue(
                    on: tx, region: service.region, to: input.phone.value, template: "appointment.booked",
                    body: "您已预约 \(slot.day) \(start) 起的时段，预约号 \(appointment.code)。当天到大厅在取号机输入预约号签到取号。",
                    entityType: "appointment", entityID: appointment.id?.uuidString, at: service.now)
                return appointment
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The unique index (one active booking per person and day) refused a concurrent twin.
            let day = (try? await AppointmentSlot.find(input.slotID, on: db))?.day ?? ""
            throw FrontDeskError.alreadyBooked(day: day)
        }
    }

    /// Cancels a booking by its code and the last 4 digits of its phone; the place returns to the slot.
    func cancel(code: String, phoneLast4: String) async throws -> Appointment {
        let service = self
        return try await db.writeTransaction { tx in
            guard
                let appointment = try await Appointment.scoped(on: tx, to: service.region)
                    .filter(\.$code == code.uppercased()).first(), appointment.phone.hasSuffix(phoneLast4), phoneLast4.count == 4
            else { throw PlatformError.invalidField(FieldError(field: "code", message: "预约号或手机号后 4 位不对")) }
            guard appointment.state == .booked else { throw FrontDeskError.checkIn("该预约\(appointment.state.label)，不能取消") }
            appointment.state = .cancelled
            appointment.cancelledAt = service.now
            try await appointment.save(on: tx)
            let sql = tx as! any SQLDatabase
            try await sql.raw("UPDATE appointment_slots SET booked = booked - 1 WHERE id = \(bind: appointment.$slot.id) AND booked > 0")
                .run()
            return appointment
        }
    }

    /// 签到: turns a booking for today into a priority (appointment) ticket of the slot's category.
    /// - Parameter hallID: the hall where the person stands (kiosk or window): a booking of another hall is refused
    ///   before anything changes.
    func checkIn(code: String, hallID: UUID, queue: QueueService) async throws -> Ticket {
        guard
            let appointment = try await Appointment.scoped(on: db, to: region).filter(\.$code == code.uppercased())
                .first(),
            let slot = try await AppointmentSlot.find(appointment.$slot.id, on: db)
        else { throw PlatformError.invalidField(FieldError(field: "code", message: "没有这个预约号")) }
        guard appointment.state == .booked else { throw FrontDeskError.checkIn("该预约\(appointment.state.label)，不能再签到") }
        guard slot.$hall.id == hallID else {
            let name = try await Hall.find(slot.$hall.id, on: db)?.name ?? "其他大厅"
            throw FrontDeskError.checkIn("该预约在\(name)，请到该大厅签到")
        }
        guard slot.day == today.description else { throw FrontDeskError.checkIn("该预约在 \(slot.day)，请在预约当天签到") }
        guard let hall = try await Hall.find(slot.$hall.id, on: db), let category = try await TicketCategory.find(slot.$category.id, on: db)
        else {
            throw PlatformError.notFound(what: "大厅")
        }
        let service = self
        let ticket = try await db.writeTransaction { tx in
            // Claim the booking (guarded update), so two check-ins of one code issue one ticket.
            let sql = tx as! any SQLDatabase
            let claimed = try await sql.raw(
                """
                UPDATE appointments SET state = 'checkedIn', checked_in_at = \(bind: service.now) WHERE id = \(bind: appointment.requireID()) AND state = 'booked' RETURNING id
                """
            ).first()
            guard claimed != nil else { throw FrontDeskError.checkIn("该预约已签到") }
            let ticket = try await queue.issue(
                .init(
                    hall: hall, category: category, channel: .appointment,
                    residentID: try? ResidentID(appointment.idNumber), name: appointment.name,
                    phone: appointment.phone, appointment: (try appointment.requireID(), slot.startsAt)), on: tx)
            try await sql.raw("UPDATE appointments SET ticket_id = \(bind: ticket.requireID()) WHERE id = \(bind: appointment.requireID())")
                .run()
            return ticket
        }
        await queue.publish(hallID: try hall.requireID(), announce: nil)
        return ticket
    }
}
