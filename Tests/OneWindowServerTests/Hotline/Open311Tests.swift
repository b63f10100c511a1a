import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Test data and calls for the Open311 GeoReport v2 suites.
enum Open311Fixtures {
    static func instant(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    static func hotline(_ app: Application) async throws -> HotlineService {
        HotlineService(try await ServiceContext(app, actor: .system), staff: nil)
    }

    /// A phone-channel order filed under `category` (a code), received at `at`.
    @discardableResult
    static func order(
        _ app: Application, at: String, category: String = "010204", content: String = "桃溪大道路灯不亮",
        name: String? = nil, phone: String? = nil
    ) async throws -> WorkOrder {
        let node = try #require(try await HotlineCategory.query(on: app.db).filter(\.$code == category).first())
        let intake = HotlineService.Intake(
            channel: .phone, appealType: .complaint, appellantName: name, phone: phone, title: "路灯",
            content: content, address: "天城镇桃溪大道 88 号", latitude: 29.2, longitude: 114.1,
            categoryID: node.id)
        return try await hotline(app).register(intake, at: instant(at))
    }

    /// An API token of a new staff account with `scopes`.
    static func key(_ app: Application, scopes: Set<String> = ["hotline:write"], username: String = "open311") async throws -> String {
        let staff = try await makeStaff(app, username: username, roles: [.hotlineAgent])
        return try await APITokens.create(for: staff.principal, name: "open311", scopes: scopes, actor: .system, on: app.db)
    }

    static func get(_ app: Application, _ path: String) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.GET, path)
    }

    static func post(_ app: Application, _ form: [(String, String)], path: String = "/open311/v2/requests.json") async throws
        -> TestingHTTPResponse
    {
        var browser = Browser(app)
        return try await browser.post(path, form: form)
    }

    /// A valid request form; `changes` replace or add parameters (an empty value removes one).
    static func form(key: String, _ changes: [String: String] = [:]) -> [(String, String)] {
        var form: [(String, String)] = [
            ("api_key", key), ("service_code", "0102"), ("lat", "29.2"), ("long", "114.1"),
            ("description", "路灯不亮"),
        ]
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            form.removeAll { $0.0 == name }
            if !value.isEmpty { form.append((name, value)) }
        }
        return form
    }
}

extension TestingHTTPResponse {
    /// A JSON array of objects (every Open311 answer but a definition and discovery).
    func array() throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
    }

    /// The one error of an Open311 error array: its code and description.
    func open311Error() throws -> (code: Int, description: String) {
        let errors = try array()
        try #require(errors.count == 1)
        return (try #require(errors[0]["code"] as? Int), try #require(errors[0]["description"] as? String))
    }
}

/// The text of every element of an XML document, in document order (`[("service_code", "0101"), …]`); `nil`
/// when it does not parse.
final class XMLTexts: NSObject, XMLParserDelegate {
    private(set) var elements: [(name: String, text: String)] = []
    private var stack: [String] = []
    private var text = ""

    static func parse(_ string: String) -> [(name: String, text: String)]? {
        let collector = XMLTexts()
        let parser = XMLParser(data: Data(string.utf8))
        parser.delegate = collector
        return parser.parse() ? collector.elements : nil
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        stack.append(name)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        elements.append((stack.removeLast(), text))
        text = ""
    }
}

@Suite struct Open311ServiceTests {
    @Test func services_are_the_second_level_categories_with_their_definitions() async throws {
        try await withTestApp { app in
            let services = try await Open311Fixtures.get(app, "/open311/v2/services.json")
            #expect(services.status == .ok)
            #expect(services.headers.first(name: .contentType) == "application/json; charset=utf-8")
            let list = try services.array()
            let levelTwo = try await HotlineCategory.query(on: app.db).filter(\.$level == 2).count()
            #expect(list.count == levelTwo)
            #expect(list[0]["service_code"] as? String == "0101")
            #expect(list[0]["service_name"] as? String == "安全生产")
            #expect(list[0]["group"] as? String == "城乡建设")
            #expect(list[0]["keywords"] as? String == "事故处理,安全生产管理,安全隐患")
            #expect(list[0]["metadata"] as? Bool == true)
            #expect(list[0]["type"] as? String == "realtime")
            #expect(list[0]["description"] as? String == "城乡建设 › 安全生产")

            let definition = try await Open311Fixtures.get(app, "/open311/v2/services/0102.json").json()
            #expect(definition["service_code"] as? String == "0102")
            let attributes = try #require(definition["attributes"] as? [[String: Any]])
            #expect(attributes.map { $0["code"] as? String } == ["subcategory", "appeal_type"])
            #expect(attributes.map { $0["datatype"] as? String } == ["singlevaluelist", "singlevaluelist"])
            let subcategories = try #require(attributes[0]["values"] as? [[String: String]])
            #expect(subcategories.first == ["key": "010201", "name": "园林绿化环卫"])
            #expect(subcategories.contains(["key": "010204", "name": "城市公共设施"]))
            let types = try #require(attributes[1]["values"] as? [[String: String]])
            #expect(types.map { $0["key"]! } == ["inquiry", "help", "complaint", "report", "suggestion", "praise"])
            #expect(types.map { $0["name"]! } == ["咨询", "求助", "投诉", "举报", "建议", "表扬"])

            let unknown = try await Open311Fixtures.get(app, "/open311/v2/services/9999.json")
            #expect(unknown.status == .notFound)
            #expect(try unknown.open311Error().code == 404)
            // A first-level code is a group, not a service.
            #expect(try await Open311Fixtures.get(app, "/open311/v2/services/01.json").status == .notFound)
        }
    }

