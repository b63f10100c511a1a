import CSV
import Foundation
import Vapor

/// CSV files that Excel and WPS open correctly: UTF-8 with a byte-order mark, CRLF line ends, every cell quoted,
/// and a `Content-Disposition` with the Chinese file name (RFC 6266 / RFC 5987 `filename*`).
///
/// Cells typed by people are neutralised: one starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so a spreadsheet shows it as text and never runs it as a formula (CSV injection).
enum CSVExport {
    /// A cell from user text, made inert.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return value }
        return "'" + value
    }

    /// The file's bytes: BOM, header, rows.
    static func data(header: [String], rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        stream.open()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: header, quotedAtIndex: { _ in true })
        for row in rows { try writer.write(row: row, quotedAtIndex: { _ in true }) }
        let body = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        stream.close()
        // The writer separates rows; the file also ends with a line end, as spreadsheets write it.
        return Data([0xEF, 0xBB, 0xBF]) + body + Data("\r\n".utf8)
    }

    /// A download response named `filename` (e.g. `预约-2025-03-06.csv`).
    static func response(filename: String, header: [String], rows: [[String]]) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let ascii = filename.unicodeScalars.map { $0.isASCII && $0 != "\"" ? String($0) : "_" }.joined()
        let encoded =
            filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        return Response(status: .ok, headers: headers, body: .init(data: try data(header: header, rows: rows)))
    }
}

// MARK: Typed cells and streamed files

extension CSVExport {
    /// One cell of an export row, by where its value comes from.
    ///
    /// - `text`: typed by a person (names, comments, addresses, titles): neutralised with `text(_:)`, quoted.
    /// - `value`: the system's own text (record numbers, dates, labels, ID numbers and phones, masks): quoted, kept
    ///   exactly. An 18-character 身份证号 is written as its 18 characters in a quoted cell, nothing added, so a CSV
    ///   parser gives back `110105199003071028` / `11010519900307101X` as text. (A spreadsheet applies its own number
    ///   guessing on open: WPS keeps digit runs longer than 11 as text; in Excel import the file with 数据 → 自文本/CSV
    ///   and set the column to 文本. No `="…"` wrapper and no invisible prefix, because those would be formulas or
    ///   change the value.)
    /// - `number`: a figure the system computed (counts, days, minutes, levels): written bare, unquoted.
    enum Cell: Sendable, Equatable {
        case text(String)
        case value(String)
        case number(Double)

        /// A whole number (a count, minutes, a level).
        static func integer(_ value: Int) -> Cell { .number(Double(value)) }

        var written: String {
            switch self {
            case .text(let value): return CSVExport.text(value)
            case .value(let value): return value
            case .number(let value):
                return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
            }
        }

        var isQuoted: Bool {
            if case .number = self { return false }
            return true
        }
    }

    static let byteOrderMark = Data([0xEF, 0xBB, 0xBF])

    /// CSV lines for `rows`, each ending with CRLF (no BOM): a page of a streamed file.
    static func lines(_ rows: [[Cell]]) throws -> Data {
        guard !rows.isEmpty else { return Data() }
        let stream = OutputStream(toMemory: ())
        stream.open()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows { try writer.write(row: row.map(\.written), quotedAtIndex: { row[$0].isQuoted }) }
        let body = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        stream.close()
        return body + Data("\r\n".utf8)
    }

    /// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / RFC 5987): an ASCII fallback with `_` for every
    /// other character, and the UTF-8 name percent-encoded.
    static func contentDisposition(filename: String) -> String {
        let ascii = filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? String($0) : "_" }.joined()
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// A download streamed in pages: BOM and header first, then each page of rows as `pages` hands it over, so a large
    /// file never sits in memory whole. `pages` calls `emit` once per page (e.g. 1,000 rows read by keyset).
    static func streamingResponse(
        filename: String, header: [String],
        pages: @escaping @Sendable (_ emit: @escaping @Sendable ([[Cell]]) async throws -> Void) async throws -> Void
    ) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(filename: filename))
        let first = byteOrderMark + (try lines([header.map { Cell.value($0) }]))
        return Response(
            status: .ok, headers: headers,
            body: .init(managedAsyncStream: { writer in
                try await writer.write(.buffer(ByteBuffer(data: first)))
                try await pages { rows in
                    guard !rows.isEmpty else { return }
                    try await writer.write(.buffer(ByteBuffer(data: try lines(rows))))
                }
            }))
    }
}
