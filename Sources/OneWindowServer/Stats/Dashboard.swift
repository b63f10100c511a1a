import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The live figures of the centre (`/dashboard`, issue 7 part 4), as of one instant. Request-free: tests call
/// `Dashboard.figures` with a `Database`.
///
/// - 等候人数: tickets of today's service day (local date) still `waiting`, per ticket category of the region's halls.
/// - 在岗窗口: windows with a staff member signed in today (`window_desks.staff_id` set, `signed_in_at` today);
///   正在办理: today's tickets `serving`.
/// - 今日到期办件: cases 已受理 / 审查中 / 已决定 whose promised deadline falls on today's local date.
/// - 超期办件: the same states with the deadline before now (paused cases have no deadline and are not counted), as
///   the overdue list `/cases?view=overdue`.
/// - 待签收: active dispatches (主办 or 协办) of work orders still 待签收 or 办理中 that the department has not signed for.
enum Dashboard {
    struct Waiting: Content, Equatable {
        let hall: String
        let prefix: String
        let category: String
        let count: Int
    }

    struct Figures: Content, Equatable {
        /// Local service day, `YYYY-MM-DD`.
        let day: String
        /// Local time of the figures, `HH:mm:ss`.
        let asOf: String
        let waiting: [Waiting]
        let waitingTotal: Int
        let windowsSignedIn: Int
        let serving: Int
        let casesDueToday: Int
        let casesOverdue: Int
        let workOrdersToSign: Int
    }

    /// The states of a case whose deadline runs (a paused case has none).
    static let runningStates = CaseState.clockRunning
    /// Work orders a department still has to sign for.
    static let toSignStates: [WorkOrderState] = [.dispatched, .handling]

    static func figures(region: String, now: Date, zone: TimeZone, on db: any Database) async throws -> Figures {
        let today = LocalDate(now, in: zone)
        let halls = try await Hall.scoped(on: db, to: region).filter(\.$active == true).sort(\.$code).all()
        let categories = try await TicketCategory.scoped(on: db, to: region).filter(\.$active == true).sort(\.$position)
            .all()
        let waitingTickets = try await waitingQuery(region: region, day: today, on: db).all(\.$category.$id)
        let counts = waitingTickets.reduce(into: [UUID: Int]()) { $0[$1, default: 0] += 1 }
        var waiting: [Waiting] = []
        for hall in halls {
            for category in categories where category.$hall.id == hall.id {
                waiting.append(Waiting(hall: hall.name, prefix: category.prefix, category: category.name, count: counts[category.id!] ?? 0))
            }
        }
        let clock = DateFormatter()
        clock.locale = Locale(identifier: "en_US_POSIX")
        clock.timeZone = zone
        clock.dateFormat = "HH:mm:ss"
        return Figures(
            day: today.description, asOf: clock.string(from: now), waiting: waiting, waitingTotal: waitingTickets.count,
            windowsSignedIn: try await signedInDesks(region: region, now: now, zone: zone, on: db).count(),
            serving: try await Ticket.scoped(on: db, to: region).filter(\.$serviceDay == today.description)
                .filter(\.$state == .serving).count(),
            casesDueToday: try await dueTodayQuery(region: region, now: now, zone: zone, on: db).count(),
            casesOverdue: try await overdueQuery(region: region, now: now, on: db).count(),
            workOrdersToSign: try await toSignQuery(region: region, on: db).count())
    }

    static func waitingQuery(region: String, day: LocalDate, on db: any Database) -> QueryBuilder<Ticket> {
        Ticket.scoped(on: db, to: region).filter(\.$serviceDay == day.description).filter(\.$state == .waiting)
    }

    /// Windows signed in today (a desk left signed in since an earlier day is not serving now).
    static func signedInDesks(region: String, now: Date, zone: TimeZone, on db: any Database) -> QueryBuilder<WindowDesk> {
        WindowDesk.scoped(on: db, to: region).filter(\.$staffID != nil)
            .filter(\.$signedInAt >= LocalDate(now, in: zone).instant(in: zone))
    }

    static func dueTodayQuery(region: String, now: Date, zone: TimeZone, on db: any Database) -> QueryBuilder<Case> {
        let today = LocalDate(now, in: zone)
        return Case.scoped(on: db, to: region).filter(\.$state ~~ runningStates)
            .filter(\.$dueAt >= today.instant(in: zone)).filter(\.$dueAt < today.adding(days: 1).instant(in: zone))
    }

    static func overdueQuery(region: String, now: Date, on db: any Database) -> QueryBuilder<Case> {
        CaseListFilter(region: region).overdue(now: now).query(on: db)
    }

    static func toSignQuery(region: String, on db: any Database) -> QueryBuilder<WorkOrderAssignment> {
        WorkOrderAssignment.scoped(on: db, to: region).filter(\.$active == true).filter(\.$signedForAt == nil)
            .join(WorkOrder.self, on: \WorkOrderAssignment.$workOrder.$id == \WorkOrder.$id)
            .filter(WorkOrder.self, \.$state ~~ toSignStates)
    }
}
