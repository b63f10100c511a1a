import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `onewindow hotline evaluate [--file attachment2_labeled_sample.csv] [--folds 5] [--seed N]`: the smart-dispatch
/// classifier's stratified k-fold cross-validated top-1 and top-3 accuracy on a labelled file (留言主题 + 留言详情 →
/// 一级分类), with a fixed seed, so the figures are reproducible.
struct HotlineCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "evaluate")
        var action: String
        @Option(name: "file", help: "labelled CSV (default ../shared/data/teddycup2020-smart-gov-messages/attachment2_labeled_sample.csv)")
        var file: String?
        @Option(name: "folds", help: "number of folds (default 5)")
        var folds: Int?
        @Option(name: "seed", help: "shuffle seed (default 20240101)")
        var seed: UInt64?
    }

    static let defaultSample = "../shared/data/teddycup2020-smart-gov-messages/attachment2_labeled_sample.csv"
    /// The floor the issue sets: top-1 ≥ 78 %, top-3 ≥ 93 %.
    static let floor = (top1: 0.78, top3: 0.93)

    var help: String { "12345 smart dispatch: `evaluate` prints cross-validated top-1 / top-3 accuracy." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "evaluate" else {
            context.console.error("未知的操作 \(signature.action)：可用 evaluate")
            throw ExitCode(2)
        }
        let path = signature.file ?? Self.defaultSample
        guard let data = FileManager.default.contents(atPath: path) else {
            context.console.error("无法读取文件 \(path)")
            throw ExitCode(1)
        }
        let examples = try Self.examples(CSVTable(text: String(decoding: data, as: UTF8.self)))
        let folds = signature.folds ?? 5
        let seed = signature.seed ?? 20_240_101
        let started = Date()
        let result = CrossValidation.evaluate(examples, folds: folds, seed: seed)
        let seconds = Date().timeIntervalSince(started)
        let labels = Set(examples.map(\.label)).count
        context.console.print("样本 \(examples.count) 条，\(labels) 个一级分类；\(folds) 折分层交叉验证（种子 \(seed)），用时 \(String(format: "%.1f", seconds)) 秒")
        for fold in result.folds {
            context.console.print(
                "  第 \(fold.index + 1) 折：\(fold.count) 条，top-1 \(Self.percent(fold.top1Accuracy))，top-3 \(Self.percent(fold.top3Accuracy))")
        }
        context.console.print("top-1 准确率 \(Self.percent(result.top1Accuracy))（\(result.top1Correct)/\(result.count)，下限 78.0%）")
        context.console.print("top-3 准确率 \(Self.percent(result.top3Accuracy))（\(result.top3Correct)/\(result.count)，下限 93.0%）")
        if result.top1Accuracy < Self.floor.top1 || result.top3Accuracy < Self.floor.top3 {
            context.console.error("低于下限")
            throw ExitCode(1)
        }
    }

    /// 留言主题 + 留言详情 (white space collapsed) labelled with 一级分类; rows without text or label are left out.
    static func examples(_ table: CSVTable) -> [LabelledText] {
        table.records.compactMap { record in
            let text = (HotlineImport.clean(record["留言主题"]) + " " + HotlineImport.clean(record["留言详情"])).trimmingCharacters(
                in: .whitespaces)
            let label = HotlineImport.clean(record["一级分类"])
            return text.isEmpty || label.isEmpty ? nil : LabelledText(text: text, label: label)
        }
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}

/// `onewindow import hotline DIR`: the message-board files of DIR (附件2 labelled sample as training data first,
/// then 附件4 with replies as closed orders and 附件3 as registered orders), with a report of rows imported, skipped
/// and rejected with reasons.
enum HotlineImportCommand {
    static let files = [
        (name: "attachment2_labeled_sample.csv", kind: "sample"),
        (name: "attachment4_messages_with_replies.csv", kind: "teddycup-a4"),
        (name: "attachment3_messages_with_votes.csv", kind: "teddycup-a3"),
    ]

    static func run(directory: String, app: Application, console: any Console) async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            console.error("\(directory) 不是目录：请给出留言数据所在的目录（如 ../shared/data/teddycup2020-smart-gov-messages）")
            throw ExitCode(1)
        }
        let region = app.settings.region.value
        let service = HotlineService(try await ServiceContext(app, actor: .commandLine), staff: nil)
        var found = false
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            found = true
            let table = try CSVTable(text: String(decoding: data, as: UTF8.self))
            let report: HotlineImport.Report
            if file.kind == "sample" {
                report = try await HotlineImport.importSample(table, file: file.name, region: region, now: service.now, on: app.db)
                await app.hotlineDispatchModel.invalidate()
            } else {
                let bar = console.progressBar(title: "导入 \(file.name)")
                bar.start()
                report = try await HotlineImport.importMessages(
                    table, file: file.name, prefix: file.kind, service: service,
                    model: app.hotlineDispatchModel
                ) { done, total in
                    bar.activity.currentProgress = total == 0 ? 1 : Double(done) / Double(total)
                }
                bar.succeed()
            }
            for line in report.lines { console.print(line) }
        }
        if !found {
            console.error("目录中没有留言数据文件（\(files.map(\.name).joined(separator: "、"))）")
            throw ExitCode(1)
        }
    }
}
