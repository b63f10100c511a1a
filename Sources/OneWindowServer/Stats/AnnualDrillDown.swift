import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The records behind one figure of the annual report (`/annual/records?year=2024&line=cases.instant&page=3`): the
/// same filters as the figure's count, so the list's total is the figure (rates list their denominator's records, with
/// the numerator's condition shown in a column). Personal data is not listed; free text is masked (`Masking.redact`).
enum AnnualDrillDown {
    struct Cell: Encodable, Sendable {
        let text: String
        var link: String? = nil
    }

    struct Context: Encodable {
        let page: PageChrome
        let year: Int
        let title: String
        let definition: String
        let total: String
        let columns: [String]
        let rows: [[Cell]]
        let pager: Pager
        let back: String
    }

    static let per = 50

    static func page(req: Request) async throws -> View {
        let year = try AnnualReportController.year(req)
        let lineID = (try? req.query.get(String.self, at: "line")) ?? ""
        let region = req.settings.region.value, zone = req.settings.timeZone
        let first = LocalDate(year: year, month: 1, day: 1)!, next = LocalDate(year: year + 1, month: 1, day: 1)!
        let start = first.instant(in: zone), end = next.instant(in: zone)
        let requested = min(max(1, (try? req.query.get(Int.self, at: "page")) ?? 1), 1_000_000)
        let offset = (requested - 1) * per
        func time(_ date: Date?) -> String { date.map { LocalTime.format($0, in: zone) } ?? "—" }

        let title: String
        let definition: String
        let columns: [String]
        var rows: [[Cell]] = []
        let total: Int

        switch lineID {
        case "hall.consultations":
            title = "咨询记录"
            definition = Indicators.consultationsDefinition
            columns = ["时间", "帮办员", "事项", "记录"]
            let query = Assistance.scoped(on: req.db, to: region).filter(\.$kind == .consult)
                .filter(\.$day >= first.description).filter(\.$day < next.description)
            total = try await query.count()
            rows = try await query.sort(\.$occurredAt).sort(\.$id).range(offset..<(offset + per)).all().map {
                [
                    Cell(text: time($0.occurredAt)), Cell(text: $0.staffName), Cell(text: $0.itemName ?? "—"),
                    Cell(text: Masking.redact($0.note ?? "")),
                ]
            }
        case "cases.approval", "cases.instant", "cases.promised", "cases.service", "cases.volume", "cases.online", "cases.on_time":
            let query = Case.scoped(on: req.db, to: region)
            switch lineID {
            case "cases.on_time":
                title = "期间内办结的办件（按时办结率的分母）"
                definition = CaseMetrics.onTimeDefinition
                query.filter(\.$completedAt >= start).filter(\.$completedAt < end)
            default:
                query.filter(\.$acceptedOn >= first.description).filter(\.$acceptedOn < next.description)
                switch lineID {
                case "cases.approval":
                    title = "受理的审批事项办件"
                    definition = Indicators.approvalCasesDefinition
                    query.group(.or) { $0.filter(\.$itemCategory != .publicService).filter(\.$itemCategory == nil) }
                case "cases.instant":
                    title = "受理的审批事项办件：即办件"
                    definition = Indicators.approvalCasesDefinition
                    query.group(.or) { $0.filter(\.$itemCategory != .publicService).filter(\.$itemCategory == nil) }.filter(
                        \.$caseType == .instant)
                case "cases.promised":
                    title = "受理的审批事项办件：承诺件（含联办、上报）"
                    definition = Indicators.approvalCasesDefinition
                    query.group(.or) { $0.filter(\.$itemCategory != .publicService).filter(\.$itemCategory == nil) }.filter(
                        \.$caseType != .instant)
                case "cases.service":
                    title = "受理的服务事项办件"
                    definition = Indicators.serviceRequestsDefinition
                    query.filter(\.$itemCategory == .publicService)
                case "cases.online":
                    title = "网上申报受理的办件"
                    definition = Indicators.onlineCasesDefinition
                    query.filter(\.$channel == .online)
                default:
                    title = "受理的全部办件"
                    definition = Indicators.hallVolumeDefinition
                }
            }
            columns = ["办件编号", "事项", "部门", "类型", "渠道", "受理时间", "承诺期限", "办结时间", "按时"]
            total = try await query.count()
            rows = try await query.sort(\.$acceptedAt).sort(\.$id).range(offset..<(offset + per)).all().map { record in
                let onTime = record.completedAt.map { done in record.dueAt.map { done <= $0 ? "是" : "否" } ?? "否" } ?? "—"
                return [
                    Cell(text: record.caseNumber, link: SiteRoute.caseRecord.path(record.id!)), Cell(text: record.itemName),
                    Cell(text: record.departmentName), Cell(text: record.caseType.label), Cell(text: record.channel.label),
                    Cell(text: time(record.acceptedAt)), Cell(text: time(record.dueAt)), Cell(text: time(record.completedAt)),
                    Cell(text: onTime),
                ]
            }
        case let id where id.hasPrefix("hotline."):
            let query = WorkOrder.scoped(on: req.db, to: region).filter(\.$state != .merged)
            let definitions = Indicators.annualHotlineDefinitions
            query.filter(\.$receivedAt >= start).filter(\.$receivedAt < end)
            switch id {
            case "hotline.sign_for":
                title = "本年受理并已派单的工单（签收率的分母）"
                definition = definitions["签收率"] ?? ""
                query.filter(\.$dispatchedAt != nil)
            case "hotline.on_time":
                title = "本年受理并已答复的工单（按期办结率的分母）"
                definition = definitions["按期办结率"] ?? ""
                query.filter(\.$repliedAt != nil).filter(\.$replyDueAt != nil)
            case "hotline.satisfaction":
                title = "本年受理并已回访的工单（回访满意率的分母）"
                definition = definitions["回访满意率"] ?? ""
                query.filter(\.$sealedPhone != nil).filter(\.$sourceRef == nil).filter(\.$calledBackAt != nil)
            case "hotline.closed_on_time":
                title = "本年受理、在期限内答复的工单"
                definition = definitions["按期办结率"] ?? ""
                query.filter(\.$repliedAt != nil).filter(\.$replyDueAt != nil).filter(\.$repliedAt, .lessThanOrEqual, \.$replyDueAt)
            default:
                definition = id == "hotline.close" ? definitions["办结率"] ?? "" : Indicators.workOrdersDefinition
                if id.hasPrefix("hotline.channel."), let channel = HotlineChannel(rawValue: String(id.dropFirst("hotline.channel.".count)))
                {
                    title = "本年受理的工单：\(channel.label)"
                    query.filter(\.$channel == channel)
                } else if id == "hotline.channel.other" {
                    title = "本年受理的工单：其他渠道"
                    query.filter(\.$channel ~~ [.window, .letter, .api])
                } else {
                    title = id == "hotline.close" ? "本年受理的工单（办结率的分母）" : "本年受理的工单"
                }
            }
            columns = ["工单编号", "渠道", "类型", "标题", "受理时间", "答复期限", "答复时间", "状态", "首次回访"]
            total = try await query.count()
            rows = try await query.sort(\.$receivedAt).sort(\.$id).range(offset..<(offset + per)).all().map { order in
                [
                    Cell(text: order.number, link: SiteRoute.hotlineOrder.path(order.id!)), Cell(text: order.channel.label),
                    Cell(text: order.appealType.label), Cell(text: Masking.redact(order.title)), Cell(text: time(order.receivedAt)),
                    Cell(text: time(order.replyDueAt)), Cell(text: time(order.repliedAt)), Cell(text: order.state.label),
                    Cell(text: (order.firstSatisfaction ?? order.satisfaction)?.label ?? "—"),
                ]
            }
        case "ratings.count", "ratings.bad", "ratings.satisfied":
            title = lineID == "ratings.bad" ? "期间内的差评" : "期间内的好差评（整体满意度）"
            definition = Indicators.ratingsDefinition
            let query = Rating.scoped(on: req.db, to: region).filter(\.$item == .overall)
                .filter(\.$ratedAt >= start).filter(\.$ratedAt < end)
            if lineID == "ratings.bad" { query.filter(\.$level ~~ [.dissatisfied, .veryDissatisfied]) }
            columns = ["评价时间", "评价对象", "部门", "窗口", "工作人员", "评价", "渠道"]
            total = try await query.count()
            rows = try await query.sort(\.$ratedAt).sort(\.$id).range(offset..<(offset + per)).all().map { rating in
                [
                    Cell(text: time(rating.ratedAt)), Cell(text: Masking.redact(rating.subjectLabel)),
                    Cell(text: rating.departmentName ?? "—"),
                    Cell(text: rating.windowNumber ?? "—"), Cell(text: rating.staffName ?? "—"),
                    Cell(text: rating.level.label + (rating.isDefault ? "（默认）" : "")), Cell(text: rating.channel.label),
                ]
            }
        case "items.compression", "items.compression_mean", "items.fully_online":
            title = "当前发布的事项目录"
            definition =
                lineID == "items.fully_online"
                ? CaseMetrics.fullyOnlineDefinition
                : (lineID == "items.compression" ? CaseMetrics.aggregateCompressionDefinition : CaseMetrics.meanCompressionDefinition)
            let query = ServiceItem.scoped(on: req.db, to: region).filter(\.$status == .published)
            columns = ["事项编码", "事项名称", "部门", "法定时限（工作日）", "承诺时限（工作日）", "压缩", "全程网办"]
            total = try await query.count()
            rows = try await query.sort(\.$itemCode).range(offset..<(offset + per)).all().map { item in
                let compression: String
                if let statutory = item.statutoryDays, statutory > 0, let promised = item.promisedDays {
                    compression = String(format: "%.2f%%", (1 - promised / statutory) * 100)
                } else {
                    compression = "不计（无法定时限）"
                }
                return [
                    Cell(text: item.itemCode), Cell(text: item.name), Cell(text: item.departmentName ?? "—"),
                    Cell(text: item.statutoryDays.map { CaseFigures.format($0) } ?? "—"),
                    Cell(text: item.promisedDays.map { CaseFigures.format($0) } ?? "—"),
                    Cell(text: compression), Cell(text: item.fullyOnline == true ? "是" : "否"),
                ]
            }
        default:
            throw PlatformError.invalidField(FieldError(field: "line", message: "没有这个指标：\(String(lineID.prefix(40)))"))
        }

        let link = { (page: Int) in SiteRoute.annualRecords.path(query: ["year": "\(year)", "line": lineID, "page": "\(page)"]) }
        return try await req.view.render(
            "stats/records",
            Context(
                page: PageChrome(request: req, title: "\(year) 年 · \(title)"), year: year, title: title, definition: definition,
                total: AnnualReport.grouped(total), columns: columns, rows: rows,
                pager: Pager(page: requested, per: per, total: total, link: link),
                back: SiteRoute.annual.path(query: ["year": "\(year)"], fragment: lineID)))
    }
}
