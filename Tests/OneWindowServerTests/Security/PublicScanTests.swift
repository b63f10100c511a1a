import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

/// People planted through the real flows, each with values found nowhere else (names, 身份证号 that pass GB 11643,
/// phones 1391234xxxx, e-mails, street names), and what a public answer may show of them.
struct PlantedPerson: Sendable {
    let role: String
    let name: String
    var id: String? = nil
    var phone: String? = nil
    var email: String? = nil
    /// The full address; its part after the county and township (the first 6 characters) must never show.
    var address: String? = nil

    /// The full values no public answer may carry: the name, the ID, the phone, the e-mail's local part, the street.
    var secrets: [String] {
        [name] + [id, phone].compactMap { $0 } + [email.map { String($0.prefix { $0 != "@" }) }, street].compactMap { $0 }
    }

    /// The street part of the address (`幽兰巷 17 号` of `崇阳县天城镇幽兰巷 17 号`).
    var street: String? { address.map { String($0.dropFirst(6)) } }
    var maskedName: String { Masking.name(name) }
    var maskedPhone: String? { phone.map(Masking.phone) }
}

/// Everything planted: the people, and the numbers, codes and tokens a citizen holds.
struct PublicScanPlant {
    static let applicant = PlantedPerson(
        role: "case applicant", name: "欧阳娜娜", id: DeskFixtures.residentID(birth: "19850612", seq: 101), phone: "13912340001",
        email: "ouyang.nana@example.com")
    static let proxy = PlantedPerson(
        role: "case 代办人", name: "司马光明", id: DeskFixtures.residentID(birth: "19700101", seq: 202), phone: "13912340002")
    static let webAppellant = PlantedPerson(
        role: "12345 web appellant", name: "诸葛亮亮", id: DeskFixtures.residentID(birth: "19900315", seq: 303), phone: "13912340003",
        email: "zhuge.liangliang@example.com", address: "崇阳县天城镇幽兰巷 17 号")
    static let open311Appellant = PlantedPerson(
        role: "Open311 appellant", name: "上官云飞", id: DeskFixtures.residentID(birth: "19751120", seq: 404), phone: "13912340004",
        email: "shangguan.yunfei@example.com", address: "崇阳县天城镇翠竹巷 23 号")
    static let booker = PlantedPerson(
        role: "appointment", name: "慕容秋水", id: DeskFixtures.residentID(birth: "19881008", seq: 505), phone: "13912340005")
    static let visited = PlantedPerson(
        role: "home visit", name: "司徒春晓", id: DeskFixtures.residentID(birth: "19400302", seq: 606), phone: "13912340006",
        address: "崇阳县天城镇桂花巷 8 号")
    static let ticketHolder = PlantedPerson(
        role: "phone ticket", name: "端木清风", id: DeskFixtures.residentID(birth: "19920229", seq: 707), phone: "13912340007")
    static let complainant = PlantedPerson(
        role: "complaint", name: "东方明月", phone: "13912340008", email: "dongfang.mingyue@example.com")
    static let consulted = PlantedPerson(role: "局长帮办 consulted citizen", name: "南宫雪梅", phone: "13912340009")
    static let caller = PlantedPerson(role: "12345 caller answered on the call", name: "公孙长风", phone: "13912340010")
    static let people = [
        applicant, proxy, webAppellant, open311Appellant, booker, visited, ticketHolder, complainant, consulted, caller,
    ]

    var acceptedCase = ""
    var pausedCase = ""
    var webOrder = ""
    var open311Order = ""
    var open311Token = ""
    var callOrder = ""
    var appointmentCode = ""
    var visitNumber = ""
    var cancelledVisit = ""
    var ticketToken = ""
    var rateToken = ""
    var itemCode = "421223RSJ0001"
    var anyID = UUID()
    var windowID = UUID()
    var helperID = UUID()

