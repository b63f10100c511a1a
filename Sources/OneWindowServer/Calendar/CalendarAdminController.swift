import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The 节假日 page: which years are loaded, and loading a newly announced year (holiday-cn JSON format).
struct CalendarAdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get("calendar", use: show)
        admin.on(.POST, "calendar", body: .collect(maxSize: "1mb"), use: upload)
    }

    func show(req: Request) async throws -> View {
        struct Day: Encodable { let date: String; let name: String; let kind: String }
        struct Year: Encodable { let year: Int; let source: String; let loadedAt: String; let papers: [String]; let offDays: Int; let makeUpDays: [Day] }
        struct Context: Encodable { let page: PageChrome; let years: [Year]; let message: String? }
        let years = try await CalendarYear.query(on: req.db).sort(\.$id, .descending).all()
        let days = try await HolidayDay.query(on: req.db).all()
        let rows = years.map { year in
            let mine = days.filter { $0.year == year.id }
            return Year(
                year: year.id ?? 0, source: year.source, loadedAt: LocalTime.format(year.loadedAt, in: req.settings.timeZone),
                papers: year.papers.split(separator: "\n").map(String.init),
                offDays: mine.filter(\.isOffDay).count,
                makeUpDays: mine.filter { !$0.isOffDay }.sorted { ($0.id ?? "") < ($1.id ?? "") }.map { Day(date: $0.id ?? "", name: $0.name, kind: "补班") })
        }
        let message = (try? req.query.get(String.self, at: "loaded")).map { "已载入 \($0) 年节假日安排" }
        return try await req.view.render("admin/calendar", Context(page: PageChrome(request: req, title: "节假日与工作日"), years: rows, message: message))
    }

    struct UploadForm: Content {
        var file: File?
    }

    func upload(req: Request) async throws -> Response {
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            throw FieldError(field: "file", message: "请选择节假日 JSON 文件")
        }
        let year: HolidayYear
        do {
            year = try HolidayYear.decode(Data(buffer: file.data))
        } catch let error as CalendarError {
            throw FieldError(field: "file", message: error.message)
        }
        let actor = req.actor
        try await req.db.transaction { tx in
            try await CalendarQueries.store(year, source: "upload:\(file.filename.prefix(80))", on: tx)
            try await Audit.record(on: tx, region: req.settings.region.value, actor: actor, action: "calendar.load", entityType: "calendar_year",
                                   entityID: String(year.year), summary: "载入 \(year.year) 年节假日安排（\(year.days.count) 天）")
        }
        await req.application.calendarCache.invalidate()
        return req.redirect(to: Paths.adminCalendar + "?loaded=\(year.year)")
    }
}
