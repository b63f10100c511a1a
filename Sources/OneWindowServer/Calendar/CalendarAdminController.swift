import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The 节假日 page: which years are loaded, and loading a newly announced year (holiday-cn JSON format).
struct CalendarAdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminCalendar, use: show)
        admin.on(.POST, .adminCalendar, body: .collect(maxSize: "1mb"), use: upload)
    }

    func show(req: Request) async throws -> View {
        // Only a year number comes from the link; every word shown is the server's own.
        let loaded = (try? req.query.get(String.self, at: "loaded")).flatMap { $0.count == 4 ? Int($0) : nil }
        var message: String?
        var note: String?
        if let loaded, try await CalendarYear.find(loaded, on: req.db) != nil {
            message = "已载入 \(loaded) 年节假日安排"
            let offDays = try await HolidayDay.query(on: req.db).filter(\.$year == loaded).filter(\.$isOffDay == true).count()
            note = CalendarQueries.sanityNote(offDays: offDays)
        }
        return try await render(req, message: message, note: note, error: nil)
    }

    private func render(_ req: Request, message: String?, note: String?, error: String?) async throws -> View {
        struct Day: Encodable { let date: String; let name: String; let kind: String }
        struct Year: Encodable {
            let year: Int; let source: String; let loadedAt: String; let papers: [String]; let offDays: Int; let makeUpDays: [Day]
        }
        struct Context: Encodable {
            let page: PageChrome; let years: [Year]; let message: String?; let note: String?; let error: String?; let warning: String?
        }
        let years = try await CalendarYear.query(on: req.db).sort(\.$id, .descending).all()
        let days = try await HolidayDay.query(on: req.db).all()
        let rows = years.map { year in
            let mine = days.filter { $0.year == year.id }
            return Year(
                year: year.id ?? 0, source: year.source, loadedAt: LocalTime.format(year.loadedAt, in: req.settings.timeZone),
                papers: year.papers.split(separator: "\n").map(String.init),
                offDays: mine.filter(\.isOffDay).count,
                makeUpDays: mine.filter { !$0.isOffDay }.sorted { ($0.id ?? "") < ($1.id ?? "") }.map {
                    Day(date: $0.id ?? "", name: $0.name, kind: "补班")
                })
        }
        let warning = CalendarQueries.missingYearWarning(
            loaded: rows.map(\.year), today: LocalDate(Date(), in: req.settings.timeZone))
        return try await req.view.render(
            "admin/calendar",
            Context(
                page: PageChrome(request: req, title: "节假日与工作日"), years: rows, message: message, note: note, error: error, warning: warning)
        )
    }

    struct UploadForm: Content {
        var file: File?
    }

    /// Loads (or replaces) a year; a file that cannot be loaded comes back on the page with the reason (400).
    func upload(req: Request) async throws -> Response {
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await render(req, message: nil, note: nil, error: "请选择节假日 JSON 文件").encodeResponse(status: .badRequest, for: req)
        }
        let year: HolidayYear
        do {
            year = try HolidayYear.decode(Data(buffer: file.data))
        } catch let error as CalendarError {
            return try await render(req, message: nil, note: nil, error: error.message).encodeResponse(status: .badRequest, for: req)
        }
        let actor = req.actor
        let replaced = try await CalendarYear.find(year.year, on: req.db) != nil
        try await CalendarQueries.storeAudited(
            year, source: "upload:\(file.filename.prefix(80))", replaced: replaced,
            region: req.settings.region.value, actor: actor, on: req.db)
        await req.application.calendarCache.invalidate()
        let counted = try await PendingDeadline.countAll(req.application)
        req.logger.info("calendar \(year.year) loaded; \(counted) pending deadlines counted")
        return req.redirect(to: SiteRoute.adminCalendar.path(query: ["loaded": "\(year.year)"]))
    }
}