    /// Plants every person through the flow a citizen or a clerk would use (HTTP), or the service where no page does.
    static func plant(_ app: Application) async throws -> PublicScanPlant {
        var plant = PublicScanPlant()
        CaseFixtures.setClock(app, "2025-03-03 09:00")
        // A 即办件 with applicant and 代办人, completed by the clerk: the SMS carries the 一事一评 link.
        let clerk = try await CaseFixtures.token(app, "scanclerk", roles: [.clerk])
        let (a, p) = (applicant, proxy)
        let proxyFields: [String: Any] = ["proxyIdNumber": p.id!, "proxyName": p.name, "proxyPhone": p.phone!]
        let completed = try await CaseFixtures.create(
            app, token: clerk, itemCode: "421223RSJ0001", idNumber: a.id!, name: a.name, phone: a.phone!, intent: "complete",
            extra: proxyFields)
        #expect(completed.status == .created)
        plant.acceptedCase = try #require(try CaseFixtures.caseJSON(completed)["caseNumber"] as? String)
        // A case paused for 补正, the note naming both people (the progress page and the SMS show it).
        let paused = try await CaseFixtures.create(
            app, token: clerk, itemCode: "421223JTYS0001", idNumber: a.id!, name: a.name, phone: a.phone!, extra: proxyFields)
        plant.pausedCase = try #require(try CaseFixtures.caseJSON(paused)["caseNumber"] as? String)
        let approver = try await PlantedRecords.staff(app, "scanapprover", [.approver], department: "JTYS")
        let approverToken = try await APITokens.create(
            for: approver.principal, name: "scan", scopes: ["cases:read", "cases:write"], actor: .system, on: app.db)
        #expect(try await CaseFixtures.act(app, token: approverToken, number: plant.pausedCase, "take").status == .ok)
        let note = "请\(a.name)（代办人\(p.name)，\(p.phone!)）补充行驶证，身份证\(a.id!)，有疑问回电\(a.phone!)"
        let pause = try await CaseFixtures.act(app, token: approverToken, number: plant.pausedCase, "pause", ["note": note])
        #expect(pause.status == .ok)

        // The applicant rates the completed case through the link, the comment giving an e-mail and the phone.
        var citizen = Browser(app)
        let invitation = try #require(try await RatingInvitation.query(on: app.db).first())
        plant.rateToken = invitation.token
        let rateCSRF = try await citizen.csrfToken(from: "/rate/\(plant.rateToken)")
        let rated = try await citizen.post(
            "/rate/\(plant.rateToken)",
            form: [
                ("csrfToken", rateCSRF), ("overall", "2"), ("attitude", "2"),
                ("comment", "我是\(a.name)，跑了两趟，请联系 \(a.email!) 或 \(a.phone!)"),
            ])
        #expect(rated.status == .seeOther)

        // 12345 from the public web form: an ID, a phone and an e-mail typed into the content, an address.
        let w = webAppellant
        let appealCSRF = try await citizen.csrfToken(from: "/hotline/appeal")
        let townships = try await HotlineIntakeForm.townships(region: app.settings.region.value, on: app.db)
        let appeal = try await citizen.post(
            "/hotline/appeal",
            form: [
                ("csrfToken", appealCSRF), ("appealType", "complaint"), ("appellantName", w.name), ("phone", w.phone!),
                ("content", "\(w.name)反映：门前路灯坏了一个月，身份证\(w.id!)，电话\(w.phone!)，邮箱\(w.email!)，请尽快修复"),
                ("address", w.address!), ("township", townships.first?.code ?? ""),
            ])
        #expect(appeal.status == .seeOther)
        plant.webOrder = try #require(appeal.headers.first(name: .location)?.components(separatedBy: "done=").last)

        // 12345 from Open311 POST: name, phone, e-mail, and an ID and phone in the description.
        let o = open311Appellant
        let key = try await Open311Fixtures.key(app)
        let posted = try await Open311Fixtures.post(
            app,
            Open311Fixtures.form(
                key: key,
                [
                    "first_name": String(o.name.dropFirst(2)), "last_name": String(o.name.prefix(2)), "phone": o.phone!,
                    "email": o.email!, "address_string": o.address!, "lat": "", "long": "",
                    "description": "\(o.name)：翠竹巷下水道堵塞，身份证\(o.id!)，手机\(o.phone!)，邮件\(o.email!)",
                ]))
        #expect(posted.status == .created)
        let answer = try #require(try posted.array().first)
        plant.open311Order = try #require(answer["service_request_id"] as? String)
        plant.open311Token = try #require(answer["token"] as? String)

        // 12345 by phone, answered on the call with a reply naming the caller and the number to call back.
        let c = caller
        let call = HotlineService.Intake(
            channel: .phone, appealType: .inquiry, appellantName: c.name, phone: c.phone, title: "\(c.name)咨询社保卡补办",
            content: "\(c.name)咨询社保卡补办需要带什么材料", address: "")
        let answered = try await HotlineFixtures.service(app).register(
            call, then: .answer("\(c.name)您好：补办社保卡带身份证到人社窗口即可，如需上门请回拨\(c.phone!)联系。"))
        plant.callOrder = answered.number

        // An appointment through the public API.
        let slot = try #require(try await AppointmentTests.slot(app, day: "2025-03-04", times: "09:00-10:00", capacity: 5).first)
        let b = booker
        let booked = try await AppointmentTests.book(app, slot: try slot.requireID(), id: b.id!, name: b.name, phone: b.phone!)
        #expect(booked.status == .created)
        plant.appointmentCode = try #require(try booked.json()["code"] as? String)

        // A home visit requested on the public form.
        let v = visited
        let visitCSRF = try await citizen.csrfToken(from: "/home-visits/new")
        let visit = try await citizen.post(
            "/home-visits/new",
            form: [
                ("csrfToken", visitCSRF), ("reason", "elderly"), ("idNumber", v.id!), ("name", v.name), ("phone", v.phone!),
                ("address", v.address!), ("need", "\(v.name)申请高龄津贴，电话\(v.phone!)"),
            ])
        plant.visitNumber = try #require(visit.headers.first(name: .location)?.components(separatedBy: "done=").last)
        // A second request, taken by phone and cancelled with a reason that names the requester and the phone.
        let visits = HomeVisitService(
            db: app.db, zone: app.settings.timeZone, region: app.settings.region.value, actor: .system, now: app.clock.now)
        let second = try await visits.request(
            .init(
                channel: .phone, reason: .elderly, residentID: try ResidentID(v.id!), name: v.name, phone: try MobileNumber(v.phone!),
                address: v.address!, need: "养老保险资格认证", itemCode: nil))
        _ = try await visits.cancel(second.requireID(), reason: "\(v.name)已住院，家属来电\(v.phone!)取消")
        plant.cancelledVisit = second.number

        // A ticket taken by phone (remote queue), with ID, name and phone.
        let t = ticketHolder
        let queueCSRF = try await citizen.csrfToken(from: "/queue/CY-ZX")
        let ticket = try await citizen.post(
            "/queue/CY-ZX/tickets",
            form: [("csrfToken", queueCSRF), ("category", "B"), ("idNumber", t.id!), ("name", t.name), ("phone", t.phone!)])
        plant.ticketToken = try #require(ticket.headers.first(name: .location)?.components(separatedBy: "/").last)
        // Called at window 5 (the display shows it, the holder gets an SMS), served, waiting on the window's pad.
        let deskClerk = try await makeStaff(app, username: "scandesk", roles: [.clerk])
        let window = try await DeskFixtures.window(app, "5")
        _ = try await DeskFixtures.queue(app, staff: deskClerk).signIn(window: window, categories: [])
        let called = try #require(try await DeskFixtures.queue(app, staff: deskClerk).callNext(window: window))
        #expect(called.followToken == plant.ticketToken)
        plant.windowID = try window.requireID()
        plant.helperID = try await makeStaff(app, username: "scanhelper", roles: [.helper]).requireID()

        // A complaint taken by a supervisor.
        try await makeStaff(app, username: "scansuper", roles: [.supervisor])
        var supervisor = try await Browser.owner(app, "scansuper")
        let complaintCSRF = try await supervisor.csrfToken(from: "/complaints")
        let m = complainant
        let complaint = try await supervisor.post(
            "/complaints",
            form: [
                ("csrfToken", complaintCSRF), ("complainantName", m.name), ("phone", m.phone!),
                ("content", "\(m.name)投诉窗口推诿，回复请发 \(m.email!)"), ("windowNumber", "5"),
            ])
        #expect(complaint.status == .seeOther)

        // A 局长帮办 shift: the case served, a citizen consulted, an improvement on the public list.
        let director = try await makeStaff(app, username: "scandirector", roles: [.director])
        var browser = try await Browser.owner(app, "scandirector")
        let shiftCSRF = try await browser.csrfToken(from: "/director-shifts?month=2025-03")
        let department = try await HotlineFixtures.department(app, "RSJ")
        _ = try await browser.post(
            "/director-shifts",
            form: [
                ("csrfToken", shiftCSRF), ("day", "2025-03-03"), ("period", "上午"), ("department", department.id!.uuidString),
                ("director", director.id!.uuidString),
            ])
        let shift = try #require(try await DirectorShift.query(on: app.db).first())
        let path = "/director-shifts/\(shift.id!.uuidString)"
        _ = try await browser.post(path + "/cases", form: [("csrfToken", shiftCSRF), ("caseNumber", plant.acceptedCase)])
        let n = consulted
        _ = try await browser.post(
            path + "/consultation",
            form: [("csrfToken", shiftCSRF), ("name", n.name), ("phone", n.phone!), ("feedback", "\(n.name)希望社保窗口午间不休")])
        let improvement = try await browser.post(
            path + "/improvements",
            form: [
                ("csrfToken", shiftCSRF), ("finding", "社保窗口午间无人"), ("action", "午间轮班"), ("owner", "县人社局 窗口负责人"),
                ("dueOn", "2025-03-31"),
            ])
        #expect(improvement.status == .seeOther)
        plant.anyID = try shift.requireID()
        return plant
    }
}

