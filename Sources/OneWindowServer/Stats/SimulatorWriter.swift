import Foundation
import SQLKit

/// The tables the simulator fills, each with the one list of columns it writes there, in the order they are written
/// (parents before children: applicants first, audit events last).
///
/// A row for a table lists one value per column, in the order of `columns` (`BulkTable.append` checks the count). A
/// column that a migration adds to one of these tables must be added here, with its value in the rows, or be left to
/// its default on purpose: the test `simulator_writes_every_column_of_every_table_it_fills` reads the migrated tables
/// and names every column missing from these lists that is not on its short, explained list of defaults.
/// Not listed: `daily_counters`, written by `DailyCounter.reserve` as the services write it.
enum SimulatedTable: CaseIterable, Sendable {
    case applicants, slots, tickets, appointments, cases, steps, assistance, workOrders, assignments, ratings, rectifications, audit

    /// The table's name (the model's `schema`).
    var name: String {
        switch self {
        case .applicants: return Applicant.schema
        case .slots: return AppointmentSlot.schema
        case .tickets: return Ticket.schema
        case .appointments: return Appointment.schema
        case .cases: return Case.schema
        case .steps: return CaseStep.schema
        case .assistance: return Assistance.schema
        case .workOrders: return WorkOrder.schema
        case .assignments: return WorkOrderAssignment.schema
        case .ratings: return Rating.schema
        case .rectifications: return Rectification.schema
        case .audit: return AuditEvent.schema
        }
    }

    /// The columns the simulator writes, in the order of the values of each row.
    var columns: [String] {
        switch self {
        case .applicants:
            return ["id", "region_code", "kind", "id_number", "id_number_hash", "name", "phone", "created_at", "updated_at"]
        case .slots:
            return ["id", "region_code", "hall_id", "category_id", "day", "starts_at", "ends_at", "capacity", "booked"]
        case .tickets:
            return [
                "id", "region_code", "hall_id", "category_id", "prefix", "sequence", "number", "service_day", "channel", "priority",
                "id_number",
                "name", "phone", "phone_hash", "follow_token", "issued_at", "arrived_at", "state", "recalls", "window_id", "window_number",
                "first_called_at",
                "called_at", "serving_at", "finished_at", "staff_id", "staff_name", "transfers", "appointment_id", "slot_starts_at",
                "soon_notified",
            ]
        case .appointments:
            return [
                "id", "region_code", "slot_id", "hall_id", "category_id", "day", "code", "id_number", "id_number_hash", "name", "phone",
                "state",
                "created_at",
                "checked_in_at", "ticket_id",
            ]
        case .cases:
            return [
                "id", "region_code", "case_number", "item_id", "item_code", "item_name", "department_id", "department_name", "case_type",
                "item_category", "channel", "state", "applicant_id", "contact_phone", "submitted_at", "accepted_at", "accepted_on",
                "accepted_by",
                "promised_half_days", "statutory_half_days", "due_at", "statutory_due_at", "pending_materials", "owner_id", "owner_name",
                "current_step", "current_department_id", "current_department_name", "decision", "completed_at", "created_at", "updated_at",
                "ticket_id",
            ]
        case .steps:
            return [
                "id", "region_code", "case_id", "position", "department_id", "department_name", "state", "owner_id", "owner_name",
                "finished_at",
            ]
        case .assistance:
            return ["id", "region_code", "hall_id", "staff_id", "staff_name", "kind", "item_code", "item_name", "occurred_at", "day"]
        case .workOrders:
            return [
                "id", "region_code", "number", "channel", "appeal_type", "urgency", "appellant_name", "phone", "phone_hash", "title",
                "content",
                "address",
                "category_id", "suggested", "state", "lead_department_id", "received_at", "dispatched_at", "sign_due_at", "signed_for_at",
                "reply_limit_days", "reply_started_at", "reply_due_at", "replied_at", "reply", "replied_by", "callback_due_at",
                "called_back_at",
                "satisfaction", "first_satisfaction", "callback_note", "reopen_count", "closed_at", "urge_count", "supervised",
                "updated_at",
            ]
        case .assignments:
            return ["id", "region_code", "work_order_id", "department_id", "role", "assigned_at", "signed_for_at", "active"]
        case .ratings:
            return [
                "id", "region_code", "subject_kind", "subject_id", "subject_label", "department_id", "department_name", "window_number",
                "staff_id",
                "staff_name", "item_code", "item", "level", "channel", "rater_key", "real_name", "is_default", "rated_at",
            ]
        case .rectifications:
            return [
                "id", "region_code", "rating_id", "state", "opened_at", "verify_due_at", "verified_at", "finding", "rectify_due_at",
                "extended",
                "measures", "rectified_at", "called_back_at", "callback_note", "updated_at",
            ]
        case .audit:
            return ["id", "region_code", "actor_id", "actor_name", "action", "entity_type", "entity_id", "summary", "occurred_at"]
        }
    }
}

extension Simulator {
    /// A day's rows, one `BulkTable` per `SimulatedTable` but the applicants (stored once, before the first day by
    /// `storePeople`); reused day after day.
    struct Writer: Sendable {
        var slots = BulkTable(.slots)
        var tickets = BulkTable(.tickets)
        var appointments = BulkTable(.appointments)
        var cases = BulkTable(.cases)
        var steps = BulkTable(.steps)
        var assistance = BulkTable(.assistance)
        var orders = BulkTable(.workOrders)
        var assignments = BulkTable(.assignments)
        var ratings = BulkTable(.ratings)
        var rectifications = BulkTable(.rectifications)
        var audit = BulkTable(.audit)

        /// The tables in the order they are written: parents before children.
        var ordered: [BulkTable] {
            [slots, tickets, appointments, cases, steps, assistance, orders, assignments, ratings, rectifications, audit]
        }

        /// Writes everything gathered, parents before children.
        mutating func flush(on sql: any SQLDatabase) async throws {
            try await slots.flush(on: sql)
            try await tickets.flush(on: sql)
            try await appointments.flush(on: sql)
            try await cases.flush(on: sql)
            try await steps.flush(on: sql)
            try await assistance.flush(on: sql)
            try await orders.flush(on: sql)
            try await assignments.flush(on: sql)
            try await ratings.flush(on: sql)
            try await rectifications.flush(on: sql)
            try await audit.flush(on: sql)
        }
    }
}
