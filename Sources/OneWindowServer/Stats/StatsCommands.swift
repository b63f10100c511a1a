import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `onewindow simulate --profile chongyang-2024 --seed 1 [--scale 0.01]`: a year of the model county's records,
/// with a progress bar on the terminal, then the counts written and the time taken.
struct SimulateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "profile", help: "profile name (default chongyang-2024)")
        var profile: String?
        @Option(name: "seed", help: "random seed (default 1)")
        var seed: UInt64?
        @Option(name: "scale", help: "multiply every count, e.g. 0.01 for a 1 % year (default 1)")
        var scale: Double?
    }

    var help: String { "Simulates a year of the model county's records (cases, tickets, appointments, help desk, 12345, ratings)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let name = signature.profile ?? SimulationProfile.chongyang2024.name
        guard var profile = SimulationProfile.all[name] else {
            context.console.error("没有名为 \(name) 的模拟参数；可用：\(SimulationProfile.all.keys.sorted().joined(separator: "、"))")
            throw ExitCode(2)
        }
        if let scale = signature.scale {
            guard scale > 0, scale <= 1 else {
                context.console.error("--scale 应在 0 与 1 之间（如 0.01）")
                throw ExitCode(2)
            }
            profile = profile.scaled(by: scale)
            guard profile.caseCount > 0, profile.workOrderCount > 0 else {
                context.console.error("--scale \(scale) 太小：缩放后没有办件或工单（最小约 0.0001）")
                throw ExitCode(2)
            }
        }
        try await prepareDatabase(app)
        let console = context.console
        let started = Date()
        let bar = ProgressBar(total: profile.recordCount, started: started)
        var simulator = Simulator(
            db: app.db, region: app.settings.region.value, zone: app.settings.timeZone,
            calendar: try await CalendarQueries.workingCalendar(on: app.db), profile: profile, seed: signature.seed ?? 1)
        simulator.progress = { done, total in bar.update(done) }
        console.print("模拟 \(profile.name)（\(profile.year) 年，\(AnnualReport.grouped(profile.recordCount)) 条业务记录，种子 \(simulator.seed)）")
        let summary: Simulator.Summary
        do {
            summary = try await simulator.run()
        } catch let error as Simulator.SimulationError {
            bar.finish()
            console.error(error.reason)
            throw ExitCode(1)
        } catch {
            bar.finish()
            console.error("模拟未完成，没有写入任何记录（整年在一个事务中）：\(String(describing: error))")
            throw ExitCode(1)
        }
        bar.finish()
        let seconds = Date().timeIntervalSince(started)
        console.print(
            """
            完成，用时 \(String(format: "%.1f", seconds)) 秒：办件 \(AnnualReport.grouped(summary.cases))，排队号 \(AnnualReport.grouped(summary.tickets))，\
            预约 \(AnnualReport.grouped(summary.appointments))，帮办 \(AnnualReport.grouped(summary.assistance))，工单 \(AnnualReport.grouped(summary.workOrders))，\
            评价 \(AnnualReport.grouped(summary.ratings))，差评整改 \(AnnualReport.grouped(summary.rectifications))，\
            审计事件 \(AnnualReport.grouped(summary.auditEvents))，申请人 \(AnnualReport.grouped(summary.applicants))；共写入 \(AnnualReport.grouped(summary.rows)) 行
            """)
    }
}

/// A one-line progress bar on standard error: `[#########-----------]  45.0%  324,113 / 720,257  12.3 s`.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let started: Date
    private let lock = NSLock()
    private var lastPercent = -1
    private let terminal = isatty(2) == 1

    init(total: Int, started: Date) {
        self.total = max(total, 1)
        self.started = started
    }

    func update(_ done: Int) {
        lock.lock(); defer { lock.unlock() }
        let percent = done * 1000 / total
        guard percent != lastPercent else { return }
        // Not a terminal (CI logs): a line every 10 %.
        if !terminal, percent / 100 == lastPercent / 100, lastPercent >= 0 { lastPercent = percent; return }
        lastPercent = percent
        let filled = done * 30 / total
        let line =
            "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled) + "] "
            + String(format: "%5.1f%%  ", Double(done) * 100 / Double(total))
            + "\(AnnualReport.grouped(done)) / \(AnnualReport.grouped(total))  "
            + String(format: "%.1f s", Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(((terminal ? "\r" : "") + line + (terminal ? "" : "\n")).utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// `onewindow report annual --year 2024 [--csv]`: the 数说成绩单 table in the terminal (or as CSV on stdout).
struct ReportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "annual")
        var kind: String
        @Option(name: "year", help: "the year (default last year)")
        var year: Int?
        @Flag(name: "csv", help: "print CSV instead of the table")
        var csv: Bool
    }

    var help: String { "Prints the annual report (数说成绩单) of a year." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.kind == "annual" else {
            context.console.error("未知的报表 \(signature.kind)：可用 annual")
            throw ExitCode(2)
        }
        let app = context.application
        try await prepareDatabase(app)
        let zone = app.settings.timeZone
        let year = signature.year ?? AnnualReportController.defaultYear(now: Date(), zone: zone)
        guard (2000...2100).contains(year) else {
            context.console.error("--year 应为 2000–2100 之间的年份")
            throw ExitCode(2)
        }
        let started = Date()
        let figures = try await AnnualFigures.compute(year: year, region: app.settings.region.value, zone: zone, on: app.db)
        let seconds = Date().timeIntervalSince(started)
        if signature.csv {
            let data = try CSVExport.data(header: figures.csvHeader, rows: figures.csvRows)
            FileHandle.standardOutput.write(data)
            return
        }
        context.console.print("崇阳县政务服务中心 · \(year) 年数说成绩单（统计用时 \(String(format: "%.2f", seconds)) 秒）")
        context.console.print(figures.report.terminalTable)
        context.console.print("压缩比率采用总量法；事项类指标反映当前发布的事项目录。")
    }
}