@Suite("Security: planted-data scan of every public answer")
struct PublicScanTests {
    /// GET routes the anonymous scan does not request, each with the reason.
    static let notScanned: [String: String] = [
        "GET /display/:hall/live":
            "WebSocket: pushes the display state, which GET /display/:hall/state answers (scanned)"
    ]

    /// The GET routes an anonymous visitor gets an answer from (not 401/403/a redirect to sign in), pinned: a new
    /// public route fails here until it is looked at and added.
    static let publicRoutes: [String] = [
        // the portal and the guide
        "/", "/guide", "/guide/:code", "/apply/:code", "/apply/receipt", "/progress", "/signin", "/preferences/elder", "/health",
        // Prometheus figures: loopback only (the in-memory visitor counts as one) or a Bearer token; counts, no people
        "/metrics",
        // the front desk
        "/kiosk/:hall", "/queue/:hall", "/tickets/:token", "/tickets/:token/slip", "/display/:hall", "/display/:hall/state",
        "/appointments", "/appointments/:code", "/home-visits/new", "/home-visits/status", "/improvements",
        // 12345
        "/hotline/appeal", "/hotline/status",
        // evaluation
        "/board", "/pad/:window", "/pad/helpers/:staff", "/rate/:token",
        // the public JSON API
        "/api/v1/appointment-slots", "/api/v1/calendar/:year", "/api/v1/deadline", "/api/v1/departments", "/api/v1/halls/:hall/queue",
        "/api/v1/items", "/api/v1/items/:code", "/api/v1/openapi.json",
        // Open311 (JSON and XML)
        "/open311/v2/discovery.json", "/open311/v2/discovery.xml", "/open311/v2/services.json", "/open311/v2/services.xml",
        "/open311/v2/services/:file", "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/requests/:file",
        "/open311/v2/tokens/:file", "/open311/v2/**",
    ]

