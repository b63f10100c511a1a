import Foundation

/// 数说成绩单 (GLOSSARY.md `AnnualReport`): the centre's figures for one calendar year from its own records, line by
/// line as in SEED-FIGURES.md, each with last year's figure, the change, its definition and the key of the drill-down
/// list of records behind it.
public struct AnnualReport: Sendable, Equatable {
    /// A figure's value.
    public enum Value: Sendable, Equatable {
        case count(Int)
        /// A rate with the counts behind it, shown with `decimals` places of percent.
        case ratio(Ratio, decimals: Int)
        /// The records this figure needs are not kept (yet); the text says why.
        case unavailable(String)

        /// `315,718`, `95.59%`, `—`.
        public var text: String {
            switch self {
            case .count(let count): return AnnualReport.grouped(count)
            case .ratio(let ratio, let decimals): return ratio.percent(decimals: decimals)
            case .unavailable: return "—"
            }
        }

        /// The plain number for CSV (`315718`, `0.9559`), empty when undefined.
        public var plain: String {
            switch self {
            case .count(let count): return String(count)
            case .ratio(let ratio, _): return ratio.value.map { String(format: "%.6f", $0) } ?? ""
            case .unavailable: return ""
            }
        }
    }

    public struct Line: Sendable, Equatable, Identifiable {
        /// Stable key: the drill-down route and the CSV's first column (`cases.instant`, `hotline.channel.phone` …).
        public let id: String
        /// 大厅, 12345, 事项, 好差评.
        public let area: String
        public let name: String
        public let value: Value
        public let previous: Value
        /// `+106.0%` for counts, `+2.41个百分点` for rates, `—` when there is nothing to compare with.
        public let change: String
        public let definition: String
        /// Whether a list of records stands behind the figure.
        public let drillable: Bool
    }

    public let year: Int
    public let lines: [Line]

    /// The catalogue's items now: the item-based figures (压缩比率, 全程网办率) describe the catalogue, which has no history.
    public init(year: Int, current: PeriodTally, previous: PeriodTally, items: [CaseMetrics.ItemLimits]) {
        self.year = year
        var lines: [Line] = []
        func count(_ id: String, _ area: String, _ name: String, _ now: Int, _ before: Int, _ definition: String, drillable: Bool = true) {
            let change = Indicators.change(now, from: before).map { Self.signedPercent($0) } ?? "—"
            lines.append(
                Line(
                    id: id, area: area, name: name, value: .count(now), previous: .count(before), change: change,
                    definition: definition, drillable: drillable))
        }
        func rate(
            _ id: String, _ area: String, _ name: String, _ now: Ratio, _ before: Ratio?, _ definition: String, decimals: Int = 1,
            drillable: Bool = true
        ) {
            let change = before.flatMap { Indicators.pointChange(now, from: $0) }.map { Self.signedPoints($0) } ?? "—"
            lines.append(
                Line(
                    id: id, area: area, name: name, value: .ratio(now, decimals: decimals),
                    previous: before.map { .ratio($0, decimals: decimals) } ?? .unavailable("目录无历史版本"), change: change,
                    definition: definition, drillable: drillable))
        }

        let approval = Indicators.approvalCases(current), approvalBefore = Indicators.approvalCases(previous)
        count(
            "hall.consultations", "大厅", "咨询量", Indicators.consultations(current), Indicators.consultations(previous),
            Indicators.consultationsDefinition)
        count("cases.approval", "大厅", "受理审批事项", approval.total, approvalBefore.total, Indicators.approvalCasesDefinition)
        count("cases.instant", "大厅", "其中即办件", approval.instant, approvalBefore.instant, Indicators.approvalCasesDefinition)
        count("cases.promised", "大厅", "其中承诺件", approval.promised, approvalBefore.promised, Indicators.approvalCasesDefinition)
        rate("cases.on_time", "大厅", "按时办结率", Indicators.onTimeRate(current), Indicators.onTimeRate(previous), CaseMetrics.onTimeDefinition)
        count(
            "cases.service", "大厅", "办理服务事项", Indicators.serviceRequests(current), Indicators.serviceRequests(previous),
            Indicators.serviceRequestsDefinition)
        count(
            "cases.volume", "大厅", "大厅办件总量", Indicators.hallVolume(current), Indicators.hallVolume(previous), Indicators.hallVolumeDefinition
        )

        count(
            "hotline.orders", "12345", "工单量", Indicators.workOrders(current), Indicators.workOrders(previous),
            Indicators.workOrdersDefinition)
        let shown: [HotlineChannel] = [.wechat, .website, .app, .phone]
        for channel in shown {
            count(
                "hotline.channel.\(channel.rawValue)", "12345", "其中\(channel.label)", current.workOrdersByChannel[channel] ?? 0,
                previous.workOrdersByChannel[channel] ?? 0, Indicators.workOrdersDefinition)
        }
        let others = HotlineChannel.allCases.filter { !shown.contains($0) }
        let otherNow = others.reduce(0) { $0 + (current.workOrdersByChannel[$1] ?? 0) }
        let otherBefore = others.reduce(0) { $0 + (previous.workOrdersByChannel[$1] ?? 0) }
        if otherNow + otherBefore > 0 {
            count("hotline.channel.other", "12345", "其中其他渠道（窗口、信件、接口）", otherNow, otherBefore, Indicators.workOrdersDefinition)
        }
        let definitions = Indicators.annualHotlineDefinitions
        count(
            "hotline.closed_on_time", "12345", "按期答复办结的工单", current.hotline.repliedOnTime, previous.hotline.repliedOnTime,
            definitions["按期办结率"] ?? "")
        rate(
            "hotline.on_time", "12345", "按期办结率", Indicators.hotlineOnTimeRate(current), Indicators.hotlineOnTimeRate(previous),
            definitions["按期办结率"] ?? "")
        rate(
            "hotline.sign_for", "12345", "签收率", Indicators.signForRate(current), Indicators.signForRate(previous), definitions["签收率"] ?? "")
        rate("hotline.close", "12345", "办结率", Indicators.closeRate(current), Indicators.closeRate(previous), definitions["办结率"] ?? "")
        rate(
            "hotline.satisfaction", "12345", "回访满意率", Indicators.callbackSatisfactionRate(current),
            Indicators.callbackSatisfactionRate(previous), definitions["回访满意率"] ?? "")

        rate(
            "items.compression", "事项", "办理时限压缩比率（总量法，本报告采用）", CaseMetrics.aggregateCompression(items), nil,
            CaseMetrics.aggregateCompressionDefinition, decimals: 2)
        rate(
            "items.compression_mean", "事项", "办理时限压缩比率（平均法）", CaseMetrics.meanCompression(items), nil,
            CaseMetrics.meanCompressionDefinition, decimals: 2)
        rate(
            "items.fully_online", "事项", "全程网办率（按事项）", CaseMetrics.fullyOnlineShare(items), nil, CaseMetrics.fullyOnlineDefinition,
            decimals: 2)
        rate(
            "cases.online", "事项", "全程网办率（按办件）", Indicators.onlineCaseRate(current), Indicators.onlineCaseRate(previous),
            Indicators.onlineCasesDefinition, decimals: 2)
        if let licence = Indicators.licenceRealTimeRate(current) {
            rate("items.licence", "事项", "电子证照实时生成率", licence, Indicators.licenceRealTimeRate(previous), Indicators.licenceDefinition)
        } else {
            lines.append(
                Line(
                    id: "items.licence", area: "事项", name: "电子证照实时生成率", value: .unavailable("电子证照模块尚未上线，暂无证照记录"),
                    previous: .unavailable("—"), change: "—", definition: Indicators.licenceDefinition, drillable: false))
        }

        let ratings = Indicators.ratings(current), ratingsBefore = Indicators.ratings(previous)
        count("ratings.count", "好差评", "评价数", ratings.count, ratingsBefore.count, Indicators.ratingsDefinition)
        count("ratings.bad", "好差评", "差评数", ratings.bad, ratingsBefore.bad, Indicators.ratingsDefinition)
        rate("ratings.satisfied", "好差评", "评价满意率", ratings.satisfied, ratingsBefore.satisfied, Indicators.ratingsDefinition)
        self.lines = lines
    }

