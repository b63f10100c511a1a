import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Queue figures over local days `from…to`: waiting time (issue → first call) and service time (begin → finish),
/// median and 90th percentile (nearest rank, `QueueStatistics`), per category, window and hour of issue; 过号率;
/// tickets per day and per hour (peak hours); help-desk counts by kind.
struct FrontDeskFigures: Encodable, Sendable {
    struct Group: Encodable, Sendable {
        let key: String
        let label: String
        let issued: Int
        let called: Int
        let served: Int
        let noShows: Int
        let noShowRate: String
        let waitMedian: String
        let waitP90: String
        let serviceMedian: String
        let serviceP90: String
        /// Seconds, for tests and charts.
        let waitMedianSeconds: Double?
        let waitP90Seconds: Double?
        let serviceMedianSeconds: Double?
    }

    struct Bar: Encodable, Sendable {
        let label: String
        let value: Int
        /// Bar height in the chart, 0–120 px.
        let height: Int
        let x: Int
        let y: Int
    }

    let total: Group
    let categories: [Group]
    let windows: [Group]
    let hours: [Group]
    let perHour: [Bar]
    /// Width of the per-hour chart in px.
    let perHourWidth: Int
    let perDay: [Bar]
    let peakHours: [String]
    let assistance: [Bar]
    let noShowDefinition: String
    let waitDefinition: String

    static func compute(region: String, from: LocalDate, to: LocalDate, zone: TimeZone, on db: any Database) async throws
        -> FrontDeskFigures
    {
        let tickets = try await Ticket.scoped(on: db, to: region).filter(\.$serviceDay >= from.description)
            .filter(\.$serviceDay <= to.description).all()
        let categories = try await TicketCategory.scoped(on: db, to: region).sort(\.$position).all()
        let halls = try await Hall.scoped(on: db, to: region).all()
        func hallName(_ id: UUID) -> String { halls.first { $0.id == id }?.name ?? "" }

        func group(_ key: String, _ label: String, _ list: [Ticket]) -> Group {
            let called = list.filter { $0.firstCalledAt != nil }
            let served = list.filter { $0.state == .served }
            let noShows = list.filter { $0.state == .noShow }.count
            let waits = called.map { $0.firstCalledAt!.timeIntervalSince($0.issuedAt) }
            let services = served.compactMap { ticket in
                ticket.servingAt.flatMap { start in ticket.finishedAt.map { $0.timeIntervalSince(start) } }
            }
            let waitMedian = QueueStatistics.percentile(50, of: waits)
            let waitP90 = QueueStatistics.percentile(90, of: waits)
            let serviceMedian = QueueStatistics.percentile(50, of: services)
            let serviceP90 = QueueStatistics.percentile(90, of: services)
            func show(_ value: Double?) -> String { value.map(QueueStatistics.format(seconds:)) ?? "—" }
            return Group(
                key: key, label: label, issued: list.count, called: called.count, served: served.count, noShows: noShows,
                noShowRate: called.isEmpty ? "—" : Ratio(Double(noShows), Double(called.count)).percent,
                waitMedian: show(waitMedian), waitP90: show(waitP90), serviceMedian: show(serviceMedian), serviceP90: show(serviceP90),
                waitMedianSeconds: waitMedian, waitP90Seconds: waitP90, serviceMedianSeconds: serviceMedian)
        }

        let byCategory = categories.compactMap { category -> Group? in
            let list = tickets.filter { $0.$category.id == category.id }
            return list.isEmpty
                ? nil : group(category.id!.uuidString, "\(hallName(category.$hall.id)) \(category.prefix) \(category.name)", list)
        }
        // By window (its id: every hall has a window 1), labelled with the hall when there are several.
        let windows = try await Window.scoped(on: db, to: region).all()
        let windowIDs = Set(tickets.compactMap { $0.$window.id })
        let severalHalls = Set(tickets.map { $0.$hall.id }).count > 1
        let byWindow = windows.filter { windowIDs.contains($0.id!) }
            .sorted { (hallName($0.$hall.id), Int($0.number) ?? 0) < (hallName($1.$hall.id), Int($1.number) ?? 0) }
            .map { window in
                group(
                    window.id!.uuidString, (severalHalls ? hallName(window.$hall.id) + " " : "") + "\(window.number) 号窗口",
                    tickets.filter { $0.$window.id == window.id })
            }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let hourOf = Dictionary(grouping: tickets) { calendar.component(.hour, from: $0.issuedAt) }
        let byHour = hourOf.keys.sorted().map { hour in
            group(String(hour), String(format: "%02d:00–%02d:00", hour, hour + 1), hourOf[hour]!)
        }

        func bars(_ entries: [(String, Int)], width: Int) -> [Bar] {
            let top = max(entries.map(\.1).max() ?? 0, 1)
            return entries.enumerated().map { index, entry in
                let height = entry.1 * 120 / top
                return Bar(label: entry.0, value: entry.1, height: height, x: index * width, y: 130 - height)
            }
        }
        // Office hours, widened to any hour that had tickets (evening 延时服务).
        let hourRange = Array(min(7, hourOf.keys.min() ?? 7)...max(19, hourOf.keys.max() ?? 19))
        let perHour = bars(hourRange.map { (String(format: "%02d", $0), hourOf[$0]?.count ?? 0) }, width: 36)
        let peak = perHour.map(\.value).max() ?? 0
        let days = Dictionary(grouping: tickets, by: \.serviceDay)
        let perDay = bars(days.keys.sorted().suffix(31).map { (String($0.suffix(5)), days[$0]!.count) }, width: 24)
        let assistance = try await AssistanceLog.counts(region: region, from: from, to: to, on: db)
        return FrontDeskFigures(
            total: group("all", "全部", tickets), categories: byCategory, windows: byWindow, hours: byHour, perHour: perHour,
            perHourWidth: perHour.count * 36 + 10, perDay: perDay,
            peakHours: peak == 0 ? [] : perHour.filter { $0.value == peak }.map { "\($0.label):00–\($0.label):59" },
            assistance: bars(AssistanceKind.allCases.map { ($0.label, assistance[$0] ?? 0) }, width: 80),
            noShowDefinition: NoShowRate.definition,
            waitDefinition: "等候时长 = 首次叫号时间 − 取号时间；办理时长 = 办结时间 − 开始办理时间（未点“开始办理”的，从叫号时算起）；中位数和第 90 百分位数按最近秩法")
    }
}

