import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HotlineOrderController {
    func load(_ req: Request, for access: RecordAccess = .view) async throws -> WorkOrder {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let order = try await WorkOrder.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "工单") }
        try await AccessPolicy.require(access, on: HotlineAccess.relations(of: order, on: req.db), entityID: id.uuidString, req)
        return order
    }

    func render(_ req: Request, error: String?, status: HTTPResponseStatus, unmasked: Bool = false) async throws -> Response {
        let order = try await load(req)
        let id = try order.requireID()
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let staff = try req.auth.require(Staff.self)
        let isHotline = !HotlineAccess.hotline.isDisjoint(with: staff.roles)
        let tree = try await HotlineCategoryTree.load(region: region, on: req.db)
        let departments = try await Department.scoped(on: req.db, to: region).filter(\.$active == true).sort(\.$code)
            .all()
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
            let found = try await req.application.hotlineDispatchModel.suggest(
                order.title + " " + order.content, region: region, tree: tree, on: req.db)
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
            signDue: format(order.signDueAt) ?? (state == .dispatched ? PendingDeadline.note : nil),
            replyDue: format(order.replyDueAt)
                ?? ((state == .dispatched || state == .handling) && order.replyLimitDays != nil ? PendingDeadline.note : nil),
            callbackDue: format(order.callbackDueAt) ?? (state == .replied && order.phone != nil ? PendingDeadline.note : nil),
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
                .init(
                    department: names[$0.$department.id] ?? "—", role: $0.role.label, signedFor: format($0.signedForAt), active: $0.active,
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
                && (isHotline
                    || (order.$leadDepartment.id != nil && order.$leadDepartment.id == staff.$department.id
                        && (state == .dispatched || state == .handling))),
            canClose: isHotline && (state == .calledBack || (state == .replied && order.phone == nil)),
            canUrge: isHotline && (state == .dispatched || state == .handling),
            canMerge: isHotline && (state == .registered || state == .dispatched || state == .returned || state == .handling),
            categories: tree.ordered.map {
                SelectOption(
                    value: $0.id.uuidString, label: String(repeating: "　", count: $0.level - 1) + $0.name,
                    selected: chosenCategory == $0.id)
            },
            departments: departments.map {
                SelectOption(
                    value: $0.id?.uuidString ?? "", label: $0.shortName,
                    selected: chosenDepartment != nil && chosenDepartment == $0.id)
            },
            satisfactions: Satisfaction.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: false) },
            suggestion: suggestion)
        return try await req.view.render("hotline/order", context).encodeResponse(status: status, for: req)
    }
}
