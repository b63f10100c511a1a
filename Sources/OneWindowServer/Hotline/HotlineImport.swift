import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Loads citizens' message-board data (泰迪杯 2020 C题: 附件2 labelled sample, 附件3 messages, 附件4 messages with
/// replies) as 12345 history. Read from `../shared/data`, never copied into the project.
///
/// - 附件4 rows (with 答复意见 and 答复时间) become **closed** work orders: received at 留言时间, replied and closed at
///   答复时间, channel 网站. 附件3 rows (no reply) become registered orders received at 留言时间.
/// - 附件2 rows become training examples of their first-level category (`source` = `sample`).
/// - Cells may span lines and start with `\n\t\t` white space: text is trimmed, inner white-space runs become one space.
/// - A row is rejected, with its reason, when its 留言编号 is missing or repeated, its time does not parse, its text is
///   empty, or its reply time is before its message time. A row imported before (same 留言编号) is skipped, so a
///   second run adds nothing.
/// - 诉求类型 is read from the words of the message (举报 → 举报, 投诉 → 投诉, 建议 → 建议, 咨询/请问 → 咨询, else 求助),
///   and the category is the smart-dispatch suggestion when the region has training data (stored as the suggestion).
enum HotlineImport {
    struct Report: Sendable, Equatable {
        var file: String
        var rows = 0
        var imported = 0
        var skipped = 0
        var rejected: [String: Int] = [:]
        var rejectedCount: Int { rejected.values.reduce(0, +) }

        var lines: [String] {
            ["\(file)：共 \(rows) 行，导入 \(imported)，已存在跳过 \(skipped)，拒绝 \(rejectedCount)"]
                + rejected.sorted { $0.key < $1.key }.map { "  拒绝原因“\($0.key)”：\($0.value) 行" }
        }
    }

