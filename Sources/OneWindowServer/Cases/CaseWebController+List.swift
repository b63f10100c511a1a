import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseWebController {
    // MARK: Lists

    /// `/cases?view=all|queue|prereview|overdue&state=&q=&page=`: every list shows the deadline light in words.
    func list(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome; let rows: [CaseRow]; let total: Int; let pager: Pager; let view: String; let views: [SelectOption]
            let states: [SelectOption]; let q: String; let heading: String; let explanation: String
        }
        let staff = try req.auth.require(Staff.self)
        let view =
            (try? req.query.get(String.self, at: "view")).flatMap { ["all", "queue", "prereview", "overdue"].contains($0) ? $0 : nil }
            ?? (staff.has(.approver) && !staff.has(.clerk) ? "queue" : "all")
        let state = (try? req.query.get(String.self, at: "state")).flatMap(CaseState.init(rawValue:))
        let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "q")).map { String($0.prefix(60)) }
        let page = req.pageParameter
        let per = 50
        let now = req.now
        let query = Case.query(on: req.db).filter(\.$regionCode == req.settings.region.value)
        let heading: String
        let explanation: String
        switch view {
        case "queue":
            heading = "部门审批队列"
            explanation = staff.$department.id == nil ? "全部部门已受理、未办结的办件。" : "本部门（当前环节）已受理、未办结的办件，按承诺期限先后排列。"
            query.filter(\.$state ~~ [.accepted, .inReview, .paused, .decided])
            if let department = staff.$department.id { query.filter(\.$currentDepartmentID == department) }
        case "prereview":
            heading = "网上申报预审"
            explanation = "网上申报的办件在此预审：材料齐全即受理（开始计时），否则不予受理并说明理由。"
            query.filter(\.$state == .submitted)
        case "overdue":
            heading = "超期办件（督办）"
            explanation = "已超过承诺期限仍未办结的办件（暂停计时中的不计）。"
            query.filter(\.$state ~~ [.accepted, .inReview, .decided]).filter(\.$dueAt < now)
        default:
            heading = "办件查询"
            explanation = "全部办件，最新登记的在前。"
        }
        if let state { query.filter(\.$state == state) }
        if let text { query.group(.or) { $0.filter(\.$caseNumber ~~ text).filter(\.$itemName ~~ text) } }
        // A year holds hundreds of thousands of cases: counting them all on every page view would take the single SQLite
        // connection for a tenth of a second, so the list counts up to `countCap` and says "more than" beyond it.
        let counted = try await Self.cappedCount(req, view: view, staff: staff, state: state, text: text, now: now)
        let total = min(counted, Self.countCap)
        if view == "queue" || view == "overdue" {
            query.sort(\.$dueAt).sort(\.$caseNumber)
        } else {
            query.sort(\.$caseNumber, .descending)
        }
        let records = try await query.range(((page - 1) * per)..<(page * per)).all()
        let applicants = try await Self.applicants(of: records, on: req.db)
        let calendar = try await req.workingCalendar()
        let zone = req.settings.timeZone
        let rows = records.map { CaseRow($0, applicant: applicants[$0.$applicant.id], now: now, calendar: calendar, zone: zone) }
        func link(_ number: Int) -> String {
            var components = URLComponents()
            components.path = SiteRoute.cases.path()
            components.queryItems =
                [.init(name: "view", value: view), .init(name: "page", value: String(number))]
                + (state.map { [.init(name: "state", value: $0.rawValue)] } ?? []) + (text.map { [.init(name: "q", value: $0)] } ?? [])
            return components.string ?? SiteRoute.cases.path()
        }
        let views = [("all", "全部办件"), ("queue", "审批队列"), ("prereview", "网上预审"), ("overdue", "超期督办")]
        return try await req.view.render(
            "cases/list",
            Context(
                page: PageChrome(request: req, title: heading), rows: rows, total: total,
                pager: Pager(page: page, per: per, total: total, link: link),
                view: view, views: views.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == view) },
                states: CaseState.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == state) }, q: text ?? "",
                heading: heading,
                explanation: counted > Self.countCap
                    ? explanation + "超过 \(Self.countCap) 件，只列出最新的 \(Self.countCap) 件；请用编号、事项或状态缩小范围。" : explanation))
    }

    /// The most cases a list counts and pages through (200 pages of 50).
    static let countCap = 10_000

    /// The list's count, up to `countCap + 1`, with the list's filters: `SELECT count(*) FROM (SELECT 1 … LIMIT n)`, so
    /// the database stops at the cap instead of counting a year (Fluent has no count of a limited query).
    static func cappedCount(_ req: Request, view: String, staff: Staff, state: CaseState?, text: String?, now: Date) async throws -> Int {
        let sql = req.db as! any SQLDatabase
        let inner = sql.select().column(SQLLiteral.numeric("1")).from(Case.schema).where(
            "region_code", .equal, SQLBind(req.settings.region.value))
        func states(_ list: [CaseState]) -> SQLGroupExpression { SQLGroupExpression(list.map { SQLBind($0.rawValue) }) }
        switch view {
        case "queue":
            inner.where("state", .in, states([.accepted, .inReview, .paused, .decided]))
            if let department = staff.$department.id { inner.where("current_department_id", .equal, SQLBind(department)) }
        case "prereview":
            inner.where("state", .equal, SQLBind(CaseState.submitted.rawValue))
        case "overdue":
            inner.where("state", .in, states([.accepted, .inReview, .decided])).where("due_at", .lessThan, SQLBind(now))
        default:
            break
        }
        if let state { inner.where("state", .equal, SQLBind(state.rawValue)) }
        if let text {
            let pattern = "%" + text + "%"
            inner.where { $0.where("case_number", .like, SQLBind(pattern)).orWhere("item_name", .like, SQLBind(pattern)) }
        }
        inner.limit(countCap + 1)
        let row = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.query), as: SQLIdentifier("limited"))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static func applicants(of records: [Case], on db: any Database) async throws -> [UUID: Applicant] {
        let ids = Array(Set(records.map { $0.$applicant.id } + records.compactMap { $0.$proxy.id }))
        guard !ids.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await Applicant.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) })
    }
}
