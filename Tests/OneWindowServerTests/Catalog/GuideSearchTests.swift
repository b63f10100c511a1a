import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct GuideSearchTests {
    func codes(_ response: TestingHTTPResponse) throws -> [String] {
        let items = try #require(try response.json()["items"] as? [[String: Any]])
        return items.compactMap { $0["itemCode"] as? String }
    }

    @Test func chinese_words_are_found_in_the_middle_of_names() async throws {
        try await withTestApp { app in
            for query in ["异地就医", "就医备案", "医备"] {
                let response = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode(query))")
                #expect(response.status == .ok)
                #expect(try codes(response) == ["421223YBJ0001"])
            }
            let social = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("就业"))")
            #expect(try codes(social) == ["421223RSJ0002", "421223RSJ0003", "421223RSJ0001"])
            let percent = try await app.testing().sendRequest(.GET, "/api/v1/items?q=%25")
            #expect(try codes(percent) == [])
        }
    }

    @Test func everyday_words_and_several_words_find_the_catalogue_terms() async throws {
        try await withTestApp { app in
            let social = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("社保"))")
            #expect(try codes(social) == ["421223RSJ0002", "421223RSJ0001"])
            let licence = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("营业执照"))")
            #expect(try codes(licence) == ["421223SCJG0002", "421223SCJG0001"])
            let twoWords = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("不动产 登记"))")
            #expect(try codes(twoWords) == ["421223ZRZY0001"])
            let noMatch = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("不动产 公积金"))")
            #expect(try codes(noMatch) == [])
            // What a haulier says at the window: 货运, 营运证, 道路运输.
            for word in ["货运", "营运证", "道路运输"] {
                let freight = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode(word))")
                #expect(try codes(freight) == ["421223JTYS0001"], "\(word)")
            }
        }
    }

    @Test func the_county_items_come_before_the_province_items() async throws {
        try await withTestApp { app in
            let header = "item_code,name,department,item_category,case_type,statutory_days,promised_days,online\n"
            let table = try CatalogImporter.parse(header + "11420000TEST00000007,异地就医备案（省级）,湖北省医疗保障局,公共服务,即办件,,,yes\n")
            let run = try await CatalogImporter.begin(
                fileName: "p.csv", total: 1, region: try .init("420000000000"), actor: .commandLine, on: app.db)
            try await CatalogImporter.run(run, table: table, actor: .commandLine, on: app.db)
            let response = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("异地就医"))")
            #expect(try codes(response) == ["421223YBJ0001", "11420000TEST00000007"])
            let page = try await app.testing().sendRequest(.GET, "/guide/11420000TEST00000007")
            #expect(page.body.string.contains("即办（当场办结）"))
            #expect(page.body.string.contains("本事项的申请材料清单尚未录入本系统"))
        }
    }

    @Test func filters_narrow_by_category_case_type_department_and_online() async throws {
        try await withTestApp { app in
            let licensing = try await app.testing().sendRequest(.GET, "/api/v1/items?category=licensing&per=100")
            #expect(try codes(licensing).sorted() == ["421223JTYS0001", "421223SCJG0001", "421223SCJG0002", "421223YJGL0001"])
            let instant = try await app.testing().sendRequest(.GET, "/api/v1/items?caseType=instant&online=true")
            #expect(try codes(instant).count == 5)
            let offline = try await app.testing().sendRequest(.GET, "/api/v1/items?online=false")
            #expect(try codes(offline).sorted() == ["421223CLS0001", "421223MZJ0001", "421223RSJ0002", "421223ZRZY0001"])
            let department = try #require(try await Department.query(on: app.db).filter(\.$code == "RSJ").first())
            let byDepartment = try await app.testing().sendRequest(.GET, "/api/v1/items?department=\(department.id!.uuidString)")
            #expect(try codes(byDepartment).count == 3)
            let byCode = try await app.testing().sendRequest(.GET, "/api/v1/items?department=rsj")
            #expect(try codes(byCode).count == 3)
            let byName = try await app.testing().sendRequest(.GET, "/api/v1/items?department=\(Browser.encode("县人社局"))")
            #expect(try codes(byName).count == 3)
            let unknown = try await app.testing().sendRequest(.GET, "/api/v1/items?department=\(Browser.encode("不存在局"))")
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorPayload()["message"] == "没有名为或编码为“不存在局”的部门")
            let list = try await app.testing().sendRequest(.GET, "/api/v1/departments")
            let departments = try #require(try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [[String: Any]])
            #expect(departments.count == 9)
        }
    }

    @Test func pages_are_stable_and_cover_every_item_once() async throws {
        try await withTestApp { app in
            var seen: [String] = []
            for page in 1...3 {
                let response = try await app.testing().sendRequest(.GET, "/api/v1/items?per=5&page=\(page)")
                let metadata = try #require(try response.json()["metadata"] as? [String: Int])
                #expect(metadata == ["page": page, "per": 5, "total": 12])
                seen += try codes(response)
            }
            #expect(seen.count == 12)
            #expect(Set(seen).count == 12)
            let again = try await app.testing().sendRequest(.GET, "/api/v1/items?per=5&page=2")
            #expect(try codes(again) == Array(seen[5..<10]))
        }
    }

    @Test func bad_parameters_are_400_naming_the_field() async throws {
        try await withTestApp { app in
            for (query, field) in [
                ("page=0", "page"), ("page=", "page"), ("per=", "per"), ("per=101", "per"), ("category=foo", "category"),
                ("caseType=x", "caseType"),
                ("online=maybe", "online"), ("q=" + String(repeating: "a", count: 101), "q"),
            ] {
                let response = try await app.testing().sendRequest(.GET, "/api/v1/items?\(query)")
                #expect(response.status == .badRequest)
                let error = try response.errorPayload()
                #expect(error["code"] == "invalid_field")
                #expect(error["field"] == field)
            }
        }
    }

    @Test func an_item_shows_limits_cut_and_materials() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/items/421223ZRZY0001")
            #expect(response.status == .ok)
            let body = try response.json()
            let summary = try #require(body["summary"] as? [String: Any])
            #expect(summary["statutoryDays"] as? Double == 30)
            #expect(summary["promisedDays"] as? Double == 1)
            #expect(summary["cutDays"] as? Double == 29)
            #expect(summary["cutPercent"] as? Double == 96.67)
            let materials = try #require(body["materials"] as? [[String: Any]])
            #expect(materials.count == 6)
            #expect(materials[2]["name"] as? String == "不动产权属证书")
            #expect(materials[2]["licenceType"] as? String == "不动产权证书")
            #expect(body["allowsPendingMaterials"] as? Bool == true)

            let missing = try await app.testing().sendRequest(.GET, "/api/v1/items/NOSUCHITEM0001")
            #expect(missing.status == .notFound)
            #expect(try missing.errorPayload()["code"] == "not_found")
        }
    }

    @Test func guide_pages_render_in_chinese() async throws {
        try await withTestApp { app in
            let search = try await app.testing().sendRequest(.GET, "/guide?q=\(Browser.encode("异地就医"))")
            #expect(search.status == .ok)
            #expect(search.body.string.contains("共找到 <strong>1</strong> 个事项"))
            #expect(search.body.string.contains("href=\"/guide/421223YBJ0001\""))

            let item = try await app.testing().sendRequest(.GET, "/guide/421223SCJG0001")
            #expect(item.status == .ok)
            let html = item.body.string
            #expect(html.contains("<h1>企业设立登记</h1>"))
            #expect(html.contains("15 个工作日"))
            #expect(html.contains("0.5 个工作日"))
            #expect(html.contains("14.5 个工作日（96.67%）"))
            #expect(html.contains("可用电子证照：居民身份证"))
            #expect(item.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)

            let missing = try await app.testing().sendRequest(.GET, "/guide/NOSUCHITEM0001")
            #expect(missing.status == .notFound)
            #expect(missing.body.string.contains("没有找到该事项（实施编码 NOSUCHITEM0001）"))
            let nowhere = try await app.testing().sendRequest(.GET, "/no/such/page")
            #expect(nowhere.status == .notFound)
            #expect(nowhere.body.string.contains("您访问的页面不存在"))
        }
    }

    @Test func paging_links_keep_the_filters_and_a_page_past_the_end_says_so() async throws {
        try await withTestApp { app in
            let first = try await app.testing().sendRequest(.GET, "/guide?per=5&online=1")
            let html = first.body.string
            #expect(html.contains("共找到 <strong>8</strong> 个事项，第 1 / 2 页"))
            #expect(html.contains("href=\"/guide?online=1&amp;per=5&amp;page=2\""))
            let beyond = try await app.testing().sendRequest(.GET, "/guide?per=5&page=9")
            #expect(beyond.status == .ok)
            #expect(beyond.body.string.contains("没有第 9 页（共 3 页）"))
        }
    }

    @Test func elder_mode_is_a_cookie_and_never_an_open_redirect() async throws {
        try await withTestApp { app in
            var browser = Browser(app)
            let response = try await browser.get("/preferences/elder?on=1&return=//evil.example")
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/")
            #expect(browser.cookies["ow_elder"] == "1")
            let page = try await browser.get("/guide?q=\(Browser.encode("社保"))")
            #expect(page.body.string.contains("<body class=\"elder\">"))
            // The switch back keeps the search.
            #expect(page.body.string.contains("return=%2Fguide%3Fq%3D%25E7%25A4%25BE%25E4%25BF%259D"))
            #expect(page.body.string.contains("标准版"))
        }
    }
}