    public func line(_ id: String) -> Line? { lines.first { $0.id == id } }

    /// The table as text for the terminal (`onewindow report annual`): aligned columns, CJK counted as two cells wide.
    public var terminalTable: String {
        let header = ["领域", "指标", "\(year)年", "\(year - 1)年", "同比"]
        let rows = [header] + lines.map { [$0.area, $0.name, $0.value.text, $0.previous.text, $0.change] }
        let widths = (0..<header.count).map { column in rows.map { Self.displayWidth($0[column]) }.max() ?? 0 }
        func render(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - Self.displayWidth(cell))
                return column >= 2 ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([render(header), rule] + rows.dropFirst().map(render)).joined(separator: "\n")
    }

    // MARK: Formatting

    /// `315718` → `315,718`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `1.06` → `+106.0%`.
    public static func signedPercent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded(.toNearestOrAwayFromZero)
        return tenths < 0 ? String(format: "%.1f%%", tenths / 10) : String(format: "+%.1f%%", abs(tenths) / 10)
    }

    /// `0.0241` → `+2.41个百分点`.
    public static func signedPoints(_ fraction: Double) -> String {
        let hundredths = (fraction * 10000).rounded(.toNearestOrAwayFromZero)
        return hundredths < 0 ? String(format: "%.2f个百分点", hundredths / 100) : String(format: "+%.2f个百分点", abs(hundredths) / 100)
    }

    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) {
            $0
                + ($1.value >= 0x1100 && $1.properties.isIdeographic || (0xFF00...0xFFEF).contains($1.value)
                    || (0x3000...0x303F).contains($1.value) ? 2 : 1)
        }
    }
}

extension Ratio {
    /// `95.59%` with `decimals` places, rounded half away from zero; `—` when undefined.
    public func percent(decimals: Int) -> String {
        guard let value else { return "—" }
        let scale = pow(10, Double(decimals))
        let scaled = (value * 100 * scale).rounded(.toNearestOrAwayFromZero) / scale
        return String(format: "%.\(decimals)f%%", scaled)
    }
}
