import Fluent
import Foundation
import OneWindowCore
import Vapor

/// One work order's page and its steps. The hotline's staff see every order and dispatch, approve extensions,
/// 催办/督办, call back and close; a department's handlers see the orders sent to their department and sign for,
/// return, reply and ask for an extension. Contact data is masked; the full view is audited.
struct HotlineOrderController {
    static let staffRoles: Set<Role> = HotlineAccess.hotline.union(HotlineAccess.departmentDesk)

    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(Self.staffRoles))
        staff.get(.hotlineOrder, use: show)
        staff.post(.hotlineOrderPersonal, use: showPersonal)
        staff.post(.hotlineOrderStep, use: step)
    }

    struct Context: Encodable {
        struct Assignment: Encodable {
            let department: String; let role: String; let signedFor: String?; let active: Bool; let ended: String
        }
        struct Entry: Encodable { let at: String; let who: String; let summary: String }
        struct Linked: Encodable { let id: String; let number: String; let title: String }
        let page: PageChrome
        let id: String
        let number: String
        let state: String
        let stateValue: String
        let channel: String
        let type: String
        let urgency: String
        let appellant: String
        let phone: String
        let unmasked: Bool
        let title: String
        let content: String
        let address: String
        let township: String
        let place: String?
        let category: String
        let received: String
        let signDue: String?
        let replyDue: String?
        let callbackDue: String?
        let light: String?
        let lightLabel: String?
        let reply: String?
        let repliedBy: String?
        let replied: String?
        let satisfaction: String?
        let callbackNote: String
        let firstSatisfaction: String?
        let returnReason: String?
        let extensionRequest: String?
        let extended: String?
        let urges: Int
        let supervised: Bool
        let reopened: Int
        let mergedInto: Linked?
        let merged: [Linked]
        let assignments: [Assignment]
        let timeline: [Entry]
        let error: String?
        let notice: String?
        /// What the viewer may do now.
        let isHotline: Bool
        let myDepartment: String?
        let canSignFor: Bool
        let canReturn: Bool
        let canReply: Bool
        let canAskExtension: Bool
        let canDispatch: Bool
        let canCallback: Bool
        let canSeePersonal: Bool
        let canClose: Bool
        let canUrge: Bool
        let canMerge: Bool
        let categories: [SelectOption]
        let departments: [SelectOption]
        let satisfactions: [SelectOption]
        /// The classifier's top 3 for an order waiting for dispatch: `推荐：城乡建设（62%）、…`.
        let suggestion: String?
    }

    func show(req: Request) async throws -> Response {
        try await render(req, error: nil, status: .ok)
    }

    /// 查看完整联系方式: the appellant's name and phone, to call back, when the access policy allows it (403, audited,
    /// otherwise); the view is audited.
    func showPersonal(req: Request) async throws -> Response {
        let order = try await load(req, for: .personal)
        try await Audit.record(
            on: req.db, region: req.settings.region.value, actor: req.actor, action: "personal_data.view",
            entityType: "work_order", entityID: order.id?.uuidString,
            summary: "查看工单 \(order.number) 诉求人完整联系方式", at: req.now)
        return try await render(req, error: nil, status: .ok, unmasked: true)
    }

    func step(req: Request) async throws -> Response {
        let order = try await load(req)
        let id = try order.requireID()
        let staff = try req.auth.require(Staff.self)
        let form = try req.formFields()
        let service = try await HotlineService(req)
        let isHotline = !HotlineAccess.hotline.isDisjoint(with: staff.roles)
        func hotlineOnly() throws { guard isHotline else { throw PlatformError.forbidden } }
        func department() throws -> UUID {
            guard let department = staff.$department.id else { throw HotlineError.notAssigned("您的账号未关联承办单位，请联系管理员") }
            return department
        }
        let notice: String
        do {
            // `notice` is one of `Self.notices`' keys.
            switch req.parameters.get("step") ?? "" {
            case "dispatch":
                try hotlineOnly()
                var check = FormCheck()
                let lead = check.uuid(form["lead"], field: "lead", label: "主办单位", required: true)
                let category = check.uuid(form["category"], field: "category", label: "分类", required: false)
                guard check.isValid, let lead else {
                    throw PlatformError.invalidField(.init(field: "lead", message: check.errors.values.sorted().joined(separator: "；")))
                }
                _ = try await service.dispatch(
                    id,
                    .init(
                        lead: lead, helpers: (form.list("helpers") + form.list("helpers[]")).compactMap(UUID.init(uuidString:)),
                        categoryID: category))
                notice = "dispatched"
            case "sign-for":
                _ = try await service.signFor(id, department: try department())
                notice = "signed"
            case "return":
                _ = try await service.returnOrder(id, department: try department(), reason: form["reason"] ?? "")
                notice = "returned"
            case "reply":
                if isHotline, staff.$department.id == nil || order.state == .registered {
                    _ = try await service.reply(id, text: form["reply"] ?? "", department: nil)
                } else {
                    _ = try await service.reply(id, text: form["reply"] ?? "", department: try department())
                }
                notice = "replied"
            case "extension":
                guard let days = Int(TextNormalization.normalize(form["days"] ?? "")) else {
                    throw PlatformError.invalidField(.init(field: "days", message: "延期天数须为 1 至 10 的整数"))
                }
                _ = try await service.requestExtension(id, department: try department(), days: days, reason: form["reason"] ?? "")
                notice = "extension"
            case "extension-decision":
                try hotlineOnly()
                _ = try await service.decideExtension(id, approve: form["approve"] == "1")
                notice = form["approve"] == "1" ? "extensionApproved" : "extensionRefused"
            case "urge", "supervise":
                try hotlineOnly()
                let supervise = req.parameters.get("step") == "supervise"
                _ = try await service.urge(id, supervise: supervise, note: form["note"] ?? "")
                notice = supervise ? "supervised" : "urged"
            case "callback":
                try hotlineOnly()
                guard let satisfaction = form["satisfaction"].flatMap(Satisfaction.init(rawValue:)) else {
                    throw PlatformError.invalidField(.init(field: "satisfaction", message: "请选择回访满意度"))
                }
                let after = try await service.callback(id, satisfaction: satisfaction, note: form["note"] ?? "")
                notice = after.state == .handling ? "reopened" : "calledBack"
            case "close":
                try hotlineOnly()
                _ = try await service.close(id)
                notice = "closed"
            case "merge":
                try hotlineOnly()
                let text = form["into"] ?? ""
                guard let number = WorkOrderNumber(parsing: text),
                    let master = try await WorkOrder.scoped(on: req.db, to: req.settings.region.value)
                        .filter(\.$number == number.description).first()
                else {
                    throw PlatformError.invalidField(.init(field: "into", message: "请填写要并入的工单编号（如 12345-20250305-00012）"))
                }
                _ = try await service.merge(id, into: try master.requireID())
                notice = "merged"
            default:
                throw PlatformError.notFound(what: "操作")
            }
        } catch let error as DomainError where error.status != .notFound {
            return try await render(req, error: error.formMessage, status: error.status)
        }
        return req.redirect(to: SiteRoute.hotlineOrder.path(id, query: ["notice": notice]))
    }

    /// The confirmations a step redirects with (`?notice=dispatched`); any other value shows nothing.
    static let notices: [String: String] = [
        "registered": "已受理", "registeredDispatched": "已受理并派单", "registeredMerged": "已受理并并单", "registeredAnswered": "已受理并当场答复",
        "dispatched": "已派单", "signed": "已签收", "returned": "已退单，热线将改派", "replied": "已答复，已短信告知诉求人",
        "extension": "已提交延期申请，等待热线审批", "extensionApproved": "已批准延期", "extensionRefused": "已不批准延期",
        "supervised": "已督办", "urged": "已催办", "reopened": "已回访：不满意，已退回主办单位重办", "calledBack": "已回访",
        "closed": "已办结", "merged": "已并单",
    ]

}