    /// A route's path as registered: `/progress`, `/tickets/:token`.
    static func pattern(_ route: Route) -> String { "/" + route.path.map(\.description).joined(separator: "/") }

    /// The paths requested for `pattern` (with the look-ups a citizen makes), or nil for an unknown parameter.
    static func paths(_ pattern: String, _ plant: PublicScanPlant) -> [String]? {
        let phone4 = { (person: PlantedPerson) in String(person.phone!.suffix(4)) }
        switch pattern {
        case "/progress":
            return [
                "/progress", "/progress?caseNumber=\(plant.acceptedCase)&phone4=\(phone4(PublicScanPlant.applicant))",
                "/progress?caseNumber=\(plant.pausedCase)&phone4=\(phone4(PublicScanPlant.applicant))",
            ]
        case "/hotline/status":
            return [
                "/hotline/status", "/hotline/status?number=\(plant.webOrder)&phone4=\(phone4(PublicScanPlant.webAppellant))",
                "/hotline/status?number=\(plant.open311Order)&phone4=\(phone4(PublicScanPlant.open311Appellant))",
                "/hotline/status?number=\(plant.callOrder)&phone4=\(phone4(PublicScanPlant.caller))",
            ]
        case "/home-visits/status":
            return ["/home-visits/status"]
                + [plant.visitNumber, plant.cancelledVisit].map {
                    "/home-visits/status?number=\($0)&phone4=\(phone4(PublicScanPlant.visited))"
                }
        case "/hotline/appeal": return ["/hotline/appeal", "/hotline/appeal?done=\(plant.webOrder)"]
        case "/home-visits/new": return ["/home-visits/new", "/home-visits/new?done=\(plant.visitNumber)"]
        case "/apply/receipt": return ["/apply/receipt?caseNumber=\(plant.acceptedCase)"]
        case "/open311/v2/requests.json", "/open311/v2/requests.xml":
            let ids = [plant.webOrder, plant.open311Order, plant.callOrder].joined(separator: ",")
            return [pattern, pattern + "?service_request_id=" + ids]
        case "/api/v1/appointment-slots": return [pattern + "?hall=CY-ZX&category=B&day=2025-03-04"]
        case "/api/v1/deadline": return [pattern + "?from=2025-03-03&days=5"]
        default: break
        }
        var paths = [""]
        for component in pattern.split(separator: "/").map(String.init) {
            let values: [String]
            switch component {
            case _ where !component.hasPrefix(":") && component != "**": values = [component]
            case ":file" where pattern.hasPrefix("/open311/v2/requests/"):
                values = [plant.webOrder, plant.open311Order, plant.callOrder].flatMap { [$0 + ".json", $0 + ".xml"] }
            case ":file" where pattern.hasPrefix("/open311/v2/tokens/"): values = ["json", "xml"].map { plant.open311Token + "." + $0 }
            case ":file": values = ["0102.json", "0102.xml"]
            case ":code" where pattern.hasPrefix("/appointments/"): values = [plant.appointmentCode]
            case ":code": values = [plant.itemCode]
            case ":token" where pattern.hasPrefix("/rate/"): values = [plant.rateToken]
            case ":token": values = [plant.ticketToken]
            case ":number" where pattern.contains("work-orders"): values = [plant.webOrder]
            case ":number": values = [plant.acceptedCase]
            case ":hall": values = ["CY-ZX"]
            case ":window" where pattern.hasPrefix("/pad/"): values = [plant.windowID.uuidString]
            case ":window": values = ["5"]
            case ":staff" where pattern.hasPrefix("/pad/"): values = [plant.helperID.uuidString]
            case "**": values = ["unknown.json"]
            case ":year": values = ["2025"]
            case ":figure": values = ["cases"]
            case ":id", ":staff", ":ticket": values = [plant.anyID.uuidString]
            case ":action", ":step": values = ["none"]
            default: return nil
            }
            paths = paths.flatMap { path in values.map { path + "/" + $0 } }
        }
        return paths.map { $0.isEmpty ? "/" : $0 }
    }

