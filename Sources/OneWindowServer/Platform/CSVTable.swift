import CSV
import Foundation

/// A CSV file read whole: its header and its records, each record as column name → cell.
/// Quoted cells may span lines; a UTF-8 byte-order mark is dropped.
struct CSVTable: Sendable {
    let header: [String]
    let records: [[String: String]]

    enum ParseError: Error, Equatable {
        case empty
        case malformed(record: Int)
    }

    init(text: String) throws {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let reader = try CSVReader(string: body, hasHeaderRow: true)
        guard let header = reader.headerRow, !header.isEmpty else { throw ParseError.empty }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var records: [[String: String]] = []
        while let row = reader.next() {
            if row.count == 1 && row[0].isEmpty { continue }  // blank line
            var record: [String: String] = [:]
            for (index, name) in names.enumerated() where index < row.count {
                record[name] = row[index]
            }
            records.append(record)
        }
        if reader.error != nil { throw ParseError.malformed(record: records.count + 1) }
        self.header = names
        self.records = records
    }
}
