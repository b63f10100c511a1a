import Fluent
import Foundation
import Vapor

/// One entry of the append-only audit log (审计日志): who did what to which record, when, from where.
///
/// Rows are never updated or deleted; the table refuses it with a trigger on both SQLite and PostgreSQL.
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    /// The actor's sign-in name at the time, or `system` / `cli`.
    @Field(key: "actor_name") var actorName: String
    /// `staff.create`, `catalog.import`, `item.publish`, `personal_data.view` …
    @Field(key: "action") var action: String
    @Field(key: "entity_type") var entityType: String
    @OptionalField(key: "entity_id") var entityID: String?
    /// A short Chinese summary, never a password or a full ID number.
    @Field(key: "summary") var summary: String
    @OptionalField(key: "ip") var ip: String?
    @Field(key: "occurred_at") var occurredAt: Date

    init() {}
}

/// Who is acting, for the audit log.
struct Actor: Sendable {
    var id: UUID?
    var name: String
    var ip: String?

    static let system = Actor(id: nil, name: "system", ip: nil)
    static let commandLine = Actor(id: nil, name: "cli", ip: nil)
}

enum Audit {
    /// The actions the log records, in Chinese for the audit page.
    static let labels: [String: String] = [
        "staff.sign_in": "登录", "staff.sign_out": "退出登录", "staff.sign_in_failed": "登录失败", "staff.sign_in_throttled": "登录被暂停",
        "staff.password_check_failed": "修改密码时密码错误", "staff.create": "创建账号", "staff.update": "修改账号", "staff.change_password": "修改密码",
        "hall.create": "新增大厅", "hall.update": "修改大厅", "department.create": "新增部门", "department.update": "修改部门",
        "window.create": "新增窗口", "window.update": "修改窗口", "window.release": "强制退出窗口", "catalog.import": "导入事项目录", "item.publish": "补全并发布事项",
        "item.withdraw": "撤回事项", "calendar.load": "载入节假日", "calendar.replace": "替换节假日",
        "case.notice": "出具一次性告知书", "case.submit": "网上申报", "case.accept": "受理", "case.reject": "不予受理", "case.take": "领取审查",
        "case.pause": "暂停计时", "case.resume": "恢复计时", "case.pass_step": "转下一部门", "case.decide": "作出决定", "case.complete": "办结",
        "case.deliver": "送达", "case.change_limit": "变更时限", "case.receive_pending": "容缺材料补齐", "case.upload": "上传材料",
        "personal_data.view": "查看完整个人信息", "access.refused": "拒绝越权查看",
        "api_token.create": "创建接口令牌", "appointment.slots": "开放预约时段", "home_visit.request": "上门服务申请",
        "home_visit.confirm": "约定上门时间", "home_visit.assign": "指派帮办员", "home_visit.visit": "记录上门办理", "home_visit.cancel": "取消上门服务",
        "director_shift.create": "局长帮办排班", "director_shift.case": "局长帮办办件", "director_shift.consult": "局长帮办征询群众",
        "improvement.create": "新增整改事项", "improvement.status": "整改事项状态",
        "work_order.register": "受理工单", "work_order.dispatch": "派单", "work_order.sign_for": "签收", "work_order.return": "退单",
        "work_order.reply": "答复", "work_order.extension_request": "申请延期", "work_order.extension_approve": "批准延期",
        "work_order.extension_refuse": "不批准延期", "work_order.urge": "催办", "work_order.supervise": "督办", "work_order.callback": "回访",
        "rating.record": "好差评", "rectification.open": "差评待核实", "rectification.verifyValid": "差评核实属实",
        "rectification.verifyInvalid": "差评申诉", "rectification.upholdAppeal": "复核为无效差评", "rectification.rejectAppeal": "复核差评有效",
        "rectification.extend": "延期整改", "rectification.rectify": "整改完成", "rectification.unable": "无法整改", "rectification.callBack": "整改回访",
        "complaint.receive": "受理投诉", "complaint.investigating": "投诉调查", "complaint.handling": "投诉处理", "complaint.feedback": "投诉反馈",
        "complaint.archived": "投诉归档",
        "work_order.close": "办结工单", "work_order.merge": "并单", "hotline.import": "导入留言数据", "hotline.category": "设置诉求分类",
        "export.unmasked": "导出完整个人信息",
    ]

    /// Appends an audit event. Call it inside the same transaction as the change it records.
    static func record(
        on db: any Database, region: String, actor: Actor, action: String, entityType: String, entityID: String?,
        summary: String, at instant: Date = Date()
    ) async throws {
        let event = AuditEvent()
        event.regionCode = region
        event.actorID = actor.id
        event.actorName = actor.name
        event.action = action
        event.entityType = entityType
        event.entityID = entityID
        event.summary = summary
        event.ip = actor.ip
        event.occurredAt = instant
        try await event.create(on: db)
    }
}

extension Request {
    /// The signed-in staff member as an audit actor (or `anonymous`), with the client address.
    var actor: Actor {
        let staff = auth.get(Principal.self)
        return Actor(id: staff?.id, name: staff?.username ?? "anonymous", ip: remoteAddress?.ipAddress)
    }
}
