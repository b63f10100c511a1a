import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The steps of a 差评 rectification (RULES.md, 好差评): 核实 within 1 working day → valid: 整改 within 15 working
/// days of the 核实 (one extension) → 回访 → closed; or invalid (误评/恶意) → 申诉复核 decided by a supervisor.
/// Each step is one transaction holding the row lock, checked by `RectificationProgress`, with one audit event.
struct RectificationService: ContextService {
    let context: ServiceContext
    let staff: Staff?

    init(_ context: ServiceContext, staff: Staff?) {
        self.context = context
        self.staff = staff
    }

    init(_ req: Request) async throws {
        self.init(try await ServiceContext(req), staff: req.auth.get(Staff.self))
    }

    /// What a step carries: the 核实 finding, the appeal's reason or decision, the measures, the callback's note;
    /// `days` for an extension.
    func apply(_ action: RectificationAction, to id: UUID, text: String, days: Int? = nil) async throws -> Rectification {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw PlatformError.invalidField(.init(field: "text", message: "请填写\(Self.textLabel(action))")) }
        guard text.count <= 1000 else {
            throw PlatformError.invalidField(.init(field: "text", message: "\(Self.textLabel(action))不能超过 1000 字"))
        }
        if action == .upholdAppeal || action == .rejectAppeal {
            // 申诉复核 is a supervisor's decision, not the department's own.
            guard let staff, staff.has(.supervisor) || staff.has(.admin) else { throw PlatformError.forbidden }
        }
        return try await db.writeTransaction { tx in
            try await RowLock.lock(Rectification.schema, id: id, on: tx)
            guard let record = try await Rectification.find(id, in: self.region, on: tx) else {
                throw PlatformError.notFound(what: "整改单")
            }
            try self.authorise(record: record, rating: try await record.$rating.get(on: tx))
            let next: RectificationProgress
            do throws(RectificationError) {
                next = try RectificationProgress(state: record.state, extended: record.extended).after(action)
            } catch {
                throw EvaluationError.refused(error.message)
            }
            let today = LocalDate(self.now, in: self.zone)
            switch action {
            case .verifyValid:
                record.verifiedAt = self.now
                record.finding = text
                record.rectifyDueAt = self.due(from: today, RectificationProgress.rectifyLimit)
            case .verifyInvalid:
                record.verifiedAt = self.now
                record.appealReason = text
            case .upholdAppeal:
                record.appealDecision = text
            case .rejectAppeal:
                record.appealDecision = text
                record.rectifyDueAt = self.due(from: today, RectificationProgress.rectifyLimit)
            case .extend:
                guard let days, days >= 1, days <= RectificationProgress.maxExtension.wholeDays else {
                    throw PlatformError.invalidField(.init(field: "days", message: "延期须为 1 至 15 个工作日"))
                }
                guard let due = record.rectifyDueAt else {
                    throw EvaluationError.refused("整改期限\(PendingDeadline.note)，载入后再申请延期")
                }
                guard self.now <= due else {
                    throw EvaluationError.refused("整改已超期，不能再申请延期")
                }
                record.rectifyDueAt = self.due(from: LocalDate(due, in: self.zone), WorkingDays(days))
                record.measures = (record.measures.map { $0 + "\n" } ?? "") + "延期理由：" + text
            case .rectify, .unable:
                record.rectifiedAt = self.now
                record.measures = (record.measures.map { $0 + "\n" } ?? "") + text
            case .callBack:
                record.calledBackAt = self.now
                record.callbackNote = text
            }
            record.state = next.state
            record.extended = next.extended
            record.updatedAt = self.now
            try await record.save(on: tx)
            try await Audit.record(
                on: tx, region: self.region, actor: self.actor, action: "rectification.\(action.rawValue)",
                entityType: "rectification", entityID: id.uuidString, summary: "\(action.label)：\(text)", at: self.now)
            return record
        }
    }

    /// Who may act on a rectification: supervisors, directors and admins; an approver only for a rating of their own
    /// department. Never the rated staff member (no one closes their own 差评).
    private func authorise(record: Rectification, rating: Rating) throws {
        guard let staff else { throw PlatformError.signInRequired }
        if let rated = rating.staffID, rated == staff.id { throw EvaluationError.refused("被评价的工作人员本人不能办理这条差评的整改") }
        if rating.staffID == nil, let name = rating.staffName, name == staff.displayName {
            throw EvaluationError.refused("被评价的工作人员本人不能办理这条差评的整改")
        }
        if staff.has(.supervisor) || staff.has(.director) || staff.has(.admin) { return }
        if staff.has(.approver), let department = staff.$department.id, department == rating.departmentID { return }
        throw PlatformError.forbidden
    }

    static func textLabel(_ action: RectificationAction) -> String {
        switch action {
        case .verifyValid: return "核实情况"
        case .verifyInvalid: return "申诉理由（误评或恶意评价的依据）"
        case .upholdAppeal, .rejectAppeal: return "复核意见"
        case .extend: return "延期理由"
        case .rectify: return "整改措施"
        case .unable: return "无法整改的原因"
        case .callBack: return "回访记录"
        }
    }

    /// The end of `limit` working days from `start`; nil (pending, counted when the year is loaded) past the
    /// published calendar (`WorkingCalendar.dueInstant`, the one rule).
    func due(from start: LocalDate, _ limit: WorkingDays) -> Date? {
        calendar.dueInstant(from: start, limit, in: zone)
    }

    /// The running limit of a rectification and whether it is overdue at `now`: 核实 while pending, 整改 while in
    /// hand (红灯 超期 from 00:00 after the last day).
    /// `due` is nil while pending (`PendingDeadline`).
    /// `核实期限 2025-03-07 23:59` (or 待定 …) for the running limit; nil when none runs.
    static func runningText(_ record: Rectification, now: Date, zone: TimeZone) -> String? {
        running(record, now: now).map {
            "\($0.step)期限 " + ($0.due.map { LocalTime.formatDeadline($0, in: zone) } ?? PendingDeadline.note)
        }
    }

    static func running(_ record: Rectification, now: Date) -> (step: String, due: Date?, overdue: Bool)? {
        switch record.state {
        case .pendingVerification: return ("核实", record.verifyDueAt, record.verifyDueAt.map { now > $0 } ?? false)
        case .rectifying: return ("整改", record.rectifyDueAt, record.rectifyDueAt.map { now > $0 } ?? false)
        default: return nil
        }
    }
}
