import Crypto
import Fluent
import Foundation
import Vapor

/// Uploaded files (material scans): the type is read from the bytes, never from the name or the declared type;
/// each file is written under a generated name in `<data>/files/`; the uploader's name is kept only for display.
enum FileStore {
    /// 50 MB per request on every route that takes uploads (a web form with its scans, one API file): a 20 MB scan
    /// is fine, a 60 MB one is refused (413) by its `Content-Length` before its body is read.
    static let uploadLimit = 50 << 20

    /// The types accepted, detected by their signatures.
    enum Kind: String, CaseIterable {
        case pdf = "application/pdf"
        case jpeg = "image/jpeg"
        case png = "image/png"

        var fileExtension: String {
            switch self {
            case .pdf: return "pdf"
            case .jpeg: return "jpg"
            case .png: return "png"
            }
        }

        /// `%PDF-`, `FF D8 FF`, `89 50 4E 47 0D 0A 1A 0A`.
        static func detect(_ bytes: some Collection<UInt8>) -> Kind? {
            let head = Array(bytes.prefix(8))
            if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
            if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
            if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
            return nil
        }
    }

    static func directory(_ settings: Settings) -> URL {
        URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("files")
    }

    /// The last path component of an uploader's file name, without control characters, at most 100 characters
    /// (`../../x.pdf` → `x.pdf`).
    static func displayName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        let name = clean.isEmpty || clean == "." || clean == ".." ? "未命名文件" : clean
        return String(name.prefix(100))
    }

    /// Checks and writes `data`; returns the unsaved record (save it in the transaction that uses it).
    /// - Throws: `PlatformError.unsupportedMediaType` (415) for anything but PDF, JPEG or PNG by content;
    ///   `PlatformError.payloadTooLarge` (413) above `uploadLimit`; `.invalidField` for an empty file.
    static func write(_ data: ByteBuffer, originalName: String, field: String, region: String, uploader: String, settings: Settings) throws
        -> StoredFile
    {
        guard data.readableBytes > 0 else { throw PlatformError.invalidField(.init(field: field, message: "上传的文件是空的")) }
        guard data.readableBytes <= uploadLimit else { throw PlatformError.payloadTooLarge(limit: "\(uploadLimit >> 20) MB") }
        guard let kind = Kind.detect(data.readableBytesView) else {
            throw PlatformError.unsupportedMediaType("“\(displayName(originalName))”不是 PDF、JPEG 或 PNG 文件（按文件内容判断）")
        }
        let id = UUID()
        let storedName = "\(id.uuidString.lowercased()).\(kind.fileExtension)"
        let folder = directory(settings)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bytes = Data(data.readableBytesView)
        try bytes.write(to: folder.appendingPathComponent(storedName), options: .withoutOverwriting)
        let file = StoredFile()
        file.id = id
        file.regionCode = region
        file.originalName = displayName(originalName)
        file.storedName = storedName
        file.contentType = kind.rawValue
        file.size = data.readableBytes
        file.sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        file.uploadedBy = uploader
        file.uploadedAt = Date()
        return file
    }

    /// Removes files written for a request that then failed (nothing half-written is left behind).
    static func discard(_ files: [StoredFile], settings: Settings) {
        for file in files {
            try? FileManager.default.removeItem(at: directory(settings).appendingPathComponent(file.storedName))
        }
    }

    /// Serves a stored file with its detected type, as a download name, never sniffed (`nosniff`) or framed,
    /// and sandboxed so even a disguised document cannot run script.
    static func response(for file: StoredFile, request: Request) async throws -> Response {
        let path = directory(request.settings).appendingPathComponent(file.storedName).path
        let response = try await request.fileio.asyncStreamFile(at: path)
        response.headers.replaceOrAdd(name: .contentType, value: file.contentType)
        let encoded = file.originalName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: "inline; filename=\"\(file.storedName)\"; filename*=UTF-8''\(encoded)")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return response
    }
}

/// An uploaded file (a material scan), stored under a generated name in `<data>/files/`.
final class StoredFile: Model, @unchecked Sendable {
    static let schema = "stored_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// The name the uploader's computer gave it, cleaned, for display only.
    @Field(key: "original_name") var originalName: String
    /// `<uuid>.pdf`: the only name used on disk.
    @Field(key: "stored_name") var storedName: String
    /// Detected from the bytes: `application/pdf`, `image/jpeg`, `image/png`.
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "uploaded_by") var uploadedBy: String
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}
}