    @Test func discovery_names_the_production_endpoint() async throws {
        try await withTestApp { app in
            let discovery = try await app.testing().sendRequest(.GET, "/open311/v2/discovery.json", headers: ["Host": "12345.example.cn"])
                .json()
            #expect(discovery["changeset"] as? String == "2025-03-01T00:00:00+08:00")
            let endpoints = try #require(discovery["endpoints"] as? [[String: Any]])
            #expect(endpoints.count == 1)
            #expect(endpoints[0]["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoints[0]["url"] as? String == "http://12345.example.cn/open311/v2")
            #expect(endpoints[0]["type"] as? String == "production")
            #expect(endpoints[0]["formats"] as? [String] == ["text/xml", "application/json"])
            #expect((discovery["contact"] as? String)?.contains("12345") == true)
        }
    }

    @Test func xml_answers_parse_with_the_specs_elements() async throws {
        try await withTestApp { app in
            app.clock.set(Open311Fixtures.instant("2025-03-25T10:00:00+08:00"))
            let order = try await Open311Fixtures.order(
                app, at: "2025-03-10T09:30:00+08:00", content: "李四反映路灯不亮，电话 139 0013 9000",
                name: "李四", phone: "13900139000")

            let services = try await Open311Fixtures.get(app, "/open311/v2/services.xml")
            #expect(services.headers.first(name: .contentType) == "text/xml; charset=utf-8")
            let serviceElements = try #require(XMLTexts.parse(services.body.string))
            #expect(serviceElements.last?.name == "services")
            #expect(serviceElements.first { $0.name == "service_code" }?.text == "0101")
            #expect(serviceElements.first { $0.name == "group" }?.text == "城乡建设")

            let definition = try #require(XMLTexts.parse(try await Open311Fixtures.get(app, "/open311/v2/services/0102.xml").body.string))
            #expect(definition.last?.name == "service_definition")
            #expect(definition.filter { $0.name == "code" }.map(\.text) == ["subcategory", "appeal_type"])
            #expect(definition.first { $0.name == "key" }?.text == "010201")

            let request = try await Open311Fixtures.get(app, "/open311/v2/requests/\(order.number).xml")
            let elements = try #require(XMLTexts.parse(request.body.string))
            func text(_ name: String) -> String? { elements.first { $0.name == name }?.text }
            #expect(elements.last?.name == "service_requests")
            #expect(text("service_request_id") == "12345-20250310-00001")
            #expect(text("status") == "open")
            #expect(text("status_notes") == "待派单")
            #expect(text("service_code") == "0102")
            #expect(text("description") == "李*反映路灯不亮，电话 139****9000")
            #expect(text("requested_datetime") == "2025-03-10T09:30:00+08:00")
            #expect(text("lat") == "29.2")
            #expect(text("long") == "114.1")
            #expect(text("zipcode") == "")
            #expect(!request.body.string.contains("李四") && !request.body.string.contains("13900139000"))

            let discovery = try #require(XMLTexts.parse(try await Open311Fixtures.get(app, "/open311/v2/discovery.xml").body.string))
            #expect(discovery.filter { $0.name == "format" }.map(\.text) == ["text/xml", "application/json"])

            let missing = try await Open311Fixtures.get(app, "/open311/v2/services/9999.xml")
            #expect(missing.status == .notFound)
            #expect(missing.headers.first(name: .contentType) == "text/xml; charset=utf-8")
            let error = try #require(XMLTexts.parse(missing.body.string))
            #expect(error.map(\.name) == ["code", "description", "error", "errors"])
            #expect(error[0].text == "404")
        }
    }
}

