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
            (try? req.query.get(String.self, at: "view")).flatMap(CaseListFilter.View.init(rawValue:))
            ?? (staff.has(.approver) && !staff.has(.clerk) ? .queue : .all)
        let state = (try? req.query.get(String.self, at: "state")).flatMap(CaseState.init(rawValue:))
        let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "q")).map { String($0.prefix(60)) }
        let page = req.pageParameter
        let per = 50
        let now = req.now
        var filter = CaseListFilter(region: req.settings.region.value, view: view, department: staff.$department.id, now: now)
        if let state { filter = filter.adding(.state(state)) }
        if let text { filter = filter.adding(.text(text)) }
        let query = filter.query(on: req.db)
        let (heading, explanation): (String, String) =
            switch view {
            case .queue:
                ("部门审批队列", staff.$department.id == nil ? "全部部门已受理、未办结的办件。" : "本部门（当前环节）已受理、未办结的办件，按承诺期限先后排列。")
            case .prereview: ("网上申报预审", "网上申报的办件在此预审：材料齐全即受理（开始计时），否则不予受理并说明理由。")
            case .overdue: ("超期办件（督办）", "已超过承诺期限仍未办结的办件（暂停计时中的不计）。")
            case .all: ("办件查询", "全部办件，最新登记的在前。")
            }
        // A year holds hundreds of thousands of cases: counting them all on every page view would take the single SQLite
        // connection for a tenth of a second, so the list counts up to `countCap` and says "more than" beyond it.
        let counted = try await filter.cappedCount(Self.countCap, on: req.db)
        let total = min(counted, Self.countCap)
        if view == .queue || view == .overdue {
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
                [.init(name: "view", value: view.rawValue), .init(name: "page", value: String(number))]
                + (state.map { [.init(name: "state", value: $0.rawValue)] } ?? []) + (text.map { [.init(name: "q", value: $0)] } ?? [])
            return components.string ?? SiteRoute.cases.path()
        }
        let views = [("all", "全部办件"), ("queue", "审批队列"), ("prereview", "网上预审"), ("overdue", "超期督办")]
        return try await req.view.render(
            "cases/list",
            Context(
                page: PageChrome(request: req, title: heading), rows: rows, total: total,
                pager: Pager(page: page, per: per, total: total, link: link),
                view: view.rawValue, views: views.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == view.rawValue) },
                states: CaseState.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == state) }, q: text ?? "",
                heading: heading,
                explanation: counted > Self.countCap
                    ? explanation + "超过 \(Self.countCap) 件，只列出最新的 \(Self.countCap) 件；请用编号、事项或状态缩小范围。" : explanation))
    }

    /// The most cases a list counts and pages through (200 pages of 50).
    static let countCap = 10_000

    static func applicants(of records: [Case], on db: any Database) async throws -> [UUID: Applicant] {
        let ids = Array(Set(records.map { $0.$applicant.id } + records.compactMap { $0.$proxy.id }))
        guard !ids.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await Applicant.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) })
    }
}
