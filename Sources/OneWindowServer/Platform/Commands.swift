import ConsoleKit
import Fluent
import Foundation
import Vapor

/// One kind of file `onewindow import KIND FILE` reads, registered by the module that owns its records.
struct Importer: Sendable {
    /// `catalog`, `calendar`, `hotline`.
    let kind: String
    /// What FILE is, for `--help`.
    let help: String
    /// Imports `file` (a path), with the `--region` option when given; prints its own summary.
    /// - Throws: `ExitCode` after telling the operator what went wrong.
    let run: @Sendable (_ file: String, _ region: String?, _ app: Application, _ console: any Console) async throws -> Void

    /// The bytes of `path`, or a clear message and exit status 1.
    static func read(_ path: String, console: any Console) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            console.error("无法读取文件 \(path)")
            throw ExitCode(1)
        }
        return data
    }
}

/// The importers by kind.
final class Importers: @unchecked Sendable {
    private var byKind: [String: Importer] = [:]
    private let lock = NSLock()

    func add(_ importer: Importer) { lock.withLock { byKind[importer.kind] = importer } }

    subscript(kind: String) -> Importer? { lock.withLock { byKind[kind] } }

    var kinds: [String] { lock.withLock { byKind.keys.sorted() } }
}

extension Application {
    private struct ImportersKey: StorageKey { typealias Value = Importers }

    var importers: Importers { storage.memo(ImportersKey.self, Importers()) }
}

/// `onewindow import KIND FILE [--region CODE]`: a catalogue CSV (实施清单), a holiday calendar year (holiday-cn
/// JSON), the 12345 message-board directory … whatever the modules registered.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "catalog | calendar | hotline (FILE is then the message-board directory)")
        var kind: String
        @Argument(name: "file", help: "the file to import")
        var file: String
        @Option(name: "region", help: "12-digit region code for a catalogue (default: from the file's region column)")
        var region: String?
    }

    var help: String { "Imports a catalogue CSV (实施清单) or a holiday calendar year (holiday-cn JSON)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let importer = app.importers[signature.kind] else {
            context.console.error("未知的导入类型 \(signature.kind)：可用 \(app.importers.kinds.joined(separator: "、"))")
            throw ExitCode(2)
        }
        try await prepareDatabase(app)
        try await importer.run(signature.file, signature.region, app, context.console)
    }
}

/// A command that has already told the operator what went wrong, and ends with this status.
public protocol CommandLineExit: Error {
    var exitStatus: Int32 { get }
}

struct ExitCode: CommandLineExit, CustomStringConvertible {
    let code: Int32
    var exitStatus: Int32 { code }
    init(_ code: Int32) { self.code = code }
    var description: String { "命令未完成（退出码 \(code)）" }
}
