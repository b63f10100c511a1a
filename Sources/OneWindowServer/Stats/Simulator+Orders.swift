import Foundation
import OneWindowCore

/// 12345 work orders: each appeal from intake to close through `WorkOrderProgress`, its first callback as a 好差评 and,
/// for a 不满意, the rectification of that 差评.
extension Simulator {
    private static let appealTypes: [(AppealType, Double)] = [
        (.inquiry, 0.35), (.help, 0.25), (.complaint, 0.22), (.suggestion, 0.08), (.report, 0.06), (.praise, 0.04),
    ]
    private static let places = ["天城镇", "沙坪镇", "石城镇", "桂花泉镇", "白霓镇", "路口镇", "金塘镇", "青山镇", "肖岭乡", "铜钟乡", "港口乡", "高枧乡"]
    private static let roads = ["人民大道", "沿河大道", "东正街", "西门路", "桥东路", "城北路", "荆泉路", "新城大道", "隽水路", "滨河路"]

    /// One work order received at `received` on `channel`: 受理 → 派单 → 签收 → 答复 → 回访 (→ 重办 → 答复 → 回访) → 办结,
    /// deadlines from `WorkOrderLimits` on the working-day calendar, each step's audit event; the first callback is the
    /// order's rating (`satisfied`: 满意 or 基本满意, else 不满意, which reopens the order once and opens a rectification).
    func simulateOrder(
        number: String, channel: HotlineChannel, satisfied: Bool, received: Date, setup: Setup, writer: inout Writer,
        summary: inout Summary, generator g: inout SeededGenerator, ids: inout IDSequence
    ) throws {
        let id = ids.make(&g)
        let type = Self.appealTypes[SimulationCurves.pick(Self.appealTypes.map(\.1), using: &g)].0
        let category = setup.hotlineCategories[g.nextIndex(below: setup.hotlineCategories.count)]
        let agent = setup.agents[g.nextIndex(below: setup.agents.count)]
        let handler = setup.approvers[category.departmentID]?.randomElement(using: &g)
        let place = Self.places[g.nextIndex(below: Self.places.count)] + Self.roads[g.nextIndex(below: Self.roads.count)]
        let surname = Self.surnames[g.nextIndex(below: Self.surnames.count)]
        let appellant = surname + (g.nextIndex(below: 2) == 0 ? "先生" : "女士")
        let phone = mobile(&g)
        let cipher = FieldCiphers.current
        let title = "\(place)\(category.name)\(type.label)"
        let leadIn =
            switch channel {
            case .phone: "市民来电反映"
            case .wechat: "市民通过微信公众号反映"
            case .website: "市民在政府网站留言反映"
            case .app: "市民通过APP反映"
            default: "市民反映"
            }
        let content =
            type == .praise
            ? "\(leadIn)：\(place)附近\(category.name)方面的工作人员热情负责，问题解决得又快又好，特此表扬。"
            : "\(leadIn)：\(place)附近有\(category.name)方面的问题（\(category.path)），希望有关部门尽快核实处理并答复。"
        let limits = WorkOrderLimits(replyOverride: category.replyLimit.map { WorkingDays($0) })
        let replyLimit = limits.reply(type: type, urgency: .normal)

        // 受理 → 派单 → 签收 → 答复 → 回访 (→ 重办 → 答复 → 回访) → 办结, each step checked by Core.
        var progress = WorkOrderProgress(state: .registered)
        let dispatched = received.addingTimeInterval(Double(180 + g.nextIndex(below: 1620)))
        let dispatchDay = LocalDate(dispatched, in: zone)
        progress = try progress.after(.dispatch)
        let signDue = calendar.dueInstant(from: dispatchDay, limits.signFor, in: zone)
        let signedFor = min(officeTime(dispatched.addingTimeInterval(Double(600 + g.nextIndex(below: 10_000)))), signDue ?? .distantFuture)
        progress = try progress.after(.signFor)
        var replyStarted = dispatched
        var replyDue = calendar.dueInstant(from: dispatchDay, replyLimit, in: zone)!
        var replied = replyTime(after: signedFor, from: dispatchDay, limit: replyLimit, due: replyDue, &g)
        progress = try progress.after(.reply)
        var callbackDue = calendar.dueInstant(from: LocalDate(replied, in: zone), limits.callback, in: zone)!
        var calledBack = min(callTime(replied.addingTimeInterval(Double(7200 + g.nextIndex(below: 100_000)))), callbackDue)
        let first: Satisfaction = satisfied ? (SimulationCurves.unit(&g) < 0.8 ? .satisfied : .basicallySatisfied) : .dissatisfied
        var answer = first
        progress = try progress.after(.callback, satisfaction: first)
        var events: [(String, String, Date, StaffRef?)] = [
            ("work_order.register", "受理工单 \(number)（\(channel.label)·\(type.label)）", received, agent),
            ("work_order.dispatch", "派单：主办 \(category.departmentName)", dispatched, agent),
            ("work_order.sign_for", "\(category.departmentName) 签收", signedFor, handler),
            ("work_order.reply", "答复：已核实处理", replied, handler),
            ("work_order.callback", "回访：\(first.label)" + (progress.state == .handling ? "，退回主办单位重办" : ""), calledBack, agent),
        ]
        let firstCallback = calledBack
        if progress.state == .handling {
            // 重办: a new reply period from the callback day; the second answer does not change the first (回访满意率).
            let day = LocalDate(calledBack, in: zone)
            replyStarted = calledBack
            replyDue = calendar.dueInstant(from: day, replyLimit, in: zone)!
            replied = replyTime(after: calledBack.addingTimeInterval(1800), from: day, limit: replyLimit, due: replyDue, &g)
            progress = try progress.after(.reply)
            callbackDue = calendar.dueInstant(from: LocalDate(replied, in: zone), limits.callback, in: zone)!
            calledBack = min(callTime(replied.addingTimeInterval(Double(7200 + g.nextIndex(below: 100_000)))), callbackDue)
            answer = .basicallySatisfied
            progress = try progress.after(.callback, satisfaction: answer)
            events.append(("work_order.reply", "重办答复：已重新核实处理", replied, handler))
            events.append(("work_order.callback", "回访：\(answer.label)", calledBack, agent))
        }
        let closed = calledBack.addingTimeInterval(Double(60 + g.nextIndex(below: 1200)))
        progress = try progress.after(.close)
        events.append(("work_order.close", "办结工单 \(number)", closed, agent))
        writer.orders.append([
            id, region, number, channel.rawValue, type.rawValue, Urgency.normal.rawValue, cipher.seal(appellant), cipher.seal(phone),
            cipher.hash(phone), title,
            content, cipher.seal(place),
            category.id,
            "", progress.state.rawValue, category.departmentID, received, dispatched, signDue, signedFor, replyLimit.wholeDays,
            replyStarted,
            replyDue, replied, "经核实，已按规定处理，感谢您对我们工作的支持。", handler?.name ?? category.departmentName, callbackDue, calledBack,
            answer.rawValue, first.rawValue, answer.label, progress.reopenCount, closed, 0, false, closed,
        ])
        writer.assignments.append([
            ids.make(&g), region, id, category.departmentID, WorkOrderAssignment.Role.lead.rawValue, dispatched, signedFor, true,
        ])
        for (action, text, instant, actor) in events {
            writer.audit.append([
                ids.make(&g), region, actor?.id, actor?.username ?? "system", action, "work_order", id.uuidString, text, instant,
            ])
        }
        summary.workOrders += 1
        summary.auditEvents += events.count

        // The first callback is the work order's 好差评; a 不满意 is a 差评, verified, rectified and called back.
        let level = RatingLevel(first)
        let ratingID = ids.make(&g)
        let label = "\(number) \(title)"
        writer.ratings.append([
            ratingID, region, RatingSubjectKind.workOrder.rawValue, id, label, category.departmentID, category.departmentName,
            nil as String?, nil as UUID?, nil as String?, nil as String?, RatingItem.overall.rawValue, level.rawValue,
            RatingChannel.callback.rawValue, "appellant:\(id.uuidString)", true, false, firstCallback,
        ])
        writer.audit.append([
            ids.make(&g), region, agent.id, agent.username, "rating.record", RatingSubjectKind.workOrder.rawValue, id.uuidString,
            "\(RatingChannel.callback.label)：\(label) 整体\(level.label)", firstCallback,
        ])
        summary.ratings += 1
        summary.auditEvents += 1
        if level.isBad {
            var rectification = RectificationProgress(state: .pendingVerification)
            let rectificationID = ids.make(&g)
            let verifyDue = calendar.dueInstant(from: LocalDate(firstCallback, in: zone), RectificationProgress.verifyLimit, in: zone)!
            let verified = min(officeTime(firstCallback.addingTimeInterval(Double(3600 + g.nextIndex(below: 20_000)))), verifyDue)
            rectification = try rectification.after(.verifyValid)
            let rectifyDue = calendar.dueInstant(from: LocalDate(verified, in: zone), RectificationProgress.rectifyLimit, in: zone)!
            let rectified = min(officeTime(max(verified.addingTimeInterval(600), replied)), rectifyDue)
            rectification = try rectification.after(.rectify)
            let rectificationCallback = callTime(max(rectified.addingTimeInterval(600), calledBack))
            rectification = try rectification.after(.callBack)
            writer.rectifications.append([
                rectificationID, region, ratingID, rectification.state.rawValue, firstCallback, verifyDue, verified,
                "属实：答复未解决诉求人的问题", rectifyDue, false, "主办单位重新办理并答复诉求人", rectified,
                rectificationCallback, "诉求人表示\(answer.label)", rectificationCallback,
            ])
            for (action, text, instant) in [
                ("rectification.open", "差评（\(level.label)）：\(label)，待核实", firstCallback),
                ("rectification.verifyValid", "差评核实属实", verified),
                ("rectification.rectify", "整改完成：主办单位重新办理并答复诉求人", rectified),
                ("rectification.callBack", "整改回访：\(answer.label)", rectificationCallback),
            ] {
                writer.audit.append([
                    ids.make(&g), region, agent.id, agent.username, action, "rectification", rectificationID.uuidString, text, instant,
                ])
            }
            summary.rectifications += 1
            summary.auditEvents += 4
        }
    }
}
