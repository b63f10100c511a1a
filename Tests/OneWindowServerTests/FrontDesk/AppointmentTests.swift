import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Front desk: appointments (capacity in the database, local days, check-in)")
struct AppointmentTests {
    static func slot(_ app: Application, prefix: String = "B", day: String, times: String, capacity: Int) async throws -> [AppointmentSlot]
    {
        let category = try await DeskFixtures.category(app, prefix)
        _ = try await DeskFixtures.appointments(app).createSlots(
            category: category, from: LocalDate(iso: day)!, to: LocalDate(iso: day)!,
            times: try #require(AppointmentController.times(times)),
            capacity: capacity, calendar: try await app.calendarCache.calendar(on: app.db))
        return try await AppointmentSlot.query(on: app.db).filter(\.$day == day).sort(\.$startsAt).all()
    }

    static func book(_ app: Application, slot: UUID, id: String, name: String = "王五", phone: String = "13900139000") async throws
        -> TestingHTTPResponse
    {
        try await app.testing().sendRequest(
            .POST, "/api/v1/appointments", headers: ["content-type": "application/json"],
            body: CaseFixtures.body(["slotId": slot.uuidString, "idNumber": id, "name": name, "phone": phone]))
    }

    @Test("20 concurrent bookings of a 1-place slot: one 201, nineteen 409, one row")
    func capacityUnderConcurrency() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            let slot = try #require(try await Self.slot(app, day: "2025-03-06", times: "09:00-10:00", capacity: 1).first)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for n in 1...20 {
                    group.addTask {
                        try await Self.book(app, slot: slot.requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: n)).status
                    }
                }
                var all: [HTTPStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 19)
            #expect(try await Appointment.query(on: app.db).count() == 1)
            #expect(try await AppointmentSlot.find(slot.requireID(), on: app.db)?.booked == 1)
            let code = try #require(try await Appointment.query(on: app.db).first()?.code)
            #expect(
                try await OutboxMessage.query(on: app.db).all().map(\.body)
                    == ["【崇阳县政务服务中心】您已预约 2025-03-06 09:00 起的时段，预约号 \(code)。当天到大厅在取号机输入预约号签到取号。"])
            let refused = try await Self.book(app, slot: slot.requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 30))
            #expect(try refused.errorPayload() == ["code": "slot_full", "message": "该时段已约满，请选择其他时段", "field": "slotId"])
        }
    }

    @Test("A 07:30 +08:00 slot belongs to its local day (23:30 UTC the day before) for lists and the one-a-day limit")
    func localDay() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            let slots = try await Self.slot(app, day: "2025-03-06", times: "07:30-08:00, 10:00-11:00", capacity: 3)
            // 2025-03-05T23:30Z, 2025-03-06T02:00Z
            #expect(slots.map(\.startsAt) == [Date(timeIntervalSince1970: 1_741_217_400), Date(timeIntervalSince1970: 1_741_226_400)])
            #expect(slots.map(\.day) == ["2025-03-06", "2025-03-06"])
            let id = DeskFixtures.residentID(birth: "19800101", seq: 1)
            let early = try await Self.book(app, slot: slots[0].requireID(), id: id)
            #expect(early.status == .created)
            #expect(try early.json()["day"] as? String == "2025-03-06")
            #expect(try early.json()["idNumber"] as? String == Masking.residentID(id))
            let second = try await Self.book(app, slot: slots[1].requireID(), id: id)
            #expect(second.status == .conflict)
            #expect(try second.errorPayload()["code"] == "already_booked")
            #expect(try second.errorPayload()["message"] == "您在 2025-03-06 已有一个有效预约（每人每天限约 1 个），如需更改请先取消原预约")
            let listed = try await app.testing().sendRequest(.GET, "/api/v1/appointment-slots?hall=CY-ZX&category=B&day=2025-03-06")
            // Typed full-width (an input method's ＣＹ－ＺＸ, Ｂ, ２０２５…) it is the same question.
            let fullWidth = try await app.testing().sendRequest(
                .GET, "/api/v1/appointment-slots?hall=%EF%BC%A3%EF%BC%B9-%EF%BC%BA%EF%BC%B8&category=%EF%BC%A2&day=2025-03-06")
            #expect(fullWidth.status == .ok)
            #expect(fullWidth.body.string == listed.body.string)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            #expect(rows.map { "\($0["starts"]!) \($0["booked"]!)" } == ["07:30 1", "10:00 0"])
            #expect(try await AppointmentSlot.query(on: app.db).filter(\.$day == "2025-03-05").count() == 0)
            // The day's list and its export put the 07:30 booking on the 6th, masked.
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var staff = Browser(app)
            try await staff.signIn("super1", "test-pass-2025")
            let csv = try await staff.get("/frontdesk/appointments?day=2025-03-06&format=csv")
            let bytes = Array(csv.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(
                csv.headers.first(name: .contentDisposition)
                    == "attachment; filename=\"__-2025-03-06.csv\"; filename*=UTF-8''%E9%A2%84%E7%BA%A6-2025-03-06.csv")
            let table = try CSVTable(text: String(decoding: bytes, as: UTF8.self))
            #expect(table.records.count == 1)
            #expect(table.records.first?["时段"] == "07:30–08:00")
            #expect(table.records.first?["姓名"] == "王*")
            #expect(table.records.first?["身份证号"] == Masking.residentID(id))
            #expect(table.records.first?["日期"] == "2025-03-06")
            let before = try await staff.get("/frontdesk/appointments?day=2025-03-05")
            #expect(before.body.string.contains("共 0 个预约"))
        }
    }

    @Test("Booking refusals name the field: bad ID 400, a started slot 422, beyond 7 days 422; weekends get no slots")
    func refusals() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 08:00")
            let today = try await Self.slot(app, day: "2025-03-05", times: "09:00-10:00", capacity: 2)
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            // A slot that has started is neither created again nor offered.
            #expect(
                try await Self.slot(app, day: "2025-03-05", times: "09:00-10:00, 10:00-11:00, 11:00-12:00", capacity: 2).map(\.startsAt)
                    == [CaseFixtures.instant("2025-03-05 09:00"), CaseFixtures.instant("2025-03-05 11:00")])
            let bad = try await Self.book(app, slot: today[0].requireID(), id: "110105198001010011")
            #expect(bad.status == .badRequest)
            #expect(try bad.errorPayload()["field"] == "idNumber")
            let started = try await Self.book(app, slot: today[0].requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 1))
            #expect(started.status == .unprocessableEntity)
            #expect(try started.errorPayload()["message"] == "该时段已开始或已过去，请选择之后的时段")
            let far = try await Self.slot(app, day: "2025-03-13", times: "09:00-10:00", capacity: 2)
            let tooFar = try await Self.book(app, slot: far[0].requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 1))
            #expect(tooFar.status == .unprocessableEntity)
            #expect(try tooFar.errorPayload()["message"] == "最多可预约 7 天内的时段（最晚 2025-03-12）")
            #expect(try await Self.slot(app, day: "2025-03-08", times: "09:00-10:00", capacity: 2).isEmpty)  // Saturday
            let missing = try await app.testing().sendRequest(
                .POST, "/api/v1/appointments", headers: ["content-type": "application/json"],
                body: ByteBuffer(string: "{}"))
            #expect(missing.status == .badRequest)
        }
    }

    @Test("Guessing a booking's last 4 digits: five wrong tries from one address, then 429 even for the right digits")
    func cancelThrottle() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            let slot = try #require(try await Self.slot(app, day: "2025-03-06", times: "09:00-09:30", capacity: 1).first)
            let booked = try await Self.book(
                app, slot: slot.requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 1), phone: "13900139001")
            let code = try #require(try booked.json()["code"] as? String)
            var browser = Browser(app)
            let token = try await browser.csrfToken(from: "/appointments/\(code)")
            for guess in ["0000", "1111", "2222", "3333", "4444"] {
                let wrong = try await browser.post("/appointments/\(code)/cancel", form: [("csrfToken", token), ("phoneLast4", guess)])
                #expect(wrong.status == .badRequest)
            }
            let blocked = try await browser.post("/appointments/\(code)/cancel", form: [("csrfToken", token), ("phoneLast4", "9001")])
            #expect(blocked.status == .tooManyRequests)
            #expect(try await Appointment.query(on: app.db).first()?.state == .booked)
        }
    }

    @Test("Cancel returns the place; check-in on the day makes an appointment ticket, called first once its slot starts")
    func cancelAndCheckIn() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            let slot = try #require(try await Self.slot(app, day: "2025-03-06", times: "09:00-09:30", capacity: 1).first)
            let first = try await Self.book(
                app, slot: slot.requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 1), phone: "13900139001")
            let code = try #require(try first.json()["code"] as? String)
            await #expect(throws: PlatformError.self) { try await DeskFixtures.appointments(app).cancel(code: code, phoneLast4: "0000") }
            let cancelled = try await DeskFixtures.appointments(app).cancel(code: code, phoneLast4: "9001")
            #expect(cancelled.state == .cancelled)
            #expect(try await AppointmentSlot.find(slot.requireID(), on: app.db)?.booked == 0)
            let again = try await Self.book(app, slot: slot.requireID(), id: DeskFixtures.residentID(birth: "19800101", seq: 2))
            #expect(again.status == .created)
            let code2 = try #require(try again.json()["code"] as? String)
            // Check-in the day before is refused.
            let hallID = try await DeskFixtures.hall(app).requireID()
            await #expect(throws: FrontDeskError.self) {
                try await DeskFixtures.appointments(app).checkIn(code: code2, hallID: hallID, queue: DeskFixtures.queue(app))
            }
            CaseFixtures.setClock(app, "2025-03-06 08:40")
            // At another hall's kiosk: refused before anything changes.
            let township = try await DeskFixtures.hall(app, "CY-100").requireID()
            do {
                _ = try await DeskFixtures.appointments(app).checkIn(code: code2, hallID: township, queue: DeskFixtures.queue(app))
                Issue.record("another hall must refuse the check-in")
            } catch let error as FrontDeskError {
                #expect(error.reason == "该预约在崇阳县政务服务中心，请到该大厅签到")
            }
            #expect(try await Appointment.query(on: app.db).filter(\.$code == code2).first()?.state == .booked)
            #expect(try await Ticket.query(on: app.db).count() == 0)
            try await DeskFixtures.issue(app, "B", id: DeskFixtures.residentID(birth: "19500101", seq: 1))  // elderly, B001
            let ticket = try await DeskFixtures.appointments(app).checkIn(
                code: code2.lowercased(), hallID: hallID, queue: DeskFixtures.queue(app))
            #expect(ticket.number == "B002")
            #expect(ticket.priority == .appointment)
            #expect(ticket.channel == .appointment)
            await #expect(throws: FrontDeskError.self) {
                try await DeskFixtures.appointments(app).checkIn(code: code2, hallID: hallID, queue: DeskFixtures.queue(app))
            }
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "1")
            _ = try await DeskFixtures.queue(app, staff: clerk).signIn(window: window, categories: [])
            // 08:50: the slot (09:00) has not started: the elderly ticket first.
            CaseFixtures.setClock(app, "2025-03-06 08:50")
            let before = try #require(try await DeskFixtures.queue(app, staff: clerk).callNext(window: window))
            #expect(before.number == "B001")
            _ = try await DeskFixtures.queue(app, staff: clerk).act(.finish, ticketID: before.requireID(), window: window)
            try await DeskFixtures.issue(app, "B", id: DeskFixtures.residentID(birth: "19500101", seq: 2))  // elderly B003
            CaseFixtures.setClock(app, "2025-03-06 09:00")
            #expect(try await DeskFixtures.queue(app, staff: clerk).callNext(window: window)?.number == "B002")
            let stored = try #require(try await Appointment.query(on: app.db).filter(\.$code == code2).first())
            #expect(stored.state == .checkedIn)
            #expect(stored.ticketID == ticket.id)
        }
    }
}

@Suite("CSV export for spreadsheets")
struct CSVExportTests {
    @Test("BOM, quoted cells, ID numbers intact, formulas made inert")
    func export() throws {
        let data = try CSVExport.data(
            header: ["身份证号", "备注"],
            rows: [["11010519900307101X", CSVExport.text("=HYPERLINK(\"x\")")], ["110105199003071028", CSVExport.text("-1")]])
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data, as: UTF8.self)
        #expect(
            text == "\u{FEFF}\"身份证号\",\"备注\"\r\n\"11010519900307101X\",\"'=HYPERLINK(\"\"x\"\")\"\r\n\"110105199003071028\",\"'-1\"\r\n")
        let table = try CSVTable(text: text)
        #expect(table.records.map { $0["身份证号"] ?? "" } == ["11010519900307101X", "110105199003071028"])
        #expect(table.records.first?["备注"] == "'=HYPERLINK(\"x\")")
        #expect(CSVExport.text("张三") == "张三")
    }
}
