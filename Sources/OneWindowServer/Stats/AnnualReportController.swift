import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Who opens the centre's yearly figures and the records behind them.
enum StatsAccess {
    static let annual: Set<Role> = [.supervisor, .director, .admin]
}

/// The annual report of a region and year, with the monthly series of its charts.
struct AnnualFigures: Sendable {
    let report: AnnualReport
    let monthly: StatsQueries.Monthly
    let current: PeriodTally

    /// The report of `year` against `year − 1`, from the records (two tallies, the monthly series, the catalogue).
    static func compute(year: Int, region: String, zone: TimeZone, on db: any Database) async throws -> AnnualFigures {
        let queries = StatsQueries(db: db, region: region, zone: zone)
        let current = try await queries.year(year)
        let previous = try await queries.year(year - 1)
        let report = AnnualReport(year: year, current: current.tally, previous: previous.tally, items: try await queries.items(on: db))
        return AnnualFigures(report: report, monthly: current.monthly, current: current.tally)
    }

    /// The CSV header: key, area, figure, this year, last year, change, definition.
    var csvHeader: [String] { ["指标代码", "领域", "指标", "\(report.year)年", "\(report.year - 1)年", "同比", "口径"] }

    /// The CSV rows, in the header's order (numbers as plain numbers).
    var csvRows: [[String]] {
        report.lines.map { [$0.id, $0.area, $0.name, $0.value.plain, $0.previous.plain, $0.change, $0.definition] }
    }
}

/// 数说成绩单 `/annual?year=2024` (page, printable), `/annual.csv?year=2024`, and the drill-down list of every
/// figure `/annual/records?year=2024&line=cases.instant`.
struct AnnualReportController {
    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(StatsAccess.annual))
        staff.get(.annual, use: page)
        staff.get(.annualCSV, use: csv)
        staff.get(.annualRecords, use: AnnualDrillDown.page)
    }

    /// The year a report shows when none is asked for: this year in December (the report is printed at year end),
    /// else last year.
    static func defaultYear(now: Date, zone: TimeZone) -> Int {
        let today = LocalDate(now, in: zone)
        return today.month == 12 ? today.year : today.year - 1
    }

    /// The `year` query parameter: 2000…2100, default `defaultYear`.
    static func year(_ req: Request) throws -> Int {
        let fallback = defaultYear(now: req.now, zone: req.settings.timeZone)
        guard let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "year")) else { return fallback }
        guard let year = Int(text), (2000...2100).contains(year) else {
            throw PlatformError.invalidField(FieldError(field: "year", message: "年份应为 2000–2100 之间的四位数字"))
        }
        return year
    }

    func page(req: Request) async throws -> View {
        struct Row: Encodable {
            let id: String; let area: String; let name: String; let value: String; let previous: String; let change: String
            let definition: String; let link: String?; let note: String?
        }
        struct Context: Encodable {
            let page: PageChrome; let year: Int; let previousYear: Int; let nextYear: Int; let rows: [Row]
            let casesChart: VerticalBarChart; let channelChart: HorizontalBarChart; let satisfactionChart: LineChart
            let seconds: String
        }
        let year = try Self.year(req)
        let started = Date()
        let figures = try await AnnualFigures.compute(
            year: year, region: req.settings.region.value, zone: req.settings.timeZone, on: req.db)
        let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
        let rows = figures.report.lines.map { line -> Row in
            var note: String?
            if case .unavailable(let why) = line.value { note = why }
            return Row(
                id: line.id, area: line.area, name: line.name, value: line.value.text, previous: line.previous.text, change: line.change,
                definition: line.definition,
                link: line.drillable ? SiteRoute.annualRecords.path(query: ["year": "\(year)", "line": line.id]) : nil, note: note)
        }
        let months = (1...12).map { "\($0)月" }
        let monthly = figures.monthly
        let casesChart = VerticalBarChart(
            title: "\(year) 年各月受理办件（审批事项 + 服务事项）", labels: months,
            series: [("审批事项", monthly.approvalCases, "bar-fg"), ("服务事项", monthly.serviceRequests, "bar-alt")])
        let channels: [HotlineChannel] = [.phone, .wechat, .website, .app, .window, .letter, .api]
        let channelChart = HorizontalBarChart(
            title: "\(year) 年 12345 工单来源渠道",
            bars: channels.compactMap { channel in
                let count = figures.current.workOrdersByChannel[channel] ?? 0
                return count == 0 && ![.phone, .wechat, .website, .app].contains(channel) ? nil : (channel.label, count)
            })
        func share(_ part: [Int], _ whole: [Int]) -> [Double?] { zip(part, whole).map { $1 == 0 ? nil : Double($0) / Double($1) } }
        let satisfactionChart = LineChart(
            title: "\(year) 年各月满意度", labels: months,
            series: [
                ("12345 回访满意率", share(monthly.satisfied, monthly.calledBack), "line-a"),
                ("好差评满意率", share(monthly.ratingsSatisfied, monthly.ratings), "line-b"),
            ])
        return try await req.view.render(
            "stats/annual",
            Context(
                page: PageChrome(request: req, title: "\(year) 年数说成绩单"), year: year, previousYear: max(2000, year - 1),
                nextYear: min(2100, year + 1), rows: rows,
                casesChart: casesChart, channelChart: channelChart, satisfactionChart: satisfactionChart, seconds: seconds))
    }

    func csv(req: Request) async throws -> Response {
        let year = try Self.year(req)
        let figures = try await AnnualFigures.compute(
            year: year, region: req.settings.region.value, zone: req.settings.timeZone, on: req.db)
        return try CSVExport.response(filename: "数说成绩单-\(year).csv", header: figures.csvHeader, rows: figures.csvRows)
    }
}
