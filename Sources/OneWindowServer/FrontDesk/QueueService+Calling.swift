import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension QueueService {
    // MARK: Calling

    /// 叫号: the next ticket for `window` by `CallPolicy`, or `nil` when nobody waits.
    /// - Throws: `FrontDeskError.windowNotReady` when the window is not signed in by the caller or is paused.
    func callNext(window: Window) async throws -> Ticket? {
        let service = self
        let hallID = window.$hall.id
        let called: Ticket? = try await db.writeTransaction { tx in
            try await RowLock.lock(Hall.schema, id: hallID, on: tx)
            let desk = try await service.desk(for: window, on: tx)
            guard !desk.paused else { throw FrontDeskError.windowNotReady("窗口已暂停叫号，请先恢复") }
            let windowID = try window.requireID()
            if let open = try await Ticket.query(on: tx).filter(\.$window.$id == windowID).filter(\.$state ~~ [.called, .serving]).first() {
                throw FrontDeskError.windowNotReady("\(open.number) 号还在本窗口（\(open.state.label)），请先办结、过号或转移")
            }
            let waiting = try await Ticket.query(on: tx).filter(\.$hall.$id == hallID).filter(\.$serviceDay == service.today.description)
                .filter(\.$state == .waiting).all()
                .filter { $0.directedWindowID == windowID || ($0.directedWindowID == nil && desk.categoryIDs.contains($0.$category.id)) }
            let candidates = waiting.map {
                CallPolicy.Candidate(
                    id: $0.id!.uuidString, priority: $0.priority, arrivedAt: $0.arrivedAt.timeIntervalSince1970,
                    slotStartsAt: $0.slotStartsAt?.timeIntervalSince1970, directed: $0.directedWindowID == windowID,
                    sequence: $0.sequence)
            }
            let policy = CallPolicy(maxPriorityInARow: service.settings.maxPriorityInARow)
            guard let next = policy.next(candidates, now: service.now.timeIntervalSince1970, priorityStreak: desk.priorityStreak),
                let ticket = waiting.first(where: { $0.id!.uuidString == next.id })
            else { return nil }
            desk.priorityStreak = policy.streak(after: next, previous: desk.priorityStreak)
            try await desk.save(on: tx)
            try await service.move(ticket, .call, window: window, on: tx)
            // A phone ticket's holder may be outside the hall: the call goes to the phone too.
            if ticket.channel == .remote, let phone = ticket.phone {
                try await Outbox.enqueue(
                    on: tx, region: service.region, to: phone, template: "ticket.called",
                    body: ticket.ticketNumber.announcement(window: window.number) + "。",
                    entityType: "ticket", entityID: ticket.id?.uuidString, at: service.now)
            }
            try await service.notifySoon(categoryID: ticket.$category.id, day: ticket.serviceDay, on: tx)
            return ticket
        }
        if let called {
            await publish(hallID: hallID, announce: called.ticketNumber.announcement(window: window.number))
        }
        return called
    }

    /// A queue action on a ticket at `window` (recall, begin, finish, skip) or a transfer.
    /// - Parameters:
    ///   - toCategory: for `.transfer`, the category to queue in (same hall).
    ///   - toWindow: for `.transfer`, one window that will call it next.
    func act(_ action: TicketAction, ticketID: UUID, window: Window, toCategory: TicketCategory? = nil, toWindow: Window? = nil)
        async throws -> Ticket
    {
        let service = self
        let hallID = window.$hall.id
        let ticket = try await db.writeTransaction { tx in
            try await RowLock.lock(Hall.schema, id: hallID, on: tx)
            _ = try await service.desk(for: window, on: tx)
            guard let ticket = try await Ticket.find(ticketID, on: tx), ticket.$hall.id == hallID else {
                throw PlatformError.notFound(what: "号票")
            }
            guard ticket.$window.id == window.id else {
                throw FrontDeskError.ticketNotHere("\(ticket.number) 号不在 \(window.number) 号窗口")
            }
            if action == .transfer {
                guard toCategory != nil || toWindow != nil else {
                    throw PlatformError.invalidField(FieldError(field: "target", message: "请选择转往的类别或窗口"))
                }
                if let toCategory, toCategory.$hall.id != hallID { throw PlatformError.notFound(what: "叫号类别") }
                if let toWindow, toWindow.$hall.id != hallID || toWindow.id == window.id {
                    throw PlatformError.invalidField(FieldError(field: "target", message: "请选择本大厅的其他窗口"))
                }
                if let toWindow,
                    try await WindowDesk.query(on: tx).filter(\.$window.$id == toWindow.requireID()).filter(\.$staffID != nil).first()
                        == nil
                {
                    throw FrontDeskError.windowNotReady("\(toWindow.number) 号窗口现在没有人登录，不能转过去")
                }
            }
            try await service.move(ticket, action, window: window, toCategory: toCategory, toWindow: toWindow, on: tx)
            return ticket
        }
        let announce = action == .recall ? ticket.ticketNumber.announcement(window: window.number) : nil
        await publish(hallID: hallID, announce: announce)
        return ticket
    }

    func move(
        _ ticket: Ticket, _ action: TicketAction, window: Window, toCategory: TicketCategory? = nil, toWindow: Window? = nil,
        on tx: any Database
    ) async throws {
        let next: TicketProgress
        do {
            next = try TicketProgress(state: ticket.state, recalls: ticket.recalls).after(
                action, recallsBeforeNoShow: settings.recallsBeforeNoShow)
        } catch {
            throw FrontDeskError.transition(error)
        }
        var note: String?
        switch action {
        case .call, .recall:
            ticket.$window.id = window.id
            ticket.windowNumber = window.number
            ticket.calledAt = now
            if ticket.firstCalledAt == nil { ticket.firstCalledAt = now }
            ticket.directedWindowID = nil
            ticket.staffID = staff?.id
            ticket.staffName = staff?.displayName
        case .begin:
            ticket.servingAt = now
        case .finish:
            if ticket.servingAt == nil { ticket.servingAt = ticket.calledAt ?? now }
            ticket.finishedAt = now
        case .skip:
            ticket.finishedAt = now
        case .transfer:
            ticket.transfers += 1
            ticket.$window.id = nil
            ticket.windowNumber = nil
            ticket.servingAt = nil
            ticket.directedWindowID = toWindow?.id
            if let toCategory { ticket.$category.id = try toCategory.requireID() }
            note = [toCategory.map { "转往 \($0.prefix) \($0.name)" }, toWindow.map { "转往 \($0.number) 号窗口" }].compactMap { $0 }.joined(
                separator: "，")
        }
        ticket.state = next.state
        ticket.recalls = next.recalls
        try await ticket.save(on: tx)
        try await log(ticket, action.rawValue, window: window.number, note: note, on: tx)
    }

    func log(_ ticket: Ticket, _ action: String, window: String? = nil, note: String? = nil, on tx: any Database) async throws {
        let event = TicketEvent()
        event.regionCode = region
        event.$ticket.id = try ticket.requireID()
        event.action = action
        event.windowNumber = window
        event.staffName = staff?.displayName
        event.note = note
        event.occurredAt = now
        try await event.create(on: tx)
    }

    /// Queues "即将到号" for waiting tickets of the category with at most `soonAhead` people ahead (once each).
    func notifySoon(categoryID: UUID, day: String, on tx: any Database) async throws {
        let waiting = try await Ticket.query(on: tx).filter(\.$category.$id == categoryID).filter(\.$serviceDay == day)
            .filter(\.$state == .waiting).filter(\.$directedWindowID == nil).sort(\.$arrivedAt).sort(\.$sequence).all()
        for (ahead, ticket) in waiting.enumerated() where ahead <= settings.soonAhead {
            guard !ticket.soonNotified, let phone = ticket.phone else { continue }
            ticket.soonNotified = true
            try await ticket.save(on: tx)
            try await Outbox.enqueue(
                on: tx, region: region, to: phone, template: "ticket.soon",
                body: "您的 \(ticket.number) 号前面还有 \(ahead) 人，即将到号，请回到大厅留意叫号屏。",
                entityType: "ticket", entityID: ticket.id?.uuidString, at: now)
        }
    }
}
