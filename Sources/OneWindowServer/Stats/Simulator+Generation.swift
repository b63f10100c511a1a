import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// One simulated day: its plan (counts from the profile's curves), its generation without the database, and its write.
extension Simulator {
    /// How many records of each kind a day gets, and the channel and callback answer of each work order, in order.
    struct DayPlan {
        let date: LocalDate
        /// The day of the year, from 0.
        var index = 0
        var instant = 0, promised = 0, service = 0
        var assistance: [(AssistanceKind, Int)] = []
        var orders: [(HotlineChannel, Bool)] = []
    }

    /// Writes a generated day in the run's transaction, reserving the numbers it used (they must start at 1).
    func write(_ day: DayOutput, on tx: any Database) async throws {
        for (kind, count) in day.reservations {
            let first = try await DailyCounter.reserve(kind, count: count, region: region, day: day.date.description, on: tx)
            guard first == 1 else { throw SimulationError.notEmpty("\(day.date) 的编号（\(kind)）已被使用，模拟只在没有记录的日期运行") }
        }
        let sql = tx as! any SQLDatabase
        for statement in day.statements { try await sql.raw(SQLQueryString(statement)).run() }
        var writer = day.writer
        try await writer.flush(on: sql)
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

    /// Generates the day of `plan` from `start`: the hall's cases and tickets, the help-desk records, the work orders.
    /// On SQLite the rows come back as INSERT statements, elsewhere in `writer`; `generator` is where the next day starts.
    func generate(_ plan: DayPlan, setup: Setup, generator start: SeededGenerator, sqlite: Bool) throws -> DayOutput {
        var output = DayOutput(date: plan.date, generator: start)
        var g = output.generator
        var ids = IDSequence(year: plan.date.year, day: plan.index + 1)
        var writer = Writer()
        var summary = Summary()
        let date = plan.date
        let midnight = date.instant(in: zone)
        func at(_ second: Int) -> Date { midnight.addingTimeInterval(TimeInterval(second)) }

        // The hall: cases in time order, then the tickets of the window visits they came in on.
        let visits = try simulateCases(
            plan, setup: setup, reservations: &output.reservations, writer: &writer, summary: &summary,
            generator: &g, ids: &ids)
        try simulateTickets(
            visits, on: date, setup: setup, reservations: &output.reservations, writer: &writer, summary: &summary,
            generator: &g, ids: &ids)

        // Help-desk records.
        for (kind, count) in plan.assistance {
            for _ in 0..<count {
                let helper = setup.helpers[g.nextIndex(below: setup.helpers.count)]
                let item = SimulationCurves.unit(&g) < 0.7 ? setup.allItems[zipf(setup.allItems.count, &g)] : nil
                writer.assistance.append([
                    ids.make(&g), region, setup.hall.id!, helper.id, helper.name, kind.rawValue, item?.code, item?.name,
                    at(SimulationCurves.hallSecond(using: &g)), date.description,
                ])
                summary.assistance += 1
            }
        }

        // 12345 work orders, 7×24.
        if !plan.orders.isEmpty {
            let seconds = plan.orders.map { _ in SimulationCurves.hotlineSecond(using: &g) }.sorted()
            let firstOrder = 1
            output.reservations.append(("work_order", plan.orders.count))
            for (offset, (channel, isSatisfied)) in plan.orders.enumerated() {
                try simulateOrder(
                    number: WorkOrderNumber(date: date, sequence: firstOrder + offset).description, channel: channel,
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
}
