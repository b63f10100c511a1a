import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Front desk: numbering, calling, transfer, 即将到号, the display feed")
struct QueueTests {
    @Test("200 concurrent tickets over HTTP get A001…A200 exactly: no duplicate, no gap")
    func twoHundredConcurrentTickets() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        let response = try await app.testing().sendRequest(
                            .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                            body: ByteBuffer(string: #"{"category":"A"}"#))
                        return (response.status, (try? response.json()["number"] as? String) ?? "")
                    }
                }
                var all: [(HTTPStatus, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.allSatisfy { $0.0 == .created })
            #expect(statuses.map(\.1).sorted() == (1...200).map { String(format: "A%03d", $0) })
            let stored = try await Ticket.query(on: app.db).all()
            #expect(stored.count == 200)
            #expect(Set(stored.map(\.sequence)) == Set(1...200))
            #expect(Set(stored.map(\.serviceDay)) == ["2025-03-05"])
        }
    }

    @Test("Numbering restarts at 00:00 +08:00, not at 08:00 (UTC midnight)")
    func restartsAtLocalMidnight() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 23:58")
            #expect(try await DeskFixtures.issue(app, "A").number == "A001")
            CaseFixtures.setClock(app, "2025-03-05 23:59")
            #expect(try await DeskFixtures.issue(app, "A").number == "A002")
            CaseFixtures.setClock(app, "2025-03-06 00:00")
            let first = try await DeskFixtures.issue(app, "A")
            #expect(first.number == "A001")
            #expect(first.serviceDay == "2025-03-06")
            // 07:59 local is 23:59 UTC of 03-05: still the 6th here, so the count goes on.
            CaseFixtures.setClock(app, "2025-03-06 07:59")
            let second = try await DeskFixtures.issue(app, "A")
            #expect(second.number == "A002")
            #expect(second.serviceDay == "2025-03-06")
            CaseFixtures.setClock(app, "2025-03-06 08:00")
            #expect(try await DeskFixtures.issue(app, "A").number == "A003")
            #expect(try await DeskFixtures.issue(app, "B").number == "B001")
        }
    }

    @Test("Starvation rule at a window: after 3 priority calls in a row the waiting normal ticket is called")
    func starvationAtWindow() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "1")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            try await DeskFixtures.issue(app, "A")  // A001 normal
            for seq in 1...4 {
                try await DeskFixtures.issue(app, "A", id: DeskFixtures.residentID(birth: "19500101", seq: seq))  // A002–A005 elderly
            }
            try await DeskFixtures.issue(app, "A", declared: .pregnant, channel: .staff)  // A006
            try await DeskFixtures.issue(app, "A")  // A007 normal
            CaseFixtures.setClock(app, "2025-03-05 09:30")
            _ = try await DeskFixtures.queue(app, staff: clerk).signIn(window: window, categories: [])
            var order: [String] = []
            while let ticket = try await DeskFixtures.queue(app, staff: clerk).callNext(window: window) {
                order.append(ticket.number + "/" + ticket.priority.rawValue)
                _ = try await DeskFixtures.queue(app, staff: clerk).act(.finish, ticketID: ticket.requireID(), window: window)
            }
            #expect(order == ["A002/elderly", "A003/elderly", "A004/elderly", "A001/none", "A005/elderly", "A006/pregnant", "A007/none"])
        }
    }

    @Test("Recall twice, then 过号; 过号 before that and a third recall are refused; a paused window calls nobody")
    func recallAndNoShow() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "2")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            try await DeskFixtures.issue(app, "A")
            let queue = DeskFixtures.queue(app, staff: clerk)
            _ = try await queue.signIn(window: window, categories: [])
            let ticket = try #require(try await queue.callNext(window: window))
            let id = try ticket.requireID()
            await #expect(throws: FrontDeskError.self) { try await queue.act(.skip, ticketID: id, window: window) }
            _ = try await queue.act(.recall, ticketID: id, window: window)
            _ = try await queue.act(.recall, ticketID: id, window: window)
            do {
                _ = try await queue.act(.recall, ticketID: id, window: window)
                Issue.record("a third recall must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "已重呼 2 次仍未到窗口，请按“过号”处理")
                #expect(error.status == .conflict)
            }
            let skipped = try await queue.act(.skip, ticketID: id, window: window)
            #expect(skipped.state == .noShow)
            #expect(skipped.recalls == 2)
            let events = try await TicketEvent.query(on: app.db).filter(\.$ticket.$id == id).sort(\.$occurredAt).all().map(\.action)
            #expect(events == ["issue", "call", "recall", "recall", "skip"])
            try await queue.setPaused(true, window: window)
            try await DeskFixtures.issue(app, "A")
            do {
                _ = try await DeskFixtures.queue(app, staff: clerk).callNext(window: window)
                Issue.record("a paused window must not call")
            } catch let error as FrontDeskError {
                #expect(error.reason == "窗口已暂停叫号，请先恢复")
            }
            // Another clerk cannot act at a window signed in by the first.
            let other = try await makeStaff(app, username: "clerk2", roles: [.clerk])
            do {
                _ = try await DeskFixtures.queue(app, staff: other).callNext(window: window)
                Issue.record("another clerk must not call at this window")
            } catch let error as FrontDeskError {
                #expect(error.reason == "2 号窗口已由测试clerk1登录")
            }
        }
    }

    @Test("A transfer keeps the number and the arrival time; a ticket sent to one window is called there first")
    func transferKeepsPlace() async throws {
        try await withTestApp { app in
            let clerkA = try await makeStaff(app, username: "clerka", roles: [.clerk])
            let clerkB = try await makeStaff(app, username: "clerkb", roles: [.clerk])
            let clerkC = try await makeStaff(app, username: "clerkc", roles: [.clerk])
            let (w1, w2, w3) = (
                try await DeskFixtures.window(app, "1"), try await DeskFixtures.window(app, "2"), try await DeskFixtures.window(app, "3")
            )
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            try await DeskFixtures.issue(app, "A")  // A001 09:00
            CaseFixtures.setClock(app, "2025-03-05 09:01")
            try await DeskFixtures.issue(app, "B")  // B001 09:01
            CaseFixtures.setClock(app, "2025-03-05 09:05")
            try await DeskFixtures.issue(app, "B")  // B002
            try await DeskFixtures.issue(app, "A")  // A002
            let (a, b) = (try await DeskFixtures.category(app, "A"), try await DeskFixtures.category(app, "B"))
            CaseFixtures.setClock(app, "2025-03-05 09:10")
            _ = try await DeskFixtures.queue(app, staff: clerkA).signIn(window: w1, categories: [a.requireID()])
            _ = try await DeskFixtures.queue(app, staff: clerkB).signIn(window: w2, categories: [b.requireID()])
            _ = try await DeskFixtures.queue(app, staff: clerkC).signIn(window: w3, categories: [a.requireID()])
            let a001 = try #require(try await DeskFixtures.queue(app, staff: clerkA).callNext(window: w1))
            #expect(a001.number == "A001")
            let moved = try await DeskFixtures.queue(app, staff: clerkA).act(
                .transfer, ticketID: a001.requireID(), window: w1, toCategory: b)
            #expect(moved.state == .waiting)
            #expect(moved.number == "A001")
            #expect(moved.transfers == 1)
            #expect(moved.arrivedAt == CaseFixtures.instant("2025-03-05 09:00"))
            // B's window: A001 arrived at 09:00, before B001 (09:01).
            let first = try #require(try await DeskFixtures.queue(app, staff: clerkB).callNext(window: w2))
            #expect(first.number == "A001")
            _ = try await DeskFixtures.queue(app, staff: clerkB).act(.finish, ticketID: first.requireID(), window: w2)
            let b001 = try #require(try await DeskFixtures.queue(app, staff: clerkB).callNext(window: w2))
            #expect(b001.number == "B001")
            _ = try await DeskFixtures.queue(app, staff: clerkB).act(.transfer, ticketID: b001.requireID(), window: w2, toWindow: w3)
            // Window 3 calls only A, but B001 was sent to it: it comes before A002.
            let third = try #require(try await DeskFixtures.queue(app, staff: clerkC).callNext(window: w3))
            #expect(third.number == "B001")
            #expect(third.windowNumber == "3")
            // Window 1 never sees B001 (it went to window 3) and calls A002.
            #expect(try await DeskFixtures.queue(app, staff: clerkA).callNext(window: w1)?.number == "A002")
            let note = try await TicketEvent.query(on: app.db).filter(\.$action == "transfer").sort(\.$occurredAt).all().compactMap(\.note)
            #expect(note == ["转往 B 不动产登记", "转往 3 号窗口"])
        }
    }

    @Test("即将到号: when 3 people are ahead the ticket's phone gets one message through the outbox")
    func soonNotice() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "1")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            for n in 1...6 { try await DeskFixtures.issue(app, "A", phone: "1380013800\(n)") }
            let queue = DeskFixtures.queue(app, staff: clerk)
            _ = try await queue.signIn(window: window, categories: [])
            #expect(try await OutboxMessage.query(on: app.db).count() == 0)
            let first = try #require(try await queue.callNext(window: window))
            _ = try await queue.act(.finish, ticketID: first.requireID(), window: window)
            // A005 had 4 ahead when taken; now A002–A004 are ahead: 3.
            let messages = try await OutboxMessage.query(on: app.db).all()
            #expect(messages.map(\.recipient) == ["13800138005"])
            #expect(messages.first?.body == "【崇阳县政务服务中心】您的 A005 号前面还有 3 人，即将到号，请回到大厅留意叫号屏。")
            let second = try #require(try await queue.callNext(window: window))
            #expect(try await OutboxMessage.query(on: app.db).all().map(\.recipient).sorted() == ["13800138005", "13800138006"])
            // The window still holds A002: calling again is refused until it is finished.
            do {
                _ = try await queue.callNext(window: window)
                Issue.record("a second call while A002 is open must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "A002 号还在本窗口（已叫号），请先办结、过号或转移")
            }
            _ = try await queue.act(.finish, ticketID: second.requireID(), window: window)
            _ = try await queue.callNext(window: window)
            #expect(try await OutboxMessage.query(on: app.db).count() == 2)
        }
    }

    @Test("The display feed: a call publishes the state with the sentence to speak; names are masked")
    func displayFeed() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "5")
            let hall = try await DeskFixtures.hall(app)
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            _ = try await DeskFixtures.queue(app).issue(
                .init(
                    hall: hall, category: DeskFixtures.category(app, "C"), channel: .kiosk, residentID: nil,
                    name: "刘小芳", phone: nil))
            try await DeskFixtures.issue(app, "A")
            _ = try await DeskFixtures.queue(app, staff: clerk).signIn(
                window: window, categories: [DeskFixtures.category(app, "C").requireID()])
            var events = app.eventBus.subscribe("hall:\(try hall.requireID().uuidString)").makeAsyncIterator()
            _ = try await DeskFixtures.queue(app, staff: clerk).callNext(window: window)
            let event = try #require(await events.next())
            let state = try JSONDecoder().decode(QueueService.DisplayState.self, from: Data(event.json.utf8))
            #expect(state.announce == "请 C001 号到 5 号窗口办理")
            #expect(state.calls.map(\.number) == ["C001"])
            #expect(state.calls.first?.name == "刘*芳")
            #expect(state.calls.first?.at == "09:00")
            #expect(state.offsetMinutes == 480)
            #expect(state.waiting.map { "\($0.prefix)\($0.count)" } == ["A1", "B0", "C0", "D0"])
            #expect(!event.json.contains("刘小芳"))
            let page = try await app.testing().sendRequest(.GET, "/display/CY-ZX/state")
            #expect(page.body.string.contains("\"number\":\"C001\""))
            #expect(!page.body.string.contains("刘小芳"))
        }
    }
}

@Suite("Front desk: queue settings from the environment")
struct QueueSettingsTests {
    @Test("Defaults 3 / 2 / 70; values from the environment; out of range is refused naming the variable")
    func settings() throws {
        let defaults = try QueueSettings.fromEnvironment([:])
        #expect(defaults.maxPriorityInARow == 3)
        #expect(defaults.recallsBeforeNoShow == 2)
        #expect(defaults.priority.elderlyAge == 70)
        let tuned = try QueueSettings.fromEnvironment([
            "ONEWINDOW_PRIORITY_IN_A_ROW": "2", "ONEWINDOW_RECALLS_BEFORE_NO_SHOW": "3", "ONEWINDOW_ELDERLY_AGE": "65",
        ])
        #expect(tuned.maxPriorityInARow == 2)
        #expect(tuned.recallsBeforeNoShow == 3)
        #expect(tuned.priority.elderlyAge == 65)
        do {
            _ = try QueueSettings.fromEnvironment(["ONEWINDOW_PRIORITY_IN_A_ROW": "0"])
            Issue.record("0 must be refused")
        } catch let error as any AbortError {
            #expect(error.reason == "ONEWINDOW_PRIORITY_IN_A_ROW=0 should be a whole number in 1...20")
        }
    }
}
