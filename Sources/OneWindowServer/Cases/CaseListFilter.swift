import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The case lists' filters, defined once as conditions and applied by the staff list, its capped count, the case
/// API, the case figures and the dashboard, through Fluent or through SQL alike.
struct CaseListFilter: Sendable {
    /// The staff list's views.
    enum View: String, CaseIterable, Sendable {
        case all, queue, prereview, overdue
    }

    enum Condition: Sendable {
        case region(String)
        case states([CaseState])
        case state(CaseState)
        case currentDepartment(UUID)
        /// The case's own department (the item's), as the figures count.
        case department(UUID)
        case dueBefore(Date)
        /// Case number or item name contains the text.
        case text(String)
    }

    private(set) var conditions: [Condition]

    /// Every case of `region`.
    init(region: String) { conditions = [.region(region)] }

    /// The cases a view lists: `queue` the department's accepted, unfinished cases (all departments' when
    /// `department` is nil); `prereview` the online applications waiting; `overdue` by `overdue(now:)`.
    init(region: String, view: View, department: UUID?, now: Date) {
        self.init(region: region)
        switch view {
        case .queue:
            conditions.append(.states([.accepted, .inReview, .paused, .decided]))
            if let department { conditions.append(.currentDepartment(department)) }
        case .prereview:
            conditions.append(.state(.submitted))
        case .overdue:
            self = overdue(now: now)
        case .all:
            break
        }
    }

    /// 超期 (RULES.md): the clock runs and the promised deadline has passed (`CaseState.isOverdue`).
    func overdue(now: Date) -> CaseListFilter { adding(.states(CaseState.clockRunning)).adding(.dueBefore(now)) }

    func adding(_ condition: Condition) -> CaseListFilter {
        var copy = self
        copy.conditions.append(condition)
        return copy
    }

    /// The conditions on a Fluent query of cases.
    @discardableResult
    func apply(to query: QueryBuilder<Case>) -> QueryBuilder<Case> {
        for condition in conditions {
            switch condition {
            case .region(let region): query.filter(\.$regionCode == region)
            case .states(let states): query.filter(\.$state ~~ states)
            case .state(let state): query.filter(\.$state == state)
            case .currentDepartment(let id): query.filter(\.$currentDepartmentID == id)
            case .department(let id): query.filter(\.$department.$id == id)
            case .dueBefore(let instant): query.filter(\.$dueAt < instant)
            case .text(let text): query.group(.or) { $0.filter(\.$caseNumber ~~ text).filter(\.$itemName ~~ text) }
            }
        }
        return query
    }

    /// A Fluent query of the filtered cases.
    func query(on db: any Database) -> QueryBuilder<Case> { apply(to: Case.query(on: db)) }

    /// The conditions on an SQL select from `cases` (for the capped count).
    func apply(to select: SQLSelectBuilder) {
        func list(_ states: [CaseState]) -> SQLGroupExpression { SQLGroupExpression(states.map { SQLBind($0.rawValue) }) }
        for condition in conditions {
            switch condition {
            case .region(let region): select.where("region_code", .equal, SQLBind(region))
            case .states(let states): select.where("state", .in, list(states))
            case .state(let state): select.where("state", .equal, SQLBind(state.rawValue))
            case .currentDepartment(let id): select.where("current_department_id", .equal, SQLBind(id))
            case .department(let id): select.where("department_id", .equal, SQLBind(id))
            case .dueBefore(let instant): select.where("due_at", .lessThan, SQLBind(instant))
            case .text(let text):
                let pattern = "%" + text + "%"
                select.where { $0.where("case_number", .like, SQLBind(pattern)).orWhere("item_name", .like, SQLBind(pattern)) }
            }
        }
    }

    /// How many cases match, up to `cap + 1`: `SELECT count(*) FROM (SELECT 1 … LIMIT cap + 1)`, so the database stops
    /// at the cap instead of counting a year (Fluent has no count of a limited query).
    func cappedCount(_ cap: Int, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let inner = sql.select().column(SQLLiteral.numeric("1")).from(Case.schema)
        apply(to: inner)
        inner.limit(cap + 1)
        let row = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.query), as: SQLIdentifier("limited"))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}
