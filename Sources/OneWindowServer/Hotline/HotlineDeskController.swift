import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The department workbench (承办单位工作台): the work orders sent to the handler's department, to sign for and to
/// answer, each with its due date and warning light (in words), the most urgent first.
struct HotlineDeskController {
    func register(_ web: any RoutesBuilder) {
        web.grouped(RoleGuard(HotlineAccess.departmentDesk)).get(.hotlineDesk, use: desk)
    }

    struct Context: Encodable {
        let page: PageChrome
        let department: String?
        let toSign: [HotlineWebController.ListContext.Row]
        let inHand: [HotlineWebController.ListContext.Row]
        let done: [HotlineWebController.ListContext.Row]
    }

    func desk(req: Request) async throws -> View {
        let staff = try req.auth.require(Staff.self)
        let region = req.settings.region.value
        guard let department = staff.$department.id else {
            return try await req.view.render(
                "hotline/desk",
                Context(
                    page: PageChrome(request: req, title: "承办单位工作台"),
                    department: nil, toSign: [], inHand: [], done: []))
        }
        let assignments = try await WorkOrderAssignment.scoped(on: req.db, to: region)
            .filter(\.$department.$id == department).filter(\.$active == true).all()
        let ids = assignments.map { $0.$workOrder.id }
        let unsigned = Set(assignments.filter { $0.signedForAt == nil }.map { $0.$workOrder.id })
        let orders = ids.isEmpty ? [] : try await WorkOrder.query(on: req.db).filter(\.$id ~~ ids).all()
        let presentation = try await HotlinePresentation(req)
        // The running deadline first: the earliest due on top.
        let open = orders.filter { $0.state == .dispatched || $0.state == .handling }
            .sorted {
                ((HotlinePresentation.runningDeadline($0)?.due) ?? .distantFuture)
                    < ((HotlinePresentation.runningDeadline($1)?.due) ?? .distantFuture)
            }
        let toSign = open.filter { unsigned.contains($0.id!) }
        let inHand = open.filter { !unsigned.contains($0.id!) }
        let done = orders.filter { !($0.state == .dispatched || $0.state == .handling) }.sorted { $0.updatedAt > $1.updatedAt }.prefix(30)
        let name = try await Department.find(department, on: req.db)?.shortName
        return try await req.view.render(
            "hotline/desk",
            Context(
                page: PageChrome(request: req, title: "承办单位工作台"), department: name,
                toSign: try await presentation.rows(toSign), inHand: try await presentation.rows(inHand),
                done: try await presentation.rows(Array(done))))
    }
}