struct FrontDeskFiguresController {
    func register(_ web: any RoutesBuilder) {
        web.grouped(RoleGuard(FrontDeskAccess.figures)).get(.frontDeskFigures, use: page)
    }

    struct Context: Encodable {
        let page: PageChrome
        let from: String
        let to: String
        let figures: FrontDeskFigures
    }

    func page(req: Request) async throws -> View {
        let today = LocalDate(req.now, in: req.settings.timeZone)
        func date(_ name: String, _ fallback: LocalDate) throws -> LocalDate {
            guard let text = try? req.query.get(String.self, at: name), !text.isEmpty else { return fallback }
            guard let date = LocalDate(iso: text) else {
                throw PlatformError.invalidField(FieldError(field: name, message: "日期“\(text)”不存在，应为 YYYY-MM-DD"))
            }
            return date
        }
        let from = try date("from", today.adding(days: -30))
        let to = try date("to", today)
        guard from <= to, to.dayNumber - from.dayNumber <= 400 else {
            throw PlatformError.invalidField(FieldError(field: "to", message: "统计期间应从早到晚，且不超过 400 天"))
        }
        let figures = try await FrontDeskFigures.compute(
            region: req.settings.region.value, from: from, to: to, zone: req.settings.timeZone, on: req.db)
        return try await req.view.render(
            "frontdesk/figures",
            Context(
                page: PageChrome(request: req, title: "排队与帮办统计"), from: from.description,
                to: to.description, figures: figures))
    }
}