@Suite struct Open311RequestTests {
    @Test func a_date_window_returns_only_the_orders_inside_it() async throws {
        try await withTestApp { app in
            app.clock.set(Open311Fixtures.instant("2025-03-25T10:00:00+08:00"))
            for day in ["01", "10", "20"] { try await Open311Fixtures.order(app, at: "2025-03-\(day)T10:00:00+08:00") }

            let window = try await Open311Fixtures.get(
                app, "/open311/v2/requests.json?start_date=2025-03-05T00:00:00+08:00&end_date=2025-03-15T23:59:59+08:00")
            #expect(window.status == .ok)
            #expect(try window.array().map { $0["service_request_id"] as? String } == ["12345-20250310-00001"])

            let whole = try await Open311Fixtures.get(
                app, "/open311/v2/requests.json?start_date=2025-03-05T10:00:00+08:00&end_date=2025-03-15T23:59:59Z")
            let fractional = try await Open311Fixtures.get(
                app, "/open311/v2/requests.json?start_date=2025-03-05T10:00:00.123%2B08:00&end_date=2025-03-15T23:59:59Z")
            #expect(fractional.status == .ok)
            #expect(try fractional.array().map { $0["service_request_id"] as? String } == ["12345-20250310-00001"])
            #expect(fractional.body.string == whole.body.string)

            // No dates: the last 90 days, newest first.
            let all = try await Open311Fixtures.get(app, "/open311/v2/requests.json")
            #expect(
                try all.array().map { $0["service_request_id"] as? String }
                    == ["12345-20250320-00001", "12345-20250310-00001", "12345-20250301-00001"])
            let first = try all.array()[0]
            #expect(first["requested_datetime"] as? String == "2025-03-20T10:00:00+08:00")
            #expect(first["status"] as? String == "open")
            #expect(first["service_name"] as? String == "城市建设和市政管理")
            #expect(first["agency_responsible"] as? String == "12345政务服务便民热线")
            #expect(first["service_notice"] as? String == "投诉类诉求，派单后 5 个工作日内答复")
            #expect(first["expected_datetime"] is NSNull)
            #expect(first["lat"] as? Double == 29.2)

            // Only an end: the 90 days before it. A bare date covers its day.
            let before = try await Open311Fixtures.get(app, "/open311/v2/requests.json?end_date=2025-03-10")
            #expect(try before.array().map { $0["service_request_id"] as? String } == ["12345-20250310-00001", "12345-20250301-00001"])

            for query in ["start_date=abc", "start_date=2025-02-30T00:00:00Z", "end_date=2025-03-05T25:00:00Z"] {
                let bad = try await Open311Fixtures.get(app, "/open311/v2/requests.json?\(query)")
                #expect(bad.status == .badRequest, "\(query)")
                #expect(try bad.open311Error().description.hasPrefix(String(query.prefix { $0 != "=" }) + "："), "\(query)")
            }
            let backwards = try await Open311Fixtures.get(
                app, "/open311/v2/requests.json?start_date=2025-03-15T00:00:00Z&end_date=2025-03-05T00:00:00Z")
            #expect(try backwards.open311Error().description.hasPrefix("end_date："))
        }
    }

    @Test func ids_service_codes_and_status_filter() async throws {
        try await withTestApp { app in
            app.clock.set(Open311Fixtures.instant("2025-03-25T10:00:00+08:00"))
            let open = try await Open311Fixtures.order(app, at: "2025-03-10T10:00:00+08:00")
            let closed = try await Open311Fixtures.order(app, at: "2025-03-11T10:00:00+08:00", category: "010101")
            closed.state = .closed
            try await closed.save(on: app.db)
            // Uncategorised and first-level orders are not Open311 requests.
            try await Open311Fixtures.order(app, at: "2025-03-12T10:00:00+08:00", category: "01")

            func numbers(_ query: String) async throws -> [String?] {
                try await Open311Fixtures.get(app, "/open311/v2/requests.json?\(query)").array().map { $0["service_request_id"] as? String }
            }
            #expect(try await numbers("") == [closed.number, open.number])
            // With ids, the other filters are ignored (the spec).
            #expect(try await numbers("service_request_id=\(open.number),\(closed.number)&status=open") == [closed.number, open.number])
            #expect(try await numbers("status=closed") == [closed.number])
            #expect(try await numbers("status=open") == [open.number])
            #expect(try await numbers("status=open,closed") == [closed.number, open.number])
            #expect(try await numbers("service_code=0101") == [closed.number])
            #expect(try await numbers("service_code=0102,0101") == [closed.number, open.number])
            #expect(try await numbers("service_code=9999") == [])
            let closedJSON = try await Open311Fixtures.get(app, "/open311/v2/requests/\(closed.number).json").array()
            #expect(closedJSON.count == 1)
            #expect(closedJSON[0]["status"] as? String == "closed")
            #expect(closedJSON[0]["status_notes"] as? String == "已办结")
            #expect(closedJSON[0]["service_code"] as? String == "0101")

            let bad = try await Open311Fixtures.get(app, "/open311/v2/requests.json?status=pending")
            #expect(bad.status == .badRequest)
            #expect(try bad.open311Error().description.hasPrefix("status："))
            let unknown = try await Open311Fixtures.get(app, "/open311/v2/requests/12345-20250101-00009.json")
            #expect(unknown.status == .notFound)
            #expect(try unknown.open311Error().code == 404)
            #expect(try await Open311Fixtures.get(app, "/open311/v2/requests/12345-20250312-00001.json").status == .notFound)
        }
    }

    @Test func a_posted_request_becomes_a_work_order_and_shows_no_personal_data() async throws {
        try await withTestApp { app in
            app.clock.set(Open311Fixtures.instant("2025-03-25T10:00:00+08:00"))
            let key = try await Open311Fixtures.key(app)
            let description = "张三丰反映：桃溪大道路灯不亮，联系电话13800138000，或 138-0013-8000，邮箱zhangsanfeng@example.com，身份证421223199001011234。"
            let response = try await Open311Fixtures.post(
                app,
                Open311Fixtures.form(
                    key: key,
                    [
                        "description": description, "first_name": "三丰", "last_name": "张", "phone": "138 0013 8000",
                        "email": "zhangsanfeng@example.com", "address_string": "天城镇桃溪大道 88 号（张三丰家门口）",
                        "attribute[appeal_type]": "complaint", "attribute[subcategory]": "010204",
                        "media_url": "https://img.example.cn/a.jpg",
                        "jurisdiction_id": "421223000000", "device_id": "d-1", "account_id": "a-1",
                    ]))
            #expect(response.status == .created)
            let created = try response.array()
            #expect(created.count == 1)
            #expect(created[0]["service_request_id"] as? String == "12345-20250325-00001")
            #expect(created[0]["account_id"] is NSNull)
            #expect(created[0]["service_notice"] as? String == "已受理，工单号 12345-20250325-00001；投诉类诉求，派单后 5 个工作日内答复")
            let token = try #require(created[0]["token"] as? String)

            let order = try #require(
                try await WorkOrder.query(on: app.db).filter(\.$number == "12345-20250325-00001").with(\.$category).first())
            #expect(order.channel == .api)
            #expect(order.appealType == .complaint)
            #expect(order.state == .registered)
            #expect(order.appellantName == "张三丰")
            #expect(order.phone == "13800138000")
            #expect(order.title == "张三丰反映：桃溪大道路灯不亮，联系电话13800138000")
            #expect(order.content == description)
            #expect(order.category?.code == "010204")
            #expect(order.serviceCode == "0102")
            #expect(order.open311Token == token)
            #expect(order.receivedAt == Open311Fixtures.instant("2025-03-25T10:00:00+08:00"))

            let shown = try await Open311Fixtures.get(app, "/open311/v2/requests/12345-20250325-00001.json").array()
            #expect(shown.count == 1)
            #expect(
                shown[0]["description"] as? String
                    == "张*丰反映：桃溪大道路灯不亮，联系电话138****8000，或 138****8000，邮箱zh***@example.com，身份证4212**********1234。")
            // The place may be the appellant's home: county and township only.
            #expect(shown[0]["address"] as? String == "天城镇桃溪大****")
            // The URL is kept for staff, never republished (it may carry personal data).
            #expect(shown[0]["media_url"] is NSNull)
            #expect(try await WorkOrderMedia.query(on: app.db).all().map(\.url) == ["https://img.example.cn/a.jpg"])
            #expect(shown[0]["service_code"] as? String == "0102")

            let byToken = try await Open311Fixtures.get(app, "/open311/v2/tokens/\(token).json").array()
            #expect(byToken.count == 1)
            #expect(byToken[0]["service_request_id"] as? String == "12345-20250325-00001")
            #expect(byToken[0]["token"] as? String == token)
            #expect(try await Open311Fixtures.get(app, "/open311/v2/tokens/nope.json").status == .notFound)

            // No name, phone, e-mail or ID number in any Open311 answer.
            for path in [
                "requests.json", "requests.xml", "requests/12345-20250325-00001.json", "requests/12345-20250325-00001.xml",
                "tokens/\(token).json", "services.json",
            ] {
                let body = try await Open311Fixtures.get(app, "/open311/v2/\(path)").body.string
                for secret in ["张三丰", "13800138000", "0013-8000", "0013 8000", "zhangsanfeng", "421223199001011234"] {
                    #expect(!body.contains(secret), "\(path) shows \(secret)")
                }
            }

            // JSON bodies work too, with the attributes as an object; the default appeal type is 求助.
            var json = HTTPHeaders()
            json.contentType = .json
            let body =
                #"{"api_key":"\#(key)","service_code":"0101","lat":29.3,"long":114.2,"description":"安全隐患","attribute":{"subcategory":"nope"}}"#
            let viaJSON = try await app.testing().sendRequest(
                .POST, "/open311/v2/requests.json", headers: json, body: ByteBuffer(string: body))
            #expect(viaJSON.status == .created)
            let second = try #require(
                try await WorkOrder.query(on: app.db).filter(\.$number == "12345-20250325-00002").with(\.$category).first())
            #expect(second.appealType == .help)
            #expect(second.category?.code == "0101")
            #expect(second.appellantName == nil)
            #expect(second.latitude == 29.3)

            let xml = try await Open311Fixtures.post(app, Open311Fixtures.form(key: key), path: "/open311/v2/requests.xml")
            #expect(xml.status == .created)
            let elements = try #require(XMLTexts.parse(xml.body.string))
            #expect(elements.first { $0.name == "service_request_id" }?.text == "12345-20250325-00003")
        }
    }

    @Test func bad_input_is_a_400_or_403_error_array_never_a_500() async throws {
        try await withTestApp { app in
            let key = try await Open311Fixtures.key(app)
            let cases: [([String: String], String)] = [
                (["lat": "91"], "lat："), (["long": "200"], "long："), (["lat": "abc"], "lat："), (["long": "1e999"], "long："),
                (["lat": "nan"], "lat："), (["lat": "30.5"], "lat："), (["long": "120.0"], "long："), (["long": ""], "long："),
                (["lat": "", "long": ""], "lat："), (["service_code": "9999"], "service_code："), (["service_code": ""], "service_code："),
                (["description": ""], "description："), (["description": String(repeating: "长", count: 4001)], "description："),
                (["phone": "12345"], "phone："), (["attribute[appeal_type]": "anger"], "attribute[appeal_type]："),
                (["media_url": "javascript:alert(1)"], "media_url："), (["jurisdiction_id": "110000000000"], "jurisdiction_id："),
                (["first_name": String(repeating: "名", count: 51)], "first_name："),
            ]
            for (changes, prefix) in cases {
                let response = try await Open311Fixtures.post(app, Open311Fixtures.form(key: key, changes))
                #expect(response.status == .badRequest, "\(changes)")
                #expect(response.headers.first(name: .contentType) == "application/json; charset=utf-8")
                let error = try response.open311Error()
                #expect(error.code == 400, "\(changes)")
                #expect(error.description.hasPrefix(prefix), "\(changes): \(error.description)")
            }

            let readOnly = try await Open311Fixtures.key(app, scopes: ["cases:read"], username: "reader")
            for form in [
                Open311Fixtures.form(key: key, ["api_key": ""]), Open311Fixtures.form(key: "ow_wrong"), Open311Fixtures.form(key: readOnly),
            ] {
                let refused = try await Open311Fixtures.post(app, form)
                #expect(refused.status == .forbidden)
                #expect(try refused.open311Error().code == 403)
            }
            let refusedXML = try await Open311Fixtures.post(app, Open311Fixtures.form(key: "ow_wrong"), path: "/open311/v2/requests.xml")
            #expect(refusedXML.status == .forbidden)
            #expect(XMLTexts.parse(refusedXML.body.string)?.first?.text == "403")

            var json = HTTPHeaders()
            json.contentType = .json
            let broken = try await app.testing().sendRequest(
                .POST, "/open311/v2/requests.json", headers: json, body: ByteBuffer(string: "[1"))
            #expect(broken.status == .badRequest)
            #expect(try broken.open311Error().code == 400)
            let unknownPath = try await Open311Fixtures.get(app, "/open311/v2/nothing.json")
            #expect(unknownPath.status == .notFound)
            #expect(try unknownPath.open311Error().code == 404)
            #expect(try await WorkOrder.query(on: app.db).count() == 0)
        }
    }
}
