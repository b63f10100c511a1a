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
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        return Response(status: .ok, headers: headers, body: .init(data: try data(header: header, rows: rows)))
    }
}
