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
/// so every simulated record has its timeline. Rows are written with multi-row inserts, one write transaction for the
/// whole year (a failed run leaves nothing). What the simulator does not write: SMS (the outbox), rating invitations,
/// submitted materials.
///
/// Deterministic: the same profile and seed give the same records (ids included) on SQLite and PostgreSQL.
///
/// The parts, by role: this file (the run over the year); `Simulator+Setup` (reference data, applicants);
/// `Simulator+Generation` (one day: plan, output, write); `Simulator+Hall` (cases, tickets, appointments);
/// `Simulator+Orders` (12345 work orders); `Simulator+Time` (office and call hours, Zipf, ids); `SimulatorWriter`
/// (`SimulatedTable`, the tables and columns written, and the day's `Writer`).
struct Simulator: Sendable {
    /// The records a run wrote, by kind; `rows` counts the table rows (a case has its step, a work order its assignment).
    struct Summary: Sendable, Equatable {
        var cases = 0, tickets = 0, appointments = 0, assistance = 0, workOrders = 0, ratings = 0, rectifications = 0, auditEvents = 0
        var applicants = 0
        var rows: Int {
            cases * 2 + tickets + appointments + assistance + workOrders * 2 + ratings + rectifications + auditEvents + applicants
        }
    }

    /// Why a run was refused: the year already has records (`notEmpty`), or the reference data lacks what the profile
    /// needs (`missing`: holiday years, published items, a hall with 综合窗口, ticket or 12345 categories). 409.
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
        var assistancePerDay: [(AssistanceKind, [Int])] = [
            (.consult, SimulationCurves.apportion(profile.consultations, weights: hallWeights))
        ]
        for kind in AssistanceKind.allCases where kind != .consult {
            if let count = profile.otherAssistance[kind], count > 0 {
                assistancePerDay.append((kind, SimulationCurves.apportion(count, weights: hallWeights)))
            }
        }
        let ordersPerDay = SimulationCurves.apportion(profile.workOrderCount, weights: hotlineWeights)
        // The channel mix and the satisfied callbacks are exact: lists with those counts, shuffled with the seed.
        var channels = HotlineChannel.allCases.flatMap { Array(repeating: $0, count: profile.workOrders[$0] ?? 0) }
        generator.shuffle(&channels)
        var satisfied =
            Array(repeating: true, count: profile.satisfiedCallbacks)
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
                plan.orders = Array(
                    zip(
                        fixedChannels[orderIndex..<(orderIndex + plans.4[index])],
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