    /// True when the answer turns an anonymous visitor away: 401, 403, or a redirect to the sign-in page.
    static func refused(_ response: TestingHTTPResponse) -> Bool {
        if [.unauthorized, .forbidden].contains(response.status) { return true }
        let location = response.headers.first(name: .location) ?? ""
        return (300..<400).contains(response.status.code) && location.hasPrefix("/signin")
    }

    /// `text`'s leaks: each planted full value found in it, as `role: value`.
    static func leaks(in text: String) -> [String] {
        PublicScanPlant.people.flatMap { person in person.secrets.filter { text.contains($0) }.map { "\(person.role): \($0)" } }
    }

    @Test("No public answer (pages, Open311 JSON and XML, public JSON, CSV) and no SMS carries a planted full value")
    func scan() async throws {
        try await withTestApp { app in
            let started = Date()
            let plant = try await PublicScanPlant.plant(app)
            var visitor = Browser(app)
            var unknown: [String] = []
            var answering: Set<String> = []
            var found: [String] = []
            var bodies: [String: String] = [:]
            for route in app.routes.all where route.method == .GET {
                let pattern = Self.pattern(route)
                if Self.notScanned["GET \(pattern)"] != nil { continue }
                guard let paths = Self.paths(pattern, plant) else {
                    unknown.append(pattern)
                    continue
                }
                for path in paths {
                    let response = try await visitor.get(path)
                    if Self.refused(response) { continue }
                    answering.insert(pattern)
                    let body = response.body.string
                    bodies[path] = body
                    found += Self.leaks(in: body).map { "GET \(path) (\(response.status.code)) shows \($0)" }
                }
            }
            #expect(unknown.sorted() == [], "GET routes with a parameter the scan cannot fill, listed in neither list")
            let registered = Set(app.routes.all.map { "\($0.method.rawValue) \(Self.pattern($0))" })
            #expect(Set(Self.notScanned.keys).subtracting(registered).sorted() == [], "notScanned names routes that are gone")
            #expect(answering.sorted() == Self.publicRoutes.sorted(), "public GET routes changed: look at each new one")
            for message in try await OutboxMessage.query(on: app.db).sort(\.$createdAt).all() {
                found += Self.leaks(in: message.body).map { "SMS \(message.template) shows \($0)" }
            }
            #expect(found == [])
            // Where a page shows the person, it shows the masked form.
            let p = PublicScanPlant.self
            let expected: [(String, [String])] = [
                ("/progress?caseNumber=\(plant.acceptedCase)&phone4=0001", [p.applicant.maskedName]),
                (
                    "/progress?caseNumber=\(plant.pausedCase)&phone4=0001",
                    [p.applicant.maskedName, p.proxy.maskedName, "139****0002", "1101**********1010"]
                ),
                ("/hotline/status?number=\(plant.webOrder)&phone4=0003", [p.webAppellant.maskedName]),
                ("/hotline/status?number=\(plant.callOrder)&phone4=0010", ["\(p.caller.maskedName)您好", "139****0010"]),
                (
                    "/open311/v2/requests/\(plant.open311Order).json",
                    [p.open311Appellant.maskedName, "139****0004", "sh***@example.com", "1101**********", "崇阳县天城镇****"]
                ),
                ("/appointments/\(plant.appointmentCode)", [p.booker.maskedName, "139****0005"]),
                ("/home-visits/status?number=\(plant.cancelledVisit)&phone4=0006", ["\(p.visited.maskedName)已住院，家属来电139****0006取消"]),
                ("/tickets/\(plant.ticketToken)", [p.ticketHolder.maskedName]),
                ("/display/CY-ZX/state", [p.ticketHolder.maskedName]),
            ]
            for (path, masks) in expected {
                let body = try #require(bodies[path], "\(path) not scanned")
                #expect(masks.filter { !body.contains($0) } == [], "\(path)")
            }
            let sms = try await OutboxMessage.query(on: app.db).all().map(\.body).joined(separator: "\n")
            #expect(sms.contains("\(p.caller.maskedName)您好"))
            #expect(sms.contains("请\(p.applicant.maskedName)（代办人\(p.proxy.maskedName)，139****0002）"))
            print(
                "public scan: \(answering.count) routes, \(bodies.count) answers, \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
            )
        }
    }
}
