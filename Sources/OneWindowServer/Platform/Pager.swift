import Foundation
import Vapor

/// Page links for a long list: first, previous, a window of numbers around the current page, next, last.
struct Pager: Encodable, Sendable {
    struct Link: Encodable, Sendable {
        let label: String
        let link: String?
        let current: Bool
    }

    let page: Int
    let pageCount: Int
    let links: [Link]
    /// Set when the requested page is past the end (`page=99` of 11).
    let beyondEnd: Bool
    let lastLink: String

    /// - Parameters:
    ///   - page: the requested page, 1-based.
    ///   - total: rows in the whole list; `per` rows a page.
    ///   - link: the address of a page number.
    init(page: Int, per: Int, total: Int, link: (Int) -> String) {
        let count = max(1, (total + per - 1) / per)
        self.page = page
        pageCount = count
        beyondEnd = page > count
        lastLink = link(count)
        var links: [Link] = []
        if count > 1 {
            let current = min(page, count)
            if current > 1 { links.append(Link(label: "← 上一页", link: link(current - 1), current: false)) }
            let window = Set([1, count] + Array(max(1, current - 2)...min(count, current + 2)))
            var previous = 0
            for number in window.sorted() {
                if number - previous > 1 { links.append(Link(label: "…", link: nil, current: false)) }
                links.append(Link(label: String(number), link: number == page ? nil : link(number), current: number == page))
                previous = number
            }
            if current < count { links.append(Link(label: "下一页 →", link: link(current + 1), current: false)) }
        }
        self.links = links
    }
}

extension Request {
    /// The `page` query parameter, clamped to 1…100,000 (a huge number must not overflow an offset).
    var pageParameter: Int {
        min(100_000, max(1, (try? query.get(Int.self, at: "page")) ?? 1))
    }
}
