import Foundation
import OneWindowCore
import Testing
import Vapor

@testable import OneWindowServer

@Suite struct SiteRouteTests {
    @Test func a_path_fills_the_parameters_in_order_and_encodes_them() {
        let id = UUID(uuidString: "8C1F0E52-0D5B-4C4E-9C37-0E4A1B2C3D4E")!
        #expect(SiteRoute.caseAction.path(id, "accept") == "/cases/8C1F0E52-0D5B-4C4E-9C37-0E4A1B2C3D4E/actions/accept")
        #expect(SiteRoute.item.path("421223RSJ0001") == "/guide/421223RSJ0001")
        #expect(SiteRoute.item.path("a/b c") == "/guide/a%2Fb%20c")
        #expect(SiteRoute.home.path() == "/")
    }

    @Test func a_query_keeps_its_order_leaves_out_nil_and_encodes_values() {
        #expect(SiteRoute.cases.path(query: ["view": "overdue"]) == "/cases?view=overdue")
        #expect(
            SiteRoute.annualRecords.path(query: ["year": "2025", "line": "cases.on-time", "page": "2"])
                == "/annual/records?year=2025&line=cases.on-time&page=2")
        #expect(SiteRoute.signIn.path(query: ["next": "/cases?view=queue"]) == "/signin?next=%2Fcases%3Fview%3Dqueue")
        #expect(SiteRoute.deskWindow.path("w", query: ["done": nil]) == "/desk/w")
        #expect(
            SiteRoute.adminHotlineCategories.path(query: ["saved": "1"], fragment: "c-01")
                == "/admin/hotline-categories?saved=1#c-01")
    }

    @Test func components_prefixes_and_enclosing_paths() {
        #expect(SiteRoute.deskTicketAction.components.map(\.description) == ["desk", ":window", "tickets", ":ticket", ":action"])
        #expect(SiteRoute.home.components.isEmpty)
        #expect(SiteRoute.open311Other.components.last == .catchall)
        #expect(SiteRoute.deskTicketAction.parameters == ["window", "ticket", "action"])
        #expect(SiteRoute.apply.constantPrefix == "/apply/")
        #expect(SiteRoute.cases.constantPrefix == "/cases")
        #expect(SiteRoute.api.encloses("/api/v1/items"))
        #expect(!SiteRoute.api.encloses("/api") && !SiteRoute.api.encloses("/apix"))
    }

    @Test func every_staff_role_lands_on_a_page() {
        #expect(SiteRoute.landing(for: [.admin, .clerk]) == "/admin")
        #expect(SiteRoute.landing(for: [.approver]) == "/cases?view=queue")
        #expect(SiteRoute.landing(for: [.hotlineAgent]) == "/hotline/new")
        #expect(SiteRoute.landing(for: []) == "/")
    }
}
