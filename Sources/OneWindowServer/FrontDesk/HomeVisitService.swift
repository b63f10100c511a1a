import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Home visits (上门服务): request → confirm a time → assign a helper → visit; the cases filed at the visit are
/// 代办 with the helper as proxy (`Case.proxyStaffName`, and one `Assistance` of kind `.proxy` each).
/// Every step is one write transaction with one audit event.
struct HomeVisitService {
    let db: any Database
    let zone: TimeZone
    let region: String
    let actor: Actor
    let now: Date

    init(db: any Database, zone: TimeZone, region: String, actor: Actor, now: Date) {
        self.db = db
        self.zone = zone
        self.region = region
        self.actor = actor
        self.now = now
    }

    init(_ req: Request) {
        self.init(db: req.db, zone: req.settings.timeZone, region: req.settings.region.value, actor: req.actor, now: req.now)
    }

    struct RequestInput: Sendable {
        var channel: HomeVisit.Channel
        var reason: HomeVisitReason
        var residentID: ResidentID
        var name: String
        var phone: MobileNumber
        var address: String
        var need: String
        var itemCode: String?
    }

    /// Registers a request with a readable number `SM-YYYYMMDD-NNN` (local day).
    func request(_ input: RequestInput) async throws -> HomeVisit {
        let service = self
        return try await db.writeTransaction { tx in
            let day = LocalDate(service.now, in: service.zone)
            let sequence = try await DailyCounter.next("home_visit", region: service.region, day: day.description, on: tx)
            let visit = HomeVisit()
            visit.regionCode = service.region
            visit.number = "SM-\(day.description.replacingOccurrences(of: "-", with: ""))-\(String(format: "%03d", sequence))"
            visit.channel = input.channel
            visit.reason = input.reason
            visit.idNumber = input.residentID.value
            visit.name = input.name
            visit.phone = input.phone.value
            visit.address = input.address
            visit.need = input.need
            visit.itemCode = input.itemCode
            visit.state = .requested
            visit.requestedAt = service.now
            try await visit.create(on: tx)
            try await Audit.record(
                on: tx, region: service.region, actor: service.actor, action: "home_visit.request", entityType: "home_visit",
                entityID: visit.id?.uuidString, summary: "上门服务申请 \(visit.number)（\(input.reason.label)，\(input.channel.label)）",
                at: service.now)
            return visit
        }
    }

    /// Confirms (or moves) the visit time.
    func confirm(_ id: UUID, at time: Date) async throws -> HomeVisit {
        guard time > now else { throw PlatformError.invalidField(FieldError(field: "visitAt", message: "上门时间应在现在之后")) }
        return try await step(id, .confirm, action: "home_visit.confirm") { visit in
            visit.visitAt = time
            return "约定上门时间 \(LocalTime.format(time, in: zone))"
        }
    }

    /// Assigns a helper (a staff member with the 帮办员 role).
    func assign(_ id: UUID, helper: Staff) async throws -> HomeVisit {
        guard helper.has(.helper), helper.active, helper.regionCode == region else {
            throw PlatformError.invalidField(FieldError(field: "helperId", message: "请选择一名在岗的帮办员"))
        }
        return try await step(id, .assign, action: "home_visit.assign") { visit in
            visit.helperID = helper.id
            visit.helperName = helper.displayName
            return "指派帮办员 \(helper.displayName)"
        }
    }

    /// Records the visit as made, with what was done: by the assigned helper (or a supervisor or admin), on or after
    /// the agreed day.
    func recordVisit(_ id: UUID, outcome: String, by staff: Staff) async throws -> HomeVisit {
        guard let visit = try await HomeVisit.find(id, in: region, on: db) else {
            throw PlatformError.notFound(what: "上门服务申请")
        }
        if visit.state == .visited {
            throw FrontDeskError.homeVisit("已记录上门办理（\(visit.visitedAt.map { LocalTime.format($0, in: zone) } ?? "")），不能重复记录")
        }
        guard visit.helperID == staff.id || staff.has(.supervisor) || staff.has(.admin) else {
            throw FrontDeskError.homeVisit("只有指派的帮办员（\(visit.helperName ?? "未指派")）可以记录上门办理")
        }
        if let visitAt = visit.visitAt, LocalDate(now, in: zone) < LocalDate(visitAt, in: zone) {
            throw FrontDeskError.homeVisit("约定的上门日期是 \(LocalDate(visitAt, in: zone))，到时再记录")
        }
        return try await step(id, .visit, action: "home_visit.visit") { visit in
            visit.visitedAt = now
            visit.outcome = outcome
            return "已上门：\(outcome.prefix(60))"
        }
    }

    func cancel(_ id: UUID, reason: String) async throws -> HomeVisit {
        try await step(id, .cancel, action: "home_visit.cancel") { visit in
            visit.outcome = reason
            return "取消：\(reason.prefix(60))"
        }
    }

    private func step(_ id: UUID, _ step: HomeVisitStep, action: String, change: @escaping @Sendable (HomeVisit) -> String) async throws
        -> HomeVisit
    {
        let service = self
        return try await db.writeTransaction { tx in
            try await RowLock.lock(HomeVisit.schema, id: id, on: tx)
            guard let visit = try await HomeVisit.find(id, in: service.region, on: tx) else {
                throw PlatformError.notFound(what: "上门服务申请")
            }
            let summary = change(visit)
            do throws(HomeVisitError) {
                visit.state = try HomeVisitStep.state(
                    after: step, from: visit.state, hasTime: visit.visitAt != nil, hasHelper: visit.helperID != nil)
            } catch {
                throw FrontDeskError.homeVisit(error.message)
            }
            try await visit.save(on: tx)
            try await Audit.record(
                on: tx, region: service.region, actor: service.actor, action: action, entityType: "home_visit",
                entityID: visit.id?.uuidString, summary: "\(visit.number) \(summary)", at: service.now)
            return visit
        }
    }
}
