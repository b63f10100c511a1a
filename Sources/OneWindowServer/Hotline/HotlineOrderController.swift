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
        staff.get("hotline", "orders", ":id", use: show)
        staff.post("hotline", "orders", ":id", "personal", use: showPersonal)
        staff.post("hotline", "orders", ":id", ":step", use: step)
    }

    struct Context: Encodable {
        struct Assignment: Encodable { let department: String; let role: String; let signedFor: String?; let active: Bool; let ended: String }
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

    /// 查看完整联系方式: the appellant's name and phone, to call back; the view is audited.
    func showPersonal(req: Request) async throws -> Response {
        let order = try await load(req)
        let staff = try req.auth.require(Staff.self)
        if HotlineAccess.hotline.isDisjoint(with: staff.roles) {
            // Of the departments, only the current lead calls the appellant.
            guard let department = staff.$department.id, order.$leadDepartment.id == department,
                  order.state == .dispatched || order.state == .handling else { throw PlatformError.forbidden }
        }
        try await Audit.record(on: req.db, region: req.settings.region.value, actor: req.actor, action: "personal_data.view",
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
                guard check.isValid, let lead else { throw PlatformError.invalidField(.init(field: "lead", message: check.errors.values.sorted().joined(separator: "；"))) }
                _ = try await service.dispatch(id, .init(lead: lead, helpers: (form.list("helpers") + form.list("helpers[]")).compactMap(UUID.init(uuidString:)), categoryID: category))
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
                      let master = try await WorkOrder.query(on: req.db).filter(\.$regionCode == req.settings.region.value)
                        .filter(\.$number == number.description).first() else {
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
        return req.redirect(to: Paths.hotline + "/orders/\(id.uuidString)?notice=" + notice)
    }

    /// The confirmations a step redirects with (`?notice=dispatched`); any other value shows nothing.
    static let notices: [String: String] = [
        "registered": "已受理", "registeredDispatched": "已受理并派单", "registeredMerged": "已受理并并单", "registeredAnswered": "已受理并当场答复",
        "dispatched": "已派单", "signed": "已签收", "returned": "已退单，热线将改派", "replied": "已答复，已短信告知诉求人",
        "extension": "已提交延期申请，等待热线审批", "extensionApproved": "已批准延期", "extensionRefused": "已不批准延期",
        "supervised": "已督办", "urged": "已催办", "reopened": "已回访：不满意，已退回主办单位重办", "calledBack": "已回访",
        "closed": "已办结", "merged": "已并单",
    ]

    private func load(_ req: Request) async throws -> WorkOrder {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let order = try await WorkOrder.find(id, on: req.db),
              order.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "工单") }
        let staff = try req.auth.require(Staff.self)
        if HotlineAccess.hotline.isDisjoint(with: staff.roles) {
            // A handler sees only the orders sent to their department (now or before).
            guard let department = staff.$department.id,
                  try await WorkOrderAssignment.query(on: req.db).filter(\.$workOrder.$id == id).filter(\.$department.$id == department).count() > 0
            else { throw PlatformError.notFound(what: "工单") }
        }
        return order
    }

    private func render(_ req: Request, error: String?, status: HTTPResponseStatus, unmasked: Bool = false) async throws -> Response {
        let order = try await load(req)
        let id = try order.requireID()
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let staff = try req.auth.require(Staff.self)
        let isHotline = !HotlineAccess.hotline.isDisjoint(with: staff.roles)
        let tree = try await HotlineCategoryTree.load(region: region, on: req.db)
        let departments = try await Department.query(on: req.db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$code).all()
        let names = Dictionary(departments.compactMap { d in d.id.map { ($0, d.shortName) } }, uniquingKeysWith: { a, _ in a })
        let assignments = try await WorkOrderAssignment.query(on: req.db).filter(\.$workOrder.$id == id).sort(\.$assignedAt).all()
        let mine = assignments.first { $0.active && $0.$department.id == staff.$department.id }
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "work_order").filter(\.$entityID == id.uuidString)
            .sort(\.$occurredAt).all()
        let merged = try await WorkOrder.query(on: req.db).filter(\.$mergedInto.$id == id).sort(\.$number).all()
        let master = try await order.$mergedInto.get(on: req.db)
        let township = try await order.townshipCode.asyncMap { try await Region.find($0, on: req.db)?.name } ?? nil
        let light = try await HotlinePresentation(req).light(order)
        let state = order.state
        let format = { (date: Date?) in date.map { LocalTime.formatDeadline($0, in: zone) } }
        let notice = (try? req.query.get(String.self, at: "notice")).flatMap { Self.notices[$0] }
        let canDispatch = isHotline && (state == .registered || state == .returned)
        var suggestion: String?
        var chosenCategory = order.$category.id
        if canDispatch {
            let found = try await req.application.hotlineDispatchModel.suggest(order.title + " " + order.content, region: region, tree: tree, on: req.db)
            if !found.isEmpty {
                suggestion = "推荐：" + found.map { "\($0.label)（\(String(format: "%.0f%%", $0.score * 100))）" }.joined(separator: "、")
            }
            if chosenCategory == nil { chosenCategory = found.first?.categoryID }
        }
        let chosenDepartment = chosenCategory.flatMap(tree.department(of:))
        let context = Context(
            page: PageChrome(request: req, title: "工单 \(order.number)"),
            id: id.uuidString, number: order.number, state: state == .handling && order.reopenCount > 0 ? "重办中" : state.label,
            stateValue: state.rawValue,
            channel: order.channel.label, type: order.appealType.label, urgency: order.urgency.label,
            appellant: order.appellantName.map { unmasked ? $0 : Masking.name($0) } ?? "匿名",
            phone: order.phone.map { unmasked ? $0 : ($0.contains("-") ? String($0.prefix(5)) + "****" : Masking.phone($0)) } ?? "未留电话",
            unmasked: unmasked,
            title: order.title, content: order.content, address: order.address, township: township ?? "",
            place: order.latitude.flatMap { lat in order.longitude.map { String(format: "%.5f, %.5f", lat, $0) } },
            category: tree.label(order.$category.id), received: LocalTime.formatDeadline(order.receivedAt, in: zone),
            signDue: format(order.signDueAt), replyDue: format(order.replyDueAt), callbackDue: format(order.callbackDueAt),
            light: light?.light.rawValue, lightLabel: light?.label,
            reply: order.reply, repliedBy: order.repliedBy, replied: format(order.repliedAt),
            satisfaction: order.satisfaction?.label, callbackNote: order.callbackNote ?? "",
            firstSatisfaction: order.reopenCount > 0 ? order.firstSatisfaction?.label : nil, returnReason: order.returnReason,
            extensionRequest: order.extensionRequestedDays.map { "申请延期 \($0) 个工作日：\(order.extensionReason ?? "")" },
            extended: order.extendedDays.map { $0 == 0 ? "延期申请未获批准" : "已延期 \($0) 个工作日" },
            urges: order.urgeCount, supervised: order.supervised, reopened: order.reopenCount,
            mergedInto: master.map { .init(id: $0.id?.uuidString ?? "", number: $0.number, title: $0.title) },
            merged: merged.map { .init(id: $0.id?.uuidString ?? "", number: $0.number, title: $0.title) },
            assignments: assignments.map {
                .init(department: names[$0.$department.id] ?? "—", role: $0.role.label, signedFor: format($0.signedForAt), active: $0.active,
                      ended: $0.active ? "" : (state == .merged ? "（已并单）" : "（已改派）"))
            },
            timeline: events.map { .init(at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: $0.actorName, summary: $0.summary) },
            error: error, notice: notice,
            isHotline: isHotline, myDepartment: staff.$department.id.flatMap { names[$0] },
            canSignFor: mine != nil && mine?.signedForAt == nil && (state == .dispatched || state == .handling),
            canReturn: mine?.role == .lead && (state == .dispatched || state == .handling),
            canReply: (mine?.role == .lead && state == .handling)
                || (isHotline && state == .registered && order.appealType.isAnsweredOnTheCall),
            canAskExtension: mine?.role == .lead && (state == .handling || state == .dispatched) && order.extendedDays == nil
                && order.extensionRequestedDays == nil,
            canDispatch: canDispatch,
            canCallback: isHotline && state == .replied && order.phone != nil,
            canSeePersonal: !unmasked && (order.appellantName != nil || order.phone != nil)
                && (isHotline || (order.$leadDepartment.id != nil && order.$leadDepartment.id == staff.$department.id
                                  && (state == .dispatched || state == .handling))),
            canClose: isHotline && (state == .calledBack || (state == .replied && order.phone == nil)),
            canUrge: isHotline && (state == .dispatched || state == .handling),
            canMerge: isHotline && (state == .registered || state == .dispatched || state == .returned || state == .handling),
            categories: tree.ordered.map { SelectOption(value: $0.id.uuidString, label: String(repeating: "　", count: $0.level - 1) + $0.name,
                                                        selected: chosenCategory == $0.id) },
            departments: departments.map { SelectOption(value: $0.id?.uuidString ?? "", label: $0.shortName,
                                                        selected: chosenDepartment != nil && chosenDepartment == $0.id) },
            satisfactions: Satisfaction.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: false) },
            suggestion: suggestion)
        return try await req.view.render("hotline/order", context).encodeResponse(status: status, for: req)
    }
}
