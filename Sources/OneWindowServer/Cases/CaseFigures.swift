import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The figures of one department (or all) over a period, each beside its definition (RULES.md, Cases (Metrics)).
struct CaseFigures: Encodable, Sendable {
    struct Figure: Encodable, Sendable {
        let name: String
        let value: String
        /// `7 / 8`: the counts behind it.
        let counts: String
        let definition: String
        /// 0…300 for the bar picture.
        let bar: Int
    }

    let figures: [Figure]
    let completed: Int
    let accepted: Int
    let overdueCompleted: Int
    let overdueRunning: Int
    let onTime: Ratio
    let aggregateCompression: Ratio
    let meanCompression: Ratio
    let instantShare: Ratio
    let fullyOnlineShare: Ratio
    let onlineCaseShare: Ratio

    /// - Parameters:
    ///   - department: restrict to one department's items and cases (`nil`: the whole county).
    ///   - from, to: local dates, inclusive: cases completed (on-time rate) or accepted (shares) in the period.
    static func compute(region: String, department: UUID?, from: LocalDate, to: LocalDate, now: Date, zone: TimeZone, on db: any Database)
        async throws -> CaseFigures
    {
        let start = from.instant(in: zone)
        let end = to.adding(days: 1).instant(in: zone)
        let completedQuery = Case.scoped(on: db, to: region).filter(\.$completedAt >= start).filter(\.$completedAt < end)
        let acceptedQuery = Case.scoped(on: db, to: region).filter(\.$acceptedAt >= start).filter(\.$acceptedAt < end)
        let runningQuery = CaseListFilter(region: region).overdue(now: now).query(on: db)
        let itemQuery = ServiceItem.scoped(on: db, to: region).filter(\.$status == .published)
        if let department {
            completedQuery.filter(\.$department.$id == department)
            acceptedQuery.filter(\.$department.$id == department)
            runningQuery.filter(\.$department.$id == department)
            itemQuery.filter(\.$department.$id == department)
        }
        // Counted by the database (a year holds hundreds of thousands of cases): completed, and of those by their deadline
        // (CaseMetrics.onTimeRate's rule: no deadline counts as late).
        let completedCount = try await completedQuery.count()
        let onTimeCount = try await completedQuery.copy().filter(\.$dueAt != nil).filter(.sql(unsafeRaw: "completed_at <= due_at")).count()
        let onTime = Ratio(Double(onTimeCount), Double(completedCount))
        let acceptedCount = try await acceptedQuery.count()
        let acceptedOnline = try await acceptedQuery.copy().filter(\.$channel == .online).count()
        let items = try await itemQuery.all().map {
            CaseMetrics.ItemLimits(
                statutory: $0.statutory, promised: $0.promised, caseType: $0.caseType, fullyOnline: $0.fullyOnline == true)
        }
        let aggregate = CaseMetrics.aggregateCompression(items)
        let mean = CaseMetrics.meanCompression(items)
        let instant = CaseMetrics.instantShare(items)
        let online = CaseMetrics.fullyOnlineShare(items)
        let onlineCases = Ratio(Double(acceptedOnline), Double(acceptedCount))
        let running = try await runningQuery.count()
        func figure(_ name: String, _ ratio: Ratio, _ definition: String, counts: String? = nil) -> Figure {
            Figure(
                name: name, value: ratio.percent, counts: counts ?? "\(format(ratio.numerator)) / \(format(ratio.denominator))",
                definition: definition, bar: Int(((ratio.value ?? 0) * 300).rounded()))
        }
        return CaseFigures(
            figures: [
                figure("按时办结率", onTime, CaseMetrics.onTimeDefinition),
                figure(
                    "办理时限压缩比率（总量法）", aggregate, CaseMetrics.aggregateCompressionDefinition,
                    counts: "\(format(aggregate.numerator)) / \(format(aggregate.denominator)) 个工作日"),
                figure("办理时限压缩比率（平均法）", mean, CaseMetrics.meanCompressionDefinition, counts: "\(Int(mean.denominator)) 个事项"),
                figure("即办件占比", instant, CaseMetrics.instantDefinition),
                figure("全程网办率（事项）", online, CaseMetrics.fullyOnlineDefinition),
                figure("网上申报占比（办件）", onlineCases, CaseMetrics.onlineCaseDefinition),
            ],
            completed: completedCount, accepted: acceptedCount, overdueCompleted: Int(onTime.denominator - onTime.numerator),
            overdueRunning: running, onTime: onTime, aggregateCompression: aggregate, meanCompression: mean, instantShare: instant,
            fullyOnlineShare: online, onlineCaseShare: onlineCases)
    }

    /// `145.5`, `190`.
    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// `/cases/figures?department=RSJ&from=2025-01-01&to=2025-12-31`: a department's (or the county's) figures.
struct CaseFiguresController {
    func register(_ staff: any RoutesBuilder) {
        staff.get(.caseFigures, use: page)
    }

    func page(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome; let departments: [SelectOption]; let from: String; let to: String; let scope: String;
            let result: CaseFigures
            let error: String?
        }
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone)
        var error: String?
        func date(_ key: String, _ fallback: LocalDate) -> LocalDate {
            guard let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: key)) else { return fallback }
            guard let parsed = LocalDate(iso: text) else {
                error = "日期“\(String(text.prefix(20)))”格式应为 YYYY-MM-DD，已改用默认期间"
                return fallback
            }
            return parsed
        }
        var from = date("from", LocalDate(year: today.year, month: 1, day: 1)!)
        var to = date("to", today)
        if from > to { (from, to) = (to, from) }
        let departments = try await Department.scoped(on: req.db, to: region).sort(\.$code).all()
        let key = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "department"))?.uppercased()
        let chosen = departments.first { $0.code == key }
        let result = try await CaseFigures.compute(
            region: region, department: chosen?.id, from: from, to: to, now: req.now, zone: zone, on: req.db)
        return try await req.view.render(
            "cases/figures",
            Context(
                page: PageChrome(request: req, title: "办件统计"),
                departments: departments.map { SelectOption(value: $0.code, label: $0.name, selected: $0.id == chosen?.id) },
                from: from.description, to: to.description, scope: chosen?.name ?? "全县（所有部门）", result: result, error: error))
    }
}
