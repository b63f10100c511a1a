import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/hotline/report?month=2025-03`: the printable monthly report with bar charts; `&format=csv` exports it.
struct HotlineReportController {
    func register(_ web: any RoutesBuilder) {
        web.grouped(RoleGuard(HotlineAccess.report)).get(.hotlineReport, use: report)
    }

    /// One horizontal bar of a chart (server-rendered SVG): label, value, bar width in px, row offset.
    struct Bar: Encodable { let label: String; let value: Int; let width: Int; let y: Int }
    struct Chart: Encodable { let title: String; let height: Int; let bars: [Bar] }

    struct Context: Encodable {
        let page: PageChrome
        let report: HotlineMonthlyReport
        let month: String
        let previous: String
        let next: String
        let change: String
        let charts: [Chart]
        let replyMedian: String
        let replyP90: String
        let within5: String
        let csvLink: String
        let error: String?
    }

    static func chart(_ title: String, _ counts: [HotlineMonthlyReport.Count], limit: Int = 12) -> Chart {
        let shown = Array(counts.prefix(limit))
        let top = max(shown.map(\.value).max() ?? 1, 1)
        return Chart(
            title: title, height: shown.count * 24 + 4,
            bars: shown.enumerated().map { index, count in
                Bar(label: count.label, value: count.value, width: max(2, count.value * 380 / top), y: index * 24)
            })
    }

    func report(req: Request) async throws -> Response {
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone)
        let asked = (try? req.query.get(String.self, at: "month")) ?? ""
        var error: String?
        var first = LocalDate(year: today.year, month: today.month, day: 1)!
        if !asked.isEmpty {
            if let parsed = HotlineMonthlyReport.firstDay(of: asked) { first = parsed } else { error = "月份格式应为 2025-03，已显示本月" }
        }
        let report = try await HotlineMonthlyReport.build(
            first: first, region: req.settings.region.value, zone: zone, now: req.now, on: req.db)
        if (try? req.query.get(String.self, at: "format")) == "csv" {
            return try CSVExport.response(
                filename: "12345月报-\(report.month).csv", header: ["部分", "项目", "数值", "说明"], rows: Self.csvRows(report))
        }
        let change =
            report.previousReceived == 0
            ? "上月无工单"
            : String(format: "比上月 %+.1f%%", Double(report.received - report.previousReceived) / Double(report.previousReceived) * 100)
        let hours = { (value: Double?) in value.map { $0 < 48 ? String(format: "%.1f 小时", $0) : String(format: "%.1f 天", $0 / 24) } ?? "—" }
        return try await req.view.render(
            "hotline/report",
            Context(
                page: PageChrome(request: req, title: "12345 热线月报 \(report.month)"),
                report: report, month: report.month,
                previous: HotlineMonthlyReport.label(HotlineMonthlyReport.previousMonth(first)),
                next: HotlineMonthlyReport.label(HotlineMonthlyReport.nextMonth(first)), change: change,
                charts: [
                    Self.chart("按来源渠道", report.byChannel), Self.chart("按诉求类型", report.byType),
                    Self.chart("按一级分类", report.byCategory), Self.chart("按乡镇", report.byTownship),
                    Self.chart("按主办单位", report.byDepartment),
                ],
                replyMedian: hours(report.replyMedianHours), replyP90: hours(report.replyP90Hours),
                within5: report.repliedCount == 0
                    ? "—"
                    : String(
                        format: "%.1f%%（%d/%d）", Double(report.repliedWithin5Days) / Double(report.repliedCount) * 100,
                        report.repliedWithin5Days, report.repliedCount),
                csvLink: SiteRoute.hotlineReport.path(query: ["month": "\(report.month)", "format": "csv"]), error: error)
        ).encodeResponse(for: req)
    }

    static func csvRows(_ report: HotlineMonthlyReport) -> [[String]] {
        var rows: [[String]] = [["总量", "受理工单", "\(report.received)", "上月 \(report.previousReceived)"]]
        for (section, counts) in [
            ("来源渠道", report.byChannel), ("诉求类型", report.byType), ("一级分类", report.byCategory),
            ("乡镇", report.byTownship), ("主办单位", report.byDepartment),
        ] {
            rows += counts.map { [section, CSVExport.text($0.label), "\($0.value)", ""] }
        }
        rows += report.rates.map { ["比率", $0.name, $0.value, "\($0.counts)；\($0.definition)；环比 \($0.change)"] }
        rows += report.topics.map {
            ["热点", CSVExport.text($0.label), "\($0.count)", CSVExport.text($0.examples.map(\.number).joined(separator: " "))]
        }
        rows += report.overdue.map { ["超期", $0.number, CSVExport.text($0.title), CSVExport.text($0.note)] }
        rows += report.dissatisfied.map { ["不满意", $0.number, CSVExport.text($0.title), CSVExport.text($0.note)] }
        return rows
    }
}