    /// The message time format of the files: `2019/4/25 9:32:09` (local time).
    static func parseTime(_ text: String, zone: TimeZone) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: {
            $0 == " " || $0 == "/" || $0 == ":" || $0 == "-"
        })
        guard parts.count == 6 || parts.count == 5, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let date = LocalDate(year: year, month: month, day: day), let hour = Int(parts[3]), let minute = Int(parts[4]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        let second = parts.count == 6 ? Int(parts[5]) : 0
        guard let second, (0...60).contains(second) else { return nil }
        return date.instant(hour: hour, minute: minute, second: second, in: zone)
    }

    /// Trimmed, with every run of white space (new lines, tabs, full-width spaces) made one space.
    static func clean(_ text: String?) -> String {
        (text ?? "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func appealType(of text: String) -> AppealType {
        if text.contains("举报") { return .report }
        if text.contains("投诉") { return .complaint }
        if text.contains("建议") { return .suggestion }
        if text.contains("咨询") || text.contains("请问") { return .inquiry }
        return .help
    }

    /// Imports the labelled sample as training examples.
    static func importSample(_ table: CSVTable, file: String, region: String, now: Date, on db: any Database) async throws -> Report {
        var report = Report(file: file)
        let tree = try await HotlineCategoryTree.load(region: region, on: db)
        let known = Set(
            try await HotlineTrainingExample.scoped(on: db, to: region).filter(\.$source == "sample")
                .all().compactMap(\.sourceRef))
        var seen = Set<String>()
        var examples: [HotlineTrainingExample] = []
        for record in table.records {
            report.rows += 1
            let id = clean(record["留言编号"])
            let text = (clean(record["留言主题"]) + " " + clean(record["留言详情"])).trimmingCharacters(in: .whitespaces)
            let label = clean(record["一级分类"])
            guard !id.isEmpty else { report.rejected["缺少留言编号", default: 0] += 1; continue }
            guard seen.insert(id).inserted else { report.rejected["留言编号重复", default: 0] += 1; continue }
            guard !text.isEmpty else { report.rejected["留言内容为空", default: 0] += 1; continue }
            guard let category = tree.byPath[label] else { report.rejected["一级分类不在分类表中", default: 0] += 1; continue }
            if known.contains(id) { report.skipped += 1; continue }
            let example = HotlineTrainingExample()
            example.regionCode = region
            example.text = text
            example.$category.id = category
            example.source = "sample"
            example.sourceRef = id
            example.createdAt = now
            examples.append(example)
        }
        for chunk in stride(from: 0, to: examples.count, by: 200) {
            let slice = Array(examples[chunk..<min(chunk + 200, examples.count)])
            try await db.writeTransaction { tx in try await slice.create(on: tx) }
        }
        report.imported = examples.count
        return report
    }

    /// Imports message-board rows as work orders (closed when the row has a reply).
    static func importMessages(
        _ table: CSVTable, file: String, prefix: String, service: HotlineService,
        model: HotlineDispatchModel, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        var report = Report(file: file)
        let region = service.region
        let tree = try await HotlineCategoryTree.load(region: region, on: service.db)
        let known = Set(
            try await WorkOrder.scoped(on: service.db, to: region).filter(\.$sourceRef != nil)
                .field(\.$sourceRef).all().compactMap(\.sourceRef))
        var seen = Set<String>()
        let classifier = try await model.classifier(region: region, on: service.db)
        struct Row { let intake: HotlineService.Intake; let received: Date; let reply: (text: String, at: Date)? }
        var rows: [Row] = []
        for record in table.records {
            report.rows += 1
            let id = clean(record["留言编号"])
            let title = clean(record["留言主题"])
            let content = clean(record["留言详情"])
            guard !id.isEmpty else { report.rejected["缺少留言编号", default: 0] += 1; continue }
            guard seen.insert(id).inserted else { report.rejected["留言编号重复", default: 0] += 1; continue }
            guard let received = parseTime(record["留言时间"] ?? "", zone: service.zone) else {
                report.rejected["留言时间无法识别", default: 0] += 1; continue
            }
            guard !(title.isEmpty && content.isEmpty) else { report.rejected["留言内容为空", default: 0] += 1; continue }
            var reply: (String, Date)?
            if let answer = record["答复意见"].map({ clean($0) }), !answer.isEmpty {
                guard let at = parseTime(record["答复时间"] ?? "", zone: service.zone) else {
                    report.rejected["答复时间无法识别", default: 0] += 1; continue
                }
                guard at >= received else { report.rejected["答复时间早于留言时间", default: 0] += 1; continue }
                reply = (answer, at)
            }
            let ref = "\(prefix):\(id)"
            if known.contains(ref) { report.skipped += 1; continue }
            let text = title + " " + content
            let suggestions = classifier.map { HotlineDispatchModel.suggestions($0.suggest(text, limit: 3), tree: tree) } ?? []
            var intake = HotlineService.Intake(
                channel: .website, appealType: appealType(of: text), title: String((title.isEmpty ? content : title).prefix(60)),
                content: String((content.isEmpty ? title : content).prefix(4000)), address: "")
            intake.categoryID = suggestions.first?.categoryID
            intake.suggested = suggestions.map { "\($0.categoryID.uuidString)|\(String(format: "%.3f", $0.score))" }.joined(separator: ",")
            intake.sourceRef = ref
            rows.append(Row(intake: intake, received: received, reply: reply))
        }
        // Oldest first, so each day's numbers follow the message times; each chunk reserves its numbers per day and
        // is stored with one multi-row insert.
        rows.sort { $0.received < $1.received }
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            let slice = Array(rows[chunk..<min(chunk + 400, rows.count)])
            try await service.db.writeTransaction { tx in
                var orders: [WorkOrder] = []
                var index = 0
                while index < slice.count {
                    let day = LocalDate(slice[index].received, in: service.zone)
                    var end = index
                    while end < slice.count, LocalDate(slice[end].received, in: service.zone) == day { end += 1 }
                    let first = try await DailyCounter.reserve(
                        "work_order", count: end - index, region: region, day: day.description, on: tx)
                    for (offset, row) in slice[index..<end].enumerated() {
                        let order = service.make(
                            row.intake, number: WorkOrderNumber(date: day, sequence: first + offset), received: row.received)
                        if let reply = row.reply {
                            order.state = .closed
                            order.reply = String(reply.text.prefix(8000))
                            order.repliedAt = reply.at
                            order.repliedBy = "原平台答复"
                            order.closedAt = reply.at
                            order.updatedAt = reply.at
                        }
                        orders.append(order)
                    }
                    index = end
                }
                try await orders.create(on: tx)
            }
            progress(min(chunk + 400, rows.count), rows.count)
        }
        report.imported = rows.count
        try await Audit.record(
            on: service.db, region: region, actor: service.actor, action: "hotline.import", entityType: "work_order",
            entityID: nil, summary: "导入留言数据 \(file)：导入 \(report.imported)，跳过 \(report.skipped)，拒绝 \(report.rejectedCount)",
            at: service.now)
        return report
    }
}
