import Testing

@testable import OneWindowCore

@Suite struct CatalogRowTests {
    func row(_ overrides: [String: String]) throws -> CatalogRow {
        var cells = [
            "item_code": "11420000011043372A2422023073W0001", "name": "出生医学证明办理", "department": "湖北省卫生健康委员会",
            "item_category": "公共服务", "case_type": "承诺件", "statutory_days": "20", "promised_days": "5", "online": "yes",
        ]
        for (key, value) in overrides { cells[key] = value }
        return try CatalogRow.parse(cells)
    }

    @Test func a_complete_row_has_no_flags() throws {
        let parsed = try row([:])
        #expect(parsed.flags.isEmpty)
        #expect(parsed.category == .publicService)
        #expect(parsed.caseType == .promised)
        #expect(parsed.statutoryDays == WorkingDays(20))
        #expect(parsed.promisedDays == WorkingDays(5))
        #expect(parsed.fullyOnline == true)
    }

    @Test func gaps_and_contradictions_are_flagged_not_filled() throws {
        #expect(try row(["case_type": ""]).flags == [.missingCaseType])
        #expect(try row(["case_type": "", "statutory_days": "", "promised_days": ""]).flags == [.missingCaseType, .noLimits])
        #expect(
            try row(["promised_days": "30"]).flags == [.promisedExceedsStatutory(promised: WorkingDays(30), statutory: WorkingDays(20))])
        #expect(try row(["promised_days": ""]).flags == [.missingPromisedLimit])
        #expect(try row(["case_type": "特办件"]).flags == [.unknownCaseType("特办件")])
        #expect(try row(["statutory_days": "二十"]).flags == [.invalidNumber(column: "法定办结时限", value: "二十")])
        #expect(try row(["department": "", "item_category": ""]).flags == [.missingDepartment, .missingCategory])
        #expect(try row(["online": "maybe"]).flags == [.unknownOnlineFlag("maybe")])
        #expect(try row(["statutory_days": "0x10"]).flags == [.invalidNumber(column: "法定办结时限", value: "0x10")])
        #expect(try row(["visits": "两次"]).flags == [.invalidNumber(column: "到现场次数", value: "两次")])
        let script = try row(["guide_url": "javascript:alert(1)"])
        #expect(script.guideURL == nil)
        #expect(script.flags == [.invalidGuideURL("javascript:alert(1)")])
    }

    @Test func a_scraped_paragraph_is_not_a_department() throws {
        let parsed = try row(["department": "湖北省公安厅\n- 办件类型：即办件\n- 法定办结时限：8个工作日"])
        #expect(parsed.department == nil)
        #expect(parsed.flags == [.malformedDepartment("湖北省公安厅")])
        #expect(try row(["department": "湖北省自然资源厅作为"]).flags == [.malformedDepartment("湖北省自然资源厅作为")])
        #expect(CatalogRow.looksLikeAgency("咸宁市住房公积金中心崇阳办事处"))
        #expect(CatalogRow.looksLikeAgency("崇阳县残疾人联合会"))
    }

    @Test func an_instant_item_needs_no_limit() throws {
        let parsed = try row(["case_type": "即办件", "statutory_days": "", "promised_days": ""])
        #expect(parsed.flags.isEmpty)
        #expect(parsed.promisedDays == nil)
    }

    @Test func rows_without_identity_are_rejected() throws {
        #expect(throws: CatalogRejection.missingItemCode) { try row(["item_code": " "]) }
        #expect(throws: CatalogRejection.malformedItemCode("ABC")) { try row(["item_code": "abc"]) }
        #expect(throws: CatalogRejection.self) { try row(["item_code": "421223ZWJ\u{200D}TEST0001"]) }
        #expect(throws: CatalogRejection.self) { try row(["item_code": "421223ZWJTE\u{0336}ST0001"]) }
        #expect(try row(["phones": "0715-1\u{202E}234"]).flags == [.invisibleCharacters(column: "咨询电话")])
        #expect(throws: CatalogRejection.missingName) { try row(["name": ""]) }
        #expect(throws: CatalogRejection.cellTooLong(column: "name")) { try row(["name": String(repeating: "长", count: 201)]) }
    }

    @Test func an_admin_value_clears_the_matching_value_flag() {
        let flags = CatalogRow.flags(
            valueFlags: [.unknownCaseType("特办件")], department: "湖北省卫生健康委员会", category: .publicService, caseType: .promised,
            statutory: WorkingDays(20), promised: WorkingDays(5), fullyOnline: true)
        #expect(flags.isEmpty)
    }
}

@Suite struct GuideSearchTermTests {
    @Test func words_split_on_spaces_and_carry_their_synonyms() {
        #expect(GuideSearch.terms("不动产 登记") == [["不动产"], ["登记"]])
        #expect(GuideSearch.terms("　社保　") == [["社保", "社会保险", "参保", "养老保险", "失业保险", "工伤保险"]])
        #expect(GuideSearch.terms("abc，ABC、x") == [["ABC"], ["X"]])
        #expect(GuideSearch.terms("a b c d e f g").count == 5)
        #expect(GuideSearch.terms(" ").isEmpty)
    }
}
