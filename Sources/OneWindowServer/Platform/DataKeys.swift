import ConsoleKit
import Foundation
import Vapor

/// Where the data keys come from (`FieldCipher`): `ONEWINDOW_DATA_KEYS`, else the file `ONEWINDOW_DATA_KEY_FILE`,
/// else `DATA_DIR/data-keys`, generated on first start with a warning (a key next to the data it protects does not
/// protect a copy of the data directory). Never the database.
enum DataKeys {
    static let generatedFileName = "data-keys"

    /// The key file in use, when the keys come from a file.
    static func file(_ settings: Settings) -> String? {
        if settings.dataKeys != nil { return nil }
        return settings.dataKeyFile ?? URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent(generatedFileName).path
    }

    /// The configured key ring.
    /// - Throws: `FieldCipher.Failure` for a malformed list; an `Abort` when `ONEWINDOW_DATA_KEY_FILE` cannot be read.
    static func load(_ settings: Settings, logger: Logger) throws -> FieldCipher {
        if let list = settings.dataKeys { return try FieldCipher.parse(list) }
        if let path = settings.dataKeyFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Abort(.internalServerError, reason: "无法读取 ONEWINDOW_DATA_KEY_FILE=\(path)")
            }
            return try FieldCipher.parse(text)
        }
        let path = file(settings)!
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
            guard
                FileManager.default.createFile(
                    atPath: path, contents: Data(FieldCipher.generateKeyList().utf8), attributes: [.posixPermissions: 0o600])
            else { throw Abort(.internalServerError, reason: "无法写入数据密钥文件 \(path)") }
        }
        logger.warning(
            "data keys: using \(path), generated next to the data. Production must set ONEWINDOW_DATA_KEYS or ONEWINDOW_DATA_KEY_FILE (kept outside the data directory and its backups)."
        )
        return try FieldCipher.parse(String(contentsOfFile: path, encoding: .utf8))
    }
}

/// `onewindow rotate-key [--new-key]`: re-seals every sealed value under the current (first) data key, in batches;
/// with `--new-key`, first adds a fresh key at the head of the key file in use. Safe to run again or to stop.
struct RotateKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "new-key", help: "add a fresh data key first in the key file (keys from a file only)")
        var newKey: Bool
    }

    var help: String { "Re-encrypts personal data under the current data key (after adding a key first in the list)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var cipher = FieldCiphers.current
        if signature.newKey {
            guard let path = DataKeys.file(app.settings), let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                context.console.error("密钥来自 ONEWINDOW_DATA_KEYS：请把新密钥加在列表最前面后再运行 rotate-key")
                throw ExitCode(1)
            }
            let used = Set(cipher.keys.map(\.id))
            let id = (1...).lazy.map { "k\($0)" }.first { !used.contains($0) }!
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            let index = lines.filter { $0.hasPrefix("index:") }
            let rest = lines.filter { !$0.hasPrefix("index:") }
            try (index + ["\(id):\(fresh)"] + rest).joined(separator: "\n").appending("\n").write(
                toFile: path, atomically: true, encoding: .utf8)
            cipher = try FieldCipher.parse(String(contentsOfFile: path, encoding: .utf8))
            FieldCiphers.install(cipher)
            context.console.print("新数据密钥 \(id) 已写入 \(path)")
        }
        try await prepareDatabase(app)
        let report = try await app.sealedColumns.reseal(on: app.db, cipher: cipher, logger: app.logger)
        context.console.print("已用密钥 \(cipher.currentID) 重新加密 \(report.resealed) 个值，失败 \(report.failed) 个")
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// `onewindow crypt-bench [--count N]`: the cost of sealing and opening the personal fields of one case acceptance
/// (applicant 身份证号, name, phone, the case's contact phone; the 身份证号 hash for de-duplication), N times.
struct CryptBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "count", help: "acceptances to time (default 10000)")
        var count: Int?
    }

    var help: String { "Times sealing and opening the personal fields of one case acceptance." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = max(1, signature.count ?? 10_000)
        let cipher = FieldCiphers.current
        let fields = ["110105199003071028", "欧阳明远", "13800138000", "13800138000"]
        var sink = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            sink &+= cipher.hash(fields[0]).utf8.count
            for field in fields { sink &+= try cipher.open(cipher.seal(field)).text.utf8.count }
        }
        let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(count)
        context.console.print(
            String(format: "%d acceptances: %.2f µs each (4 seals, 4 opens, 1 hash; checksum %d)", count, micros, sink))
    }
}
