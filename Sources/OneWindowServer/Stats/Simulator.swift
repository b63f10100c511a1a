import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// `onewindow simulate`: a year of a county's records generated through the domain's rules and stored in bulk.
///
/// Every record is shaped by Core, as the services shape it: case numbers (`CaseNumber`, numbers reserved from
/// `DailyCounter` so live numbering continues after them), state changes checked by `CaseState.after`,
/// `TicketProgress.after`, `WorkOrderProgress.after` and `RectificationProgress.after`, deadlines from the working-day
/// calendar (`WorkingCalendar.deadline`, `WorkOrderLimits`), 好差评 levels (`RatingLevel`, the 7-day `DefaultRating`),
/// resident IDs with their GB 11643 check character. Each state change writes its audit event, as the services do,
/// so every simulated record has its timeline. Rows are written with multi-row inserts, one write transaction per
/// simulated day. What the simulator does not write: SMS (the outbox), rating invitations, submitted materials.
///
/// Deterministic: the same profile and seed give the same records (ids included) on SQLite and PostgreSQL.
struct Simulator: Sendable {
    struct Summary: Sendable, Equatable {
        var cases = 0, tickets = 0, appointments = 0, assistance = 0, workOrders = 0, ratings = 0, rectifications = 0, auditEvents = 0
        var applicants = 0
        var rows: Int { cases * 2 + tickets + appointments + assistance + workOrders * 2 + ratings + rectifications + auditEvents + applicants }
    }

    enum SimulationError: DomainError {
        case notEmpty(String)
        case missing(String)

        var status: HTTPResponseStatus { .conflict }
        var code: String {
            switch self {
            case .notEmpty: return "simulation_year_not_empty"
            case .missing: return "simulation_setup_missing"
            }
        }
        var reason: String {
            switch self {
            case .notEmpty(let why), .missing(let why): return why
            }
        }
    }

    let db: any Database
    let region: String
    let zone: TimeZone
    let calendar: WorkingCalendar
    let profile: SimulationProfile
    let seed: UInt64
    /// Called after each simulated day with the records done and the total (cases, work orders, help-desk records).
    var progress: @Sendable (Int, Int) -> Void = { _, _ in }

    // MARK: Reference data

    private struct ItemRef {
        let id: UUID, code: String, name: String, departmentID: UUID?, departmentName: String, category: ItemCategory?
        let caseType: CaseType, promised: WorkingDays, statutory: WorkingDays?
    }

    private struct Person { let id: UUID; let idNumber: String; let name: String; let phone: String }
    private struct StaffRef { let id: UUID?; let username: String; let name: String }
    private struct Category { let id: UUID; let name: String; let path: String; let departmentID: UUID; let departmentName: String; let replyLimit: Int? }

    private struct Setup {
        var approvalInstant: [ItemRef] = [], approvalPromised: [ItemRef] = [], service: [ItemRef] = []
        var allItems: [ItemRef] = []
        var people: [Person] = []
        var clerks: [StaffRef] = [], approvers: [UUID: [StaffRef]] = [:], helpers: [StaffRef] = [], agents: [StaffRef] = []
        var hall: Hall!
        var windows: [Window] = []
        var ticketCategories: [TicketCategory] = []
        var hotlineCategories: [Category] = []
    }

    /// Runs the whole year. Refuses a year that already has cases or work orders in the region.
    func run() async throws -> Summary {
        let year = profile.year
        guard calendar.years.contains(year), calendar.years.contains(year + 1) else {
            throw SimulationError.missing("缺少 \(year) 或 \(year + 1) 年的节假日安排，无法计算期限；请先载入日历")
        }
        let first = LocalDate(year: year, month: 1, day: 1)!, next = LocalDate(year: year + 1, month: 1, day: 1)!
        let existing = try await Case.query(on: db).filter(\.$regionCode == region)
            .filter(\.$acceptedOn >= first.description).filter(\.$acceptedOn < next.description).count()
        let existingOrders = try await WorkOrder.query(on: db).filter(\.$regionCode == region)
            .filter(\.$receivedAt >= first.instant(in: zone)).filter(\.$receivedAt < next.instant(in: zone)).count()
        guard existing == 0, existingOrders == 0 else {
            throw SimulationError.notEmpty("\(year) 年已有 \(existing) 件办件、\(existingOrders) 件工单；模拟只在没有记录的年份运行")
        }
        // The year is mixed into the seed: two years simulated with the same seed get different tokens and codes.
        var generator = SeededGenerator(seed: seed ^ (UInt64(profile.year) &* 0x9E37_79B9_7F4A_7C15))
        let setup = try await loadSetup(using: &generator)

        // The year's days and their shares.
        var days: [LocalDate] = []
        var day = first
        while day < next { days.append(day); day = day.adding(days: 1) }
        var working: [Bool] = []
        for date in days { working.append(try calendar.isWorkingDay(date)) }
        var hallWeights: [Double] = []
        var offRun = 0
        for (index, date) in days.enumerated() {
            if working[index] {
                hallWeights.append(SimulationCurves.hallDayWeight(date, daysOffBefore: offRun))
                offRun = 0
            } else {
                hallWeights.append(0)
                offRun += 1
            }
        }
        let hotlineWeights = days.map { SimulationCurves.monthWeights[$0.month - 1] * ($0.isWeekend ? 0.8 : 1.0) }
        let instantPerDay = SimulationCurves.apportion(profile.approvalInstant, weights: hallWeights)
        let promisedPerDay = SimulationCurves.apportion(profile.approvalPromised, weights: hallWeights)
        let servicePerDay = SimulationCurves.apportion(profile.serviceRequests, weights: hallWeights)
        var assistancePerDay: [(AssistanceKind, [Int])] = [(.consult, SimulationCurves.apportion(profile.consultations, weights: hallWeights))]
        for kind in AssistanceKind.allCases where kind != .consult {
            if let count = profile.otherAssistance[kind], count > 0 {
                assistancePerDay.append((kind, SimulationCurves.apportion(count, weights: hallWeights)))
            }
        }
        let ordersPerDay = SimulationCurves.apportion(profile.workOrderCount, weights: hotlineWeights)
        // The channel mix and the satisfied callbacks are exact: lists with those counts, shuffled with the seed.
        var channels = HotlineChannel.allCases.flatMap { Array(repeating: $0, count: profile.workOrders[$0] ?? 0) }
        generator.shuffle(&channels)
        var satisfied = Array(repeating: true, count: profile.satisfiedCallbacks)
            + Array(repeating: false, count: max(0, profile.workOrderCount - profile.satisfiedCallbacks))
        generator.shuffle(&satisfied)

        if let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" {
            // A year's indexes are larger than the usual page cache: 512 MiB while the year is written.
            try await sql.raw("PRAGMA cache_size=-524288").run()
        }
        // The whole year is one transaction: a run that fails (or is stopped) leaves nothing behind.
        let (startGenerator, fixedSetup, fixedChannels, fixedSatisfied, fixedDays) = (generator, setup, channels, satisfied, days)
        let plans = (instantPerDay, promisedPerDay, servicePerDay, assistancePerDay, ordersPerDay)
        let total = profile.recordCount
        let sqlite = (db as? any SQLDatabase)?.dialect.name == "sqlite"
        let summary = try await db.writeTransaction { tx in
            var setup = fixedSetup
            var generator = startGenerator
            var summary = Summary()
            summary.applicants = try await self.storePeople(&setup, on: tx)
            var done = 0
            var orderIndex = 0
            var pending: DayOutput?
            for (index, date) in fixedDays.enumerated() {
                var plan = DayPlan(date: date)
                plan.index = index
                plan.instant = plans.0[index]
                plan.promised = plans.1[index]
                plan.service = plans.2[index]
                plan.assistance = plans.3.map { ($0.0, $0.1[index]) }
                plan.orders = Array(zip(fixedChannels[orderIndex..<(orderIndex + plans.4[index])],
                                        fixedSatisfied[orderIndex..<(orderIndex + plans.4[index])]))
                orderIndex += plans.4[index]
                let (dayPlan, daySetup, dayGenerator) = (plan, setup, generator)
                // The next day is generated while this one is written.
                async let next = self.generate(dayPlan, setup: daySetup, generator: dayGenerator, sqlite: sqlite)
                if let written = pending {
                    try await self.write(written, on: tx)
                    summary.add(written.summary)
                    done += written.records
                    self.progress(done, total)
                }
                let produced = try await next
                generator = produced.generator
                pending = produced
            }
            if let written = pending {
                try await self.write(written, on: tx)
                summary.add(written.summary)
                done += written.records
                self.progress(done, total)
            }
            return summary
        }
        // Fresh statistics for the query planner over the new year (sampled, so it takes milliseconds).
        if let sql = db as? any SQLDatabase {
            if sqlite { try await sql.raw("PRAGMA analysis_limit=1000").run() }
            try await sql.raw("ANALYZE").run()
        }
        return summary
    }

    // MARK: One day

    private struct DayPlan {
        let date: LocalDate
        /// The day of the year, from 0.
        var index = 0
        var instant = 0, promised = 0, service = 0
        var assistance: [(AssistanceKind, Int)] = []
        var orders: [(HotlineChannel, Bool)] = []
    }

    /// Writes a generated day in the run's transaction, reserving the numbers it used (they must start at 1).
    private func write(_ day: DayOutput, on tx: any Database) async throws {
        for (kind, count) in day.reservations {
            let first = try await DailyCounter.reserve(kind, count: count, region: region, day: day.date.description, on: tx)
            guard first == 1 else { throw SimulationError.notEmpty("\(day.date) 的编号（\(kind)）已被使用，模拟只在没有记录的日期运行") }
        }
        let sql = tx as! any SQLDatabase
        for statement in day.statements { try await sql.raw(SQLQueryString(statement)).run() }
        var writer = day.writer
        try await writer.flush(on: sql)
    }

    /// The tables written, reused day after day.
    struct Writer: Sendable {
        var cases = BulkTable(Case.schema, [
            "id", "region_code", "case_number", "item_id", "item_code", "item_name", "department_id", "department_name", "case_type",
            "item_category", "channel", "state", "applicant_id", "contact_phone", "submitted_at", "accepted_at", "accepted_on", "accepted_by",
            "promised_half_days", "statutory_half_days", "due_at", "statutory_due_at", "pending_materials", "owner_id", "owner_name",
            "current_step", "current_department_id", "current_department_name", "decision", "completed_at", "created_at", "updated_at",
            "ticket_id",
        ])
        var steps = BulkTable(CaseStep.schema, ["id", "region_code", "case_id", "position", "department_id", "department_name", "state",
                                                "owner_id", "owner_name", "finished_at"])
        var tickets = BulkTable(Ticket.schema, [
            "id", "region_code", "hall_id", "category_id", "prefix", "sequence", "number", "service_day", "channel", "priority", "id_number",
            "name", "phone", "follow_token", "issued_at", "arrived_at", "state", "recalls", "window_id", "window_number", "first_called_at",
            "called_at", "serving_at", "finished_at", "staff_id", "staff_name", "transfers", "appointment_id", "slot_starts_at", "soon_notified",
        ])
        var slots = BulkTable(AppointmentSlot.schema, ["id", "region_code", "hall_id", "category_id", "day", "starts_at", "ends_at", "capacity",
                                                       "booked"])
        var appointments = BulkTable(Appointment.schema, ["id", "region_code", "slot_id", "hall_id", "category_id", "day", "code", "id_number",
                                                          "name", "phone", "state", "created_at", "checked_in_at", "ticket_id"])
        var assistance = BulkTable(Assistance.schema, ["id", "region_code", "hall_id", "staff_id", "staff_name", "kind", "item_code",
                                                       "item_name", "occurred_at", "day"])
        var orders = BulkTable(WorkOrder.schema, [
            "id", "region_code", "number", "channel", "appeal_type", "urgency", "appellant_name", "phone", "title", "content", "address",
            "category_id", "suggested", "state", "lead_department_id", "received_at", "dispatched_at", "sign_due_at", "signed_for_at",
            "reply_limit_days", "reply_started_at", "reply_due_at", "replied_at", "reply", "replied_by", "callback_due_at", "called_back_at",
            "satisfaction", "first_satisfaction", "callback_note", "reopen_count", "closed_at", "urge_count", "supervised", "updated_at",
        ])
        var assignments = BulkTable(WorkOrderAssignment.schema, ["id", "region_code", "work_order_id", "department_id", "role", "assigned_at",
                                                                 "signed_for_at", "active"])
        var ratings = BulkTable(Rating.schema, [
            "id", "region_code", "subject_kind", "subject_id", "subject_label", "department_id", "department_name", "window_number", "staff_id",
            "staff_name", "item_code", "item", "level", "channel", "rater_key", "real_name", "is_default", "rated_at",
        ])
        var rectifications = BulkTable(Rectification.schema, [
            "id", "region_code", "rating_id", "state", "opened_at", "verify_due_at", "verified_at", "finding", "rectify_due_at", "extended",
            "measures", "rectified_at", "called_back_at", "callback_note", "updated_at",
        ])
        var audit = BulkTable(AuditEvent.schema, ["id", "region_code", "actor_id", "actor_name", "action", "entity_type", "entity_id",
                                                  "summary", "occurred_at"])

        /// The tables in the order they are written: parents before children.
        var ordered: [BulkTable] { [slots, tickets, appointments, cases, steps, assistance, orders, assignments, ratings, rectifications, audit] }

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

    /// One day's records, generated without touching the database (so the next day is generated while this one is
    /// written), with the numbers it used from each daily counter.
    struct DayOutput: Sendable {
        let date: LocalDate
        var writer = Writer()
        /// On SQLite: the day's INSERT statements, built with the day (the writer's rows are then left empty).
        var statements: [String] = []
        var summary = Summary()
        var reservations: [(kind: String, count: Int)] = []
        var generator: SeededGenerator
        var records = 0
    }

    private func generate(_ plan: DayPlan, setup: Setup, generator start: SeededGenerator, sqlite: Bool) throws -> DayOutput {
        var output = DayOutput(date: plan.date, generator: start)
        var g = output.generator
        var ids = IDSequence(year: plan.date.year, day: plan.index + 1)
        var writer = Writer()
        var summary = Summary()
        let date = plan.date
        let midnight = date.instant(in: zone)
        func at(_ second: Int) -> Date { midnight.addingTimeInterval(TimeInterval(second)) }
        func audit(_ actor: StaffRef?, _ action: String, _ type: String, _ id: UUID, _ summary: String, _ instant: Date) {
            writer.audit.append([ids.make(&g), region, actor?.id, actor?.username ?? "system", action, type, id.uuidString, summary, instant])
        }

        // Cases of the day, in time order, numbered in that order.
        enum Kind { case instant, promised, service }
        var entries: [(second: Int, kind: Kind)] = []
        for _ in 0..<plan.instant { entries.append((SimulationCurves.hallSecond(using: &g), .instant)) }
        for _ in 0..<plan.promised { entries.append((SimulationCurves.hallSecond(using: &g), .promised)) }
        for _ in 0..<plan.service { entries.append((SimulationCurves.hallSecond(using: &g), .service)) }
        entries.sort { $0.second < $1.second }
        // The year's numbers start at 1 (checked before the run); the write step reserves them from DailyCounter.
        let firstCase = 1
        if !entries.isEmpty { output.reservations.append(("case", entries.count)) }

        // Window visits: a ticket each, some with two cases; numbered per prefix in the order of issue afterwards.
        struct Visit { var ticketID: UUID; var issued: Date; var serving: Date; var finished: Date; var person: Person; var window: Window
                       var clerk: StaffRef; var category: TicketCategory; var booked: Bool }
        var visits: [Visit] = []
        var previousVisit: Int?

        for (offset, entry) in entries.enumerated() {
            let items = switch entry.kind { case .instant: setup.approvalInstant; case .promised: setup.approvalPromised; case .service: setup.service }
            let item = items[zipf(items.count, &g)]
            let online = SimulationCurves.unit(&g) < profile.onlineShare
            var person = setup.people[g.nextIndex(below: setup.people.count)]
            let clerk = setup.clerks[g.nextIndex(below: setup.clerks.count)]
            let caseID = ids.make(&g)
            let accepted = at(entry.second)
            let number = CaseNumber(county: region, date: date, sequence: firstCase + offset).description
            var ticketID: UUID?
            if !online {
                if let last = previousVisit, SimulationCurves.unit(&g) < profile.twoCaseVisitShare, visits[last].finished < accepted {
                    // The same person's second case on the same ticket.
                    person = visits[last].person
                    ticketID = visits[last].ticketID
                    previousVisit = nil
                } else {
                    let wait = 120 + g.nextIndex(below: 1500)
                    let window = setup.windows[g.nextIndex(below: setup.windows.count)]
                    let category = setup.ticketCategories[SimulationCurves.unit(&g) < 0.8 ? 0 : g.nextIndex(below: setup.ticketCategories.count)]
                    let visit = Visit(ticketID: ids.make(&g), issued: accepted.addingTimeInterval(-Double(wait)), serving: accepted.addingTimeInterval(-60),
                                      finished: accepted, person: person, window: window, clerk: clerk, category: category,
                                      booked: SimulationCurves.unit(&g) < profile.bookedShare)
                    visits.append(visit)
                    previousVisit = visits.count - 1
                    ticketID = visit.ticketID
                }
            }
            // Online applications come in at any hour (the hotline's curve), on the day or the day before acceptance.
            let submitted = online
                ? min(accepted.addingTimeInterval(-600), midnight.addingTimeInterval(Double(SimulationCurves.hotlineSecond(using: &g) - 86_400 * g.nextIndex(below: 2))))
                : accepted

            // Deadlines, as CaseService schedules them (RULES.md, Decision (counting)).
            let promised = entry.kind == .promised ? item.promised : WorkingDays(0)
            let due = try calendar.deadline(from: date, limit: promised)?.instant(in: zone)
            let statutoryDue = try item.statutory.flatMap { try calendar.deadline(from: date, limit: $0)?.instant(in: zone) }
            var state = CaseState.submitted
            if online { state = try state.after(.accept) } else { state = .accepted }
            var completed: Date
            var approver = clerk
            var taken: Date?, decided: Date?
            if entry.kind == .promised {
                // Done on a working day within the promised limit, during opening hours, after acceptance.
                approver = setup.approvers[item.departmentID ?? UUID()]?.randomElement(using: &g) ?? clerk
                let span = max(0, promised.wholeDays - 1)
                let finishDay = try calendar.deadline(from: date, limit: WorkingDays(g.nextIndex(below: span + 1)))!.date
                completed = finishDay.instant(in: zone).addingTimeInterval(Double(SimulationCurves.hallSecond(using: &g)))
                if completed <= accepted.addingTimeInterval(1800) { completed = accepted.addingTimeInterval(Double(1800 + g.nextIndex(below: 3600))) }
                if let due, completed > due { completed = due.addingTimeInterval(-60) }
                // The approver's steps fall in office hours, in order, before completion.
                let take = min(officeTime(accepted.addingTimeInterval(Double(600 + g.nextIndex(below: 3000)))), completed.addingTimeInterval(-120))
                taken = take
                decided = max(take.addingTimeInterval(60), min(officeTime(accepted.addingTimeInterval(completed.timeIntervalSince(accepted) * 0.8)),
                                                               completed.addingTimeInterval(-60)))
                state = try state.after(.take)
                state = try state.after(.decide(.approve))
                state = try state.after(.complete)
            } else {
                completed = accepted.addingTimeInterval(Double(180 + g.nextIndex(below: 1320)))
                state = try state.after(.complete, instant: true)
            }
            if let id = ticketID, let index = visits.lastIndex(where: { $0.ticketID == id }) {
                visits[index].finished = max(visits[index].finished, completed.addingTimeInterval(60))
            }
            let caseType: String = (entry.kind == .promised ? item.caseType : CaseType.instant).rawValue
            let caseChannel: String = (online ? Case.Channel.online : Case.Channel.window).rawValue
            let ownerID: UUID? = entry.kind == .promised ? approver.id : nil
            let ownerName: String? = entry.kind == .promised ? approver.name : nil
            let row: [any BulkCell] = [
                caseID, region, number, item.id, item.code, item.name, item.departmentID, item.departmentName, caseType, item.category?.rawValue,
                caseChannel, state.rawValue, person.id, person.phone, submitted, accepted, date.description, clerk.name, promised.halfDays,
                item.statutory?.halfDays, due, statutoryDue, false, ownerID, ownerName, 0, item.departmentID, item.departmentName,
                CaseDecision.approve.rawValue, completed, accepted, completed, ticketID,
            ]
            writer.cases.append(row)
            writer.steps.append([ids.make(&g), region, caseID, 0, item.departmentID, item.departmentName, CaseStep.State.done.rawValue,
                                 approver.id, approver.name, completed])
            let limitText = "；承诺 \(promised) 个工作日" + (due.map { "，承诺期限 \(LocalTime.formatDeadline($0, in: zone))" } ?? "")
            audit(clerk, "case.accept", "case", caseID, "受理 \(number) \(item.name)\(limitText)", accepted)
            if let taken, let decided {
                audit(approver, "case.take", "case", caseID, "领取审查 \(number)", taken)
                audit(approver, "case.decide", "case", caseID, "决定：准予 \(number)", decided)
            }
            audit(entry.kind == .promised ? clerk : clerk, "case.complete", "case", caseID, "办结 \(number)，按时办结", completed)
            summary.cases += 1
            summary.auditEvents += entry.kind == .promised ? 4 : 2

            // 好差评: the applicant's own rating, or the 7-day default (RULES.md).
            let rated = SimulationCurves.unit(&g) < profile.ratedShare
            let level: RatingLevel, channel: RatingChannel, ratedAt: Date
            if rated {
                let draw = SimulationCurves.unit(&g)
                level = draw < 0.86 ? .verySatisfied : (draw < 0.98 ? .satisfied : .basicallySatisfied)
                channel = online ? .online : .pad
                ratedAt = completed.addingTimeInterval(Double(online ? 3600 + g.nextIndex(below: 200_000) : 20 + g.nextIndex(below: 300)))
            } else {
                level = DefaultRating.level
                channel = .defaulted
                ratedAt = DefaultRating.firstDay(afterCompletionOn: LocalDate(completed, in: zone)).instant(in: zone)
                    .addingTimeInterval(Double(g.nextIndex(below: 3600)))
            }
            let ratingID = ids.make(&g)
            let label = "\(number) \(item.name)"
            writer.ratings.append([ratingID, region, RatingSubjectKind.caseRecord.rawValue, caseID, label, item.departmentID, item.departmentName,
                                   nil as String?, nil as UUID?, clerk.name, item.code, RatingItem.overall.rawValue, level.rawValue,
                                   channel.rawValue, "applicant:\(person.id.uuidString)", true, !rated, ratedAt])
            audit(rated ? nil : nil, "rating.record", RatingSubjectKind.caseRecord.rawValue, caseID,
                  "\(channel.label)：\(label) 整体\(level.label)" + (rated ? "" : "（默认）"), ratedAt)
            summary.ratings += 1
            summary.auditEvents += 1
        }

        // Tickets, numbered per prefix in the order of issue; booked ones with their appointment and slot.
        if !visits.isEmpty {
            visits.sort { $0.issued < $1.issued }
            var sequences: [String: Int] = [:]
            for prefix in Set(visits.map(\.category.prefix)).sorted() {
                let count = visits.filter { $0.category.prefix == prefix }.count
                sequences[prefix] = 1
                output.reservations.append(("ticket:\(setup.hall.code):\(prefix)", count))
            }
            var slots: [String: (id: UUID, starts: Date, booked: Int, category: TicketCategory)] = [:]
            var bookedPeople = Set<String>()  // one appointment per person a day (BookingRules)
            for var visit in visits {
                visit.booked = visit.booked && bookedPeople.insert(visit.person.idNumber).inserted
                let sequence = sequences[visit.category.prefix]!
                sequences[visit.category.prefix] = sequence + 1
                var progress = TicketProgress(state: .waiting, recalls: 0)
                for action in [TicketAction.call, .begin, .finish] { progress = try progress.after(action, recallsBeforeNoShow: 2) }
                var appointmentID: UUID?
                var slotStart: Date?
                if visit.booked {
                    let hourStart = midnight.addingTimeInterval(floor(visit.issued.timeIntervalSince(midnight) / 3600) * 3600)
                    let key = "\(visit.category.id!.uuidString)|\(hourStart.timeIntervalSince1970)"
                    var slot = slots[key] ?? (ids.make(&g), hourStart, 0, visit.category)
                    slot.booked += 1
                    slots[key] = slot
                    appointmentID = ids.make(&g)
                    slotStart = hourStart
                    writer.appointments.append([appointmentID!, region, slot.id, setup.hall.id!, visit.category.id!, date.description,
                                                "Y" + hex(&g, 8).uppercased(), visit.person.idNumber, visit.person.name, visit.person.phone,
                                                Appointment.State.checkedIn.rawValue,
                                                visit.issued.addingTimeInterval(-Double(86_400 * (1 + g.nextIndex(below: 5)))), visit.issued,
                                                visit.ticketID])
                    summary.appointments += 1
                }
                writer.tickets.append([
                    visit.ticketID, region, setup.hall.id!, visit.category.id!, visit.category.prefix, sequence,
                    TicketNumber(prefix: visit.category.prefix, sequence: sequence).description, date.description,
                    (visit.booked ? Ticket.Channel.appointment : .kiosk).rawValue,
                    PriorityRule().priority(for: try? ResidentID(visit.person.idNumber), on: date).rawValue,
                    visit.person.idNumber, visit.person.name, visit.person.phone, hex(&g, 32), visit.issued, visit.issued,
                    progress.state.rawValue, 0, visit.window.id!, visit.window.number, visit.serving.addingTimeInterval(-30),
                    visit.serving.addingTimeInterval(-30), visit.serving, visit.finished, visit.clerk.id, visit.clerk.name, 0, appointmentID,
                    slotStart, false,
                ])
                summary.tickets += 1
            }
            for slot in slots.values.sorted(by: { ($0.starts, $0.id.uuidString) < ($1.starts, $1.id.uuidString) }) {
                writer.slots.append([slot.id, region, setup.hall.id!, slot.category.id!, date.description, slot.starts,
                                     slot.starts.addingTimeInterval(3600), max(20, slot.booked), slot.booked])
            }
        }

        // Help-desk records.
        for (kind, count) in plan.assistance {
            for _ in 0..<count {
                let helper = setup.helpers[g.nextIndex(below: setup.helpers.count)]
                let item = SimulationCurves.unit(&g) < 0.7 ? setup.allItems[zipf(setup.allItems.count, &g)] : nil
                writer.assistance.append([ids.make(&g), region, setup.hall.id!, helper.id, helper.name, kind.rawValue, item?.code, item?.name,
                                          at(SimulationCurves.hallSecond(using: &g)), date.description])
                summary.assistance += 1
            }
        }

        // 12345 work orders, 7×24.
        if !plan.orders.isEmpty {
            let seconds = plan.orders.map { _ in SimulationCurves.hotlineSecond(using: &g) }.sorted()
            let firstOrder = 1
            output.reservations.append(("work_order", plan.orders.count))
            for (offset, (channel, isSatisfied)) in plan.orders.enumerated() {
                try simulateOrder(number: WorkOrderNumber(date: date, sequence: firstOrder + offset).description, channel: channel,
                                  satisfied: isSatisfied, received: at(seconds[offset]), setup: setup, writer: &writer, summary: &summary,
                                  generator: &g, ids: &ids)
            }
        }

        if sqlite {
            output.statements = writer.ordered.flatMap { $0.sqliteStatements() }
        } else {
            output.writer = writer
        }
        output.summary = summary
        output.generator = g
        output.records = plan.instant + plan.promised + plan.service + plan.assistance.reduce(0) { $0 + $1.1 } + plan.orders.count
        return output
    }

    // MARK: A work order

    private static let appealTypes: [(AppealType, Double)] = [
        (.inquiry, 0.35), (.help, 0.25), (.complaint, 0.22), (.suggestion, 0.08), (.report, 0.06), (.praise, 0.04),
    ]
    private static let places = ["天城镇", "沙坪镇", "石城镇", "桂花泉镇", "白霓镇", "路口镇", "金塘镇", "青山镇", "肖岭乡", "铜钟乡", "港口乡", "高枧乡"]
    private static let roads = ["人民大道", "沿河大道", "东正街", "西门路", "桥东路", "城北路", "荆泉路", "新城大道", "隽水路", "滨河路"]
    private static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(String.init)
    private static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌波宇浩凯健俊帆晨阳雪梅琳慧颖婷欣悦诚新荣").map(String.init)

    private func simulateOrder(number: String, channel: HotlineChannel, satisfied: Bool, received: Date, setup: Setup, writer: inout Writer,
                               summary: inout Summary, generator g: inout SeededGenerator, ids: inout IDSequence) throws {
        let id = ids.make(&g)
        let type = Self.appealTypes[SimulationCurves.pick(Self.appealTypes.map(\.1), using: &g)].0
        let category = setup.hotlineCategories[g.nextIndex(below: setup.hotlineCategories.count)]
        let agent = setup.agents[g.nextIndex(below: setup.agents.count)]
        let handler = setup.approvers[category.departmentID]?.randomElement(using: &g)
        let place = Self.places[g.nextIndex(below: Self.places.count)] + Self.roads[g.nextIndex(below: Self.roads.count)]
        let surname = Self.surnames[g.nextIndex(below: Self.surnames.count)]
        let appellant = surname + (g.nextIndex(below: 2) == 0 ? "先生" : "女士")
        let phone = mobile(&g)
        let title = "\(place)\(category.name)\(type.label)"
        let leadIn = switch channel {
        case .phone: "市民来电反映"
        case .wechat: "市民通过微信公众号反映"
        case .website: "市民在政府网站留言反映"
        case .app: "市民通过APP反映"
        default: "市民反映"
        }
        let content = type == .praise
            ? "\(leadIn)：\(place)附近\(category.name)方面的工作人员热情负责，问题解决得又快又好，特此表扬。"
            : "\(leadIn)：\(place)附近有\(category.name)方面的问题（\(category.path)），希望有关部门尽快核实处理并答复。"
        let limits = WorkOrderLimits(replyOverride: category.replyLimit.map { WorkingDays($0) })
        let replyLimit = limits.reply(type: type, urgency: .normal)

        // 受理 → 派单 → 签收 → 答复 → 回访 (→ 重办 → 答复 → 回访) → 办结, each step checked by Core.
        var progress = WorkOrderProgress(state: .registered)
        let dispatched = received.addingTimeInterval(Double(180 + g.nextIndex(below: 1620)))
        let dispatchDay = LocalDate(dispatched, in: zone)
        progress = try progress.after(.dispatch)
        let signDue = calendar.dueInstant(from: dispatchDay, limits.signFor, in: zone)
        let signedFor = min(officeTime(dispatched.addingTimeInterval(Double(600 + g.nextIndex(below: 10_000)))), signDue ?? .distantFuture)
        progress = try progress.after(.signFor)
        var replyStarted = dispatched
        var replyDue = calendar.dueInstant(from: dispatchDay, replyLimit, in: zone)!
        var replied = replyTime(after: signedFor, from: dispatchDay, limit: replyLimit, due: replyDue, &g)
        progress = try progress.after(.reply)
        var callbackDue = calendar.dueInstant(from: LocalDate(replied, in: zone), limits.callback, in: zone)!
        var calledBack = min(callTime(replied.addingTimeInterval(Double(7200 + g.nextIndex(below: 100_000)))), callbackDue)
        let first: Satisfaction = satisfied ? (SimulationCurves.unit(&g) < 0.8 ? .satisfied : .basicallySatisfied) : .dissatisfied
        var answer = first
        progress = try progress.after(.callback, satisfaction: first)
        var events: [(String, String, Date, StaffRef?)] = [
            ("work_order.register", "受理工单 \(number)（\(channel.label)·\(type.label)）", received, agent),
            ("work_order.dispatch", "派单：主办 \(category.departmentName)", dispatched, agent),
            ("work_order.sign_for", "\(category.departmentName) 签收", signedFor, handler),
            ("work_order.reply", "答复：已核实处理", replied, handler),
            ("work_order.callback", "回访：\(first.label)" + (progress.state == .handling ? "，退回主办单位重办" : ""), calledBack, agent),
        ]
        let firstCallback = calledBack
        if progress.state == .handling {
            // 重办: a new reply period from the callback day; the second answer does not change the first (回访满意率).
            let day = LocalDate(calledBack, in: zone)
            replyStarted = calledBack
            replyDue = calendar.dueInstant(from: day, replyLimit, in: zone)!
            replied = replyTime(after: calledBack.addingTimeInterval(1800), from: day, limit: replyLimit, due: replyDue, &g)
            progress = try progress.after(.reply)
            callbackDue = calendar.dueInstant(from: LocalDate(replied, in: zone), limits.callback, in: zone)!
            calledBack = min(callTime(replied.addingTimeInterval(Double(7200 + g.nextIndex(below: 100_000)))), callbackDue)
            answer = .basicallySatisfied
            progress = try progress.after(.callback, satisfaction: answer)
            events.append(("work_order.reply", "重办答复：已重新核实处理", replied, handler))
            events.append(("work_order.callback", "回访：\(answer.label)", calledBack, agent))
        }
        let closed = calledBack.addingTimeInterval(Double(60 + g.nextIndex(below: 1200)))
        progress = try progress.after(.close)
        events.append(("work_order.close", "办结工单 \(number)", closed, agent))
        writer.orders.append([
            id, region, number, channel.rawValue, type.rawValue, Urgency.normal.rawValue, appellant, phone, title, content, place, category.id,
            "", progress.state.rawValue, category.departmentID, received, dispatched, signDue, signedFor, replyLimit.wholeDays, replyStarted,
            replyDue, replied, "经核实，已按规定处理，感谢您对我们工作的支持。", handler?.name ?? category.departmentName, callbackDue, calledBack,
            answer.rawValue, first.rawValue, answer.label, progress.reopenCount, closed, 0, false, closed,
        ])
        writer.assignments.append([ids.make(&g), region, id, category.departmentID, WorkOrderAssignment.Role.lead.rawValue, dispatched, signedFor, true])
        for (action, text, instant, actor) in events {
            writer.audit.append([ids.make(&g), region, actor?.id, actor?.username ?? "system", action, "work_order", id.uuidString, text, instant])
        }
        summary.workOrders += 1
        summary.auditEvents += events.count

        // The first callback is the work order's 好差评; a 不满意 is a 差评, verified, rectified and called back.
        let level = RatingLevel(first)
        let ratingID = ids.make(&g)
        let label = "\(number) \(title)"
        writer.ratings.append([ratingID, region, RatingSubjectKind.workOrder.rawValue, id, label, category.departmentID, category.departmentName,
                               nil as String?, nil as UUID?, nil as String?, nil as String?, RatingItem.overall.rawValue, level.rawValue,
                               RatingChannel.callback.rawValue, "appellant:\(id.uuidString)", true, false, firstCallback])
        writer.audit.append([ids.make(&g), region, agent.id, agent.username, "rating.record", RatingSubjectKind.workOrder.rawValue, id.uuidString,
                             "\(RatingChannel.callback.label)：\(label) 整体\(level.label)", firstCallback])
        summary.ratings += 1
        summary.auditEvents += 1
        if level.isBad {
            var rectification = RectificationProgress(state: .pendingVerification)
            let rectificationID = ids.make(&g)
            let verifyDue = calendar.dueInstant(from: LocalDate(firstCallback, in: zone), RectificationProgress.verifyLimit, in: zone)!
            let verified = min(officeTime(firstCallback.addingTimeInterval(Double(3600 + g.nextIndex(below: 20_000)))), verifyDue)
            rectification = try rectification.after(.verifyValid)
            let rectifyDue = calendar.dueInstant(from: LocalDate(verified, in: zone), RectificationProgress.rectifyLimit, in: zone)!
            let rectified = min(officeTime(max(verified.addingTimeInterval(600), replied)), rectifyDue)
            rectification = try rectification.after(.rectify)
            let rectificationCallback = callTime(max(rectified.addingTimeInterval(600), calledBack))
            rectification = try rectification.after(.callBack)
            writer.rectifications.append([rectificationID, region, ratingID, rectification.state.rawValue, firstCallback, verifyDue, verified,
                                          "属实：答复未解决诉求人的问题", rectifyDue, false, "主办单位重新办理并答复诉求人", rectified,
                                          rectificationCallback, "诉求人表示\(answer.label)", rectificationCallback])
            for (action, text, instant) in [("rectification.open", "差评（\(level.label)）：\(label)，待核实", firstCallback),
                                            ("rectification.verifyValid", "差评核实属实", verified),
                                            ("rectification.rectify", "整改完成：主办单位重新办理并答复诉求人", rectified),
                                            ("rectification.callBack", "整改回访：\(answer.label)", rectificationCallback)] {
                writer.audit.append([ids.make(&g), region, agent.id, agent.username, action, "rectification", rectificationID.uuidString, text, instant])
            }
            summary.rectifications += 1
            summary.auditEvents += 4
        }
    }

    /// The instant itself if it falls in office hours (08:30–12:00, 14:00–17:30 of a working day), else the next opening:
    /// when staff (clerks, approvers, departments) act.
    private func officeTime(_ instant: Date) -> Date {
        var day = LocalDate(instant, in: zone)
        var second = Int(instant.timeIntervalSince(day.instant(in: zone)))
        for _ in 0..<40 {
            if (try? calendar.isWorkingDay(day)) == true {
                let start = day.instant(in: zone)
                switch second {
                case ..<30_600: return start.addingTimeInterval(30_600)
                case ..<43_200: return start.addingTimeInterval(Double(second))
                case ..<50_400: return start.addingTimeInterval(50_400)
                case ..<63_000: return start.addingTimeInterval(Double(second))
                default: break
                }
            }
            day = day.adding(days: 1)
            second = 0
        }
        return instant
    }

    /// The instant itself between 08:00 and 21:00, else 08:00 of the next morning: when the hotline calls people back.
    private func callTime(_ instant: Date) -> Date {
        let day = LocalDate(instant, in: zone)
        let second = Int(instant.timeIntervalSince(day.instant(in: zone)))
        if second < 28_800 { return day.instant(in: zone).addingTimeInterval(28_800) }
        if second >= 75_600 { return day.adding(days: 1).instant(in: zone).addingTimeInterval(28_800) }
        return instant
    }

    /// A reply within the limit: on one of the working days the limit allows, in office hours, after `earliest`, by `due`.
    private func replyTime(after earliest: Date, from day: LocalDate, limit: WorkingDays, due: Date, _ g: inout SeededGenerator) -> Date {
        let span = max(0, limit.wholeDays - 1)
        let replyDay = (try? calendar.deadline(from: day, limit: WorkingDays(g.nextIndex(below: span + 1))))??.date ?? day
        var reply = replyDay.instant(in: zone).addingTimeInterval(Double(SimulationCurves.hallSecond(using: &g)))
        if reply <= earliest { reply = officeTime(earliest.addingTimeInterval(Double(600 + g.nextIndex(below: 3000)))) }
        return min(reply, due.addingTimeInterval(-30))
    }

    // MARK: Setup

    private func loadSetup(using g: inout SeededGenerator) async throws -> Setup {
        var setup = Setup()
        let items = try await ServiceItem.query(on: db).filter(\.$regionCode == region).filter(\.$status == .published).sort(\.$itemCode).all()
        for item in items {
            guard let caseType = item.caseType else { continue }
            let ref = ItemRef(id: item.id!, code: item.itemCode, name: CaseWebController.displayName(item), departmentID: item.$department.id,
                              departmentName: item.departmentName ?? "—", category: item.category, caseType: caseType,
                              promised: item.promised ?? WorkingDays(0), statutory: item.statutory)
            setup.allItems.append(ref)
            if item.category == .publicService {
                if caseType == .instant { setup.service.append(ref) }
            } else if caseType == .instant {
                setup.approvalInstant.append(ref)
            } else if ref.promised.halfDays >= 2 {
                setup.approvalPromised.append(ref)
            }
        }
        for (list, what) in [(setup.approvalInstant, "即办的审批事项"), (setup.approvalPromised, "承诺时限至少 1 个工作日的审批事项"), (setup.service, "即办的公共服务事项")]
        where list.isEmpty {
            throw SimulationError.missing("事项目录中没有\(what)，无法模拟；请先发布事项")
        }
        let staff = try await Staff.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$username).all()
        func refs(_ role: Role) -> [StaffRef] { staff.filter { $0.has(role) }.map { StaffRef(id: $0.id, username: $0.username, name: $0.displayName) } }
        setup.clerks = refs(.clerk)
        setup.helpers = refs(.helper)
        setup.agents = refs(.hotlineAgent)
        for member in staff where member.has(.approver) || member.has(.handler) {
            guard let department = member.$department.id else { continue }
            setup.approvers[department, default: []].append(StaffRef(id: member.id, username: member.username, name: member.displayName))
        }
        let fallback = StaffRef(id: nil, username: "system", name: "综合窗口")
        if setup.clerks.isEmpty { setup.clerks = [fallback] }
        if setup.helpers.isEmpty { setup.helpers = [StaffRef(id: nil, username: "system", name: "帮办员")] }
        if setup.agents.isEmpty { setup.agents = [StaffRef(id: nil, username: "system", name: "话务员")] }

        let halls = try await Hall.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$code).all()
        let windows = try await Window.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).filter(\.$kind == .comprehensive)
            .sort(\.$number).all()
        guard let hall = halls.max(by: { a, b in windows.filter { $0.$hall.id == a.id }.count < windows.filter { $0.$hall.id == b.id }.count }),
              windows.contains(where: { $0.$hall.id == hall.id }) else {
            throw SimulationError.missing("没有设有综合窗口的大厅，无法模拟")
        }
        setup.hall = hall
        setup.windows = windows.filter { $0.$hall.id == hall.id }
        setup.ticketCategories = try await TicketCategory.query(on: db).filter(\.$hall.$id == hall.id!).filter(\.$active == true)
            .sort(\.$position).all()
        guard !setup.ticketCategories.isEmpty else { throw SimulationError.missing("大厅“\(hall.name)”没有取号类别，无法模拟") }

        let departments = try await Department.query(on: db).filter(\.$regionCode == region).all()
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id!, $0.name) })
        setup.hotlineCategories = try await HotlineCategory.query(on: db).filter(\.$regionCode == region).filter(\.$level == 2).sort(\.$code).all()
            .compactMap { category in
                guard let department = category.$department.id, let name = names[department] else { return nil }
                return Category(id: category.id!, name: category.name, path: category.path, departmentID: department, departmentName: name,
                                replyLimit: category.replyLimitDays)
            }
        guard !setup.hotlineCategories.isEmpty else { throw SimulationError.missing("12345 诉求分类没有对应承办单位，无法模拟") }

        // The applicants: valid 身份证号 of the county (GB 11643 check character), names, mobiles.
        var ids = IDSequence(year: profile.year, day: 0)
        let count = min(60_000, max(200, profile.caseCount / 6))
        var seen = Set<String>()
        while setup.people.count < count {
            let birth = LocalDate(dayNumber: LocalDate(year: 1945, month: 1, day: 1)!.dayNumber + g.nextIndex(below: 60 * 365))
            let first17 = String(region.prefix(6)) + String(format: "%04d%02d%02d%03d", birth.year, birth.month, birth.day, g.nextIndex(below: 1000))
            let idNumber = first17 + String(ResidentID.checkCharacter(of: first17))
            guard seen.insert(idNumber).inserted else { continue }
            let name = Self.surnames[g.nextIndex(below: Self.surnames.count)] + Self.givenNames[g.nextIndex(below: Self.givenNames.count)]
                + (g.nextIndex(below: 2) == 0 ? Self.givenNames[g.nextIndex(below: Self.givenNames.count)] : "")
            setup.people.append(Person(id: ids.make(&g), idNumber: idNumber, name: name, phone: mobile(&g)))
        }
        return setup
    }

    /// Stores the applicants (an existing record of the same 身份证号 is kept and used).
    private func storePeople(_ setup: inout Setup, on tx: any Database) async throws -> Int {
        let now = Date(timeIntervalSince1970: Double(profile.year - 1970) * 365.25 * 86_400)
        let people = setup.people
        let region = self.region
        do {
            let sql = tx as! any SQLDatabase
            for start in stride(from: 0, to: people.count, by: 2_000) {
                var insert = sql.insert(into: Applicant.schema).columns("id", "region_code", "kind", "id_number", "name", "phone", "created_at", "updated_at")
                for person in people[start..<min(start + 2_000, people.count)] {
                    insert = insert.values(SQLBind(person.id), SQLBind(region), SQLBind(ApplicantIdentity.Kind.person.rawValue), SQLBind(person.idNumber),
                                           SQLBind(person.name), SQLBind(person.phone), SQLBind(now), SQLBind(now))
                }
                try await insert.ignoringConflicts(with: ["region_code", "id_number"]).run()
            }
        }
        let stored = try await Applicant.query(on: tx).filter(\.$regionCode == region).all()
        let ids = Dictionary(stored.map { ($0.idNumber, $0.id!) }, uniquingKeysWith: { first, _ in first })
        setup.people = people.map { Person(id: ids[$0.idNumber] ?? $0.id, idNumber: $0.idNumber, name: $0.name, phone: $0.phone) }
        return people.count
    }

    // MARK: Random values

    /// An index in 0..<count, the first ones more often (Zipf, s = 1): a few items make most of a hall's cases.
    private func zipf(_ count: Int, _ g: inout SeededGenerator) -> Int {
        guard count > 1 else { return 0 }
        let harmonic = (1...count).reduce(0.0) { $0 + 1 / Double($1) }
        var target = SimulationCurves.unit(&g) * harmonic
        for rank in 1...count {
            target -= 1 / Double(rank)
            if target < 0 { return rank - 1 }
        }
        return count - 1
    }

    /// Time-ordered record ids (the UUID version 7 layout): 48 bits that grow with every id — the profile's year, the day
    /// of the year, the record's place in the day — then version, variant and 74 seeded random bits. Each table's
    /// primary-key index then grows at its end, as it does with ids made in the order of events, instead of taking
    /// a random place in a large B-tree for every row.
    struct IDSequence: Sendable {
        private var next: UInt64

        init(year: Int, day: Int) {
            next = UInt64(year) << 36 | UInt64(day) << 27
        }

        mutating func make(_ g: inout SeededGenerator) -> UUID {
            let high = next
            next += 1
            let low = g.next()
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * (5 - index))) }
            for index in 0..<10 { bytes[6 + index] = UInt8(truncatingIfNeeded: low >> (8 * (index % 8)) ^ UInt64(index) &* 0x9E) }
            bytes[6] = (bytes[6] & 0x0F) | 0x70
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                               bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    private func hex(_ g: inout SeededGenerator, _ length: Int) -> String {
        var text = ""
        while text.count < length { text += String(g.next() | 1 << 63, radix: 16) }
        return String(text.prefix(length))
    }

    private func mobile(_ g: inout SeededGenerator) -> String {
        "1" + String(3 + g.nextIndex(below: 7)) + String(format: "%09d", g.nextIndex(below: 1_000_000_000))
    }
}

extension Simulator.Summary {
    mutating func add(_ other: Simulator.Summary) {
        cases += other.cases
        tickets += other.tickets
        appointments += other.appointments
        assistance += other.assistance
        workOrders += other.workOrders
        ratings += other.ratings
        rectifications += other.rectifications
        auditEvents += other.auditEvents
    }
}
