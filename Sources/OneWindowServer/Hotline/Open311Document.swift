import Foundation
import Vapor

/// The two output formats of Open311 GeoReport v2 (DESIGN.md, Interfaces): chosen by the resource's extension,
/// `services.json` or `services.xml`.
enum Open311Format: String, CaseIterable, Sendable {
    case json
    case xml

    /// `application/json; charset=utf-8` or `text/xml; charset=utf-8` (the spec's content types, UTF-8 always).
    var contentType: String {
        switch self {
        case .json: return "application/json; charset=utf-8"
        case .xml: return "text/xml; charset=utf-8"
        }
    }

    /// Splits `0102.json` into (`0102`, `.json`); `nil` without a known extension.
    static func split(_ file: String) -> (name: String, format: Open311Format)? {
        for format in allCases where file.hasSuffix("." + format.rawValue) {
            let name = String(file.dropLast(format.rawValue.count + 1))
            return name.isEmpty ? nil : (name, format)
        }
        return nil
    }

    /// The format a path asks for: XML when it ends in `.xml`, else JSON (also for errors on unknown paths).
    static func of(path: String) -> Open311Format {
        path.hasSuffix(".xml") ? .xml : .json
    }
}

/// One value of an Open311 GeoReport v2 answer, written once and rendered as JSON or as the spec's XML.
/// Holds only what may be public: callers mask personal data before building it (RULES.md, Identity and contact
/// data; `Masking.redact(_:name:phone:maxLength:)`).
///
/// - `text(nil)` / `number(nil)`: JSON `null`, XML an empty element (`<zipcode/>`), as the official schemas allow.
/// - `list(item:, …)`: a JSON array; in XML a wrapper whose children are all named `item`
///   (`<attributes><attribute>…</attribute></attributes>`, `<formats><format>…</format></formats>`).
/// - `record`: a JSON object with the keys in the given order; in XML one child element per key.
indirect enum Open311Node: Sendable {
    case text(String?)
    case number(Double?)
    case integer(Int)
    case bool(Bool)
    case list(item: String, [Open311Node])
    case record([(String, Open311Node)])
}

/// A whole Open311 GeoReport v2 answer: the XML root element's name (`services`, `service_requests`, `service_definition`,
/// `discovery`, `errors`) and the value. JSON has no root name: the value is the document.
struct Open311Document: Sendable {
    let root: String
    let value: Open311Node

    /// A response with the format's content type and `status` (200 unless given).
    func response(_ format: Open311Format, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: format.contentType)
        let body = format == .json ? Self.json(value) : Self.xml(root: root, value)
        return Response(status: status, headers: headers, body: .init(string: body))
    }

    // MARK: JSON

    static func json(_ node: Open311Node) -> String {
        var out = ""
        writeJSON(node, into: &out)
        return out
    }

    private static func writeJSON(_ node: Open311Node, into out: inout String) {
        switch node {
        case .text(let text):
            if let text { out += jsonString(text) } else { out += "null" }
        case .number(let number):
            if let number, number.isFinite { out += number.description } else { out += "null" }
        case .integer(let value):
            out += String(value)
        case .bool(let value):
            out += value ? "true" : "false"
        case .list(_, let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                writeJSON(item, into: &out)
            }
            out += "]"
        case .record(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                out += jsonString(key) + ":"
                writeJSON(value, into: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\u00XX`, everything else as UTF-8.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: XML

    static func xml(root: String, _ node: Open311Node) -> String {
        var out = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
        writeXML(root, node, into: &out)
        return out + "\n"
    }

    private static func writeXML(_ name: String, _ node: Open311Node, into out: inout String) {
        func element(_ text: String?) {
            if let text { out += "<\(name)>\(xmlEscaped(text))</\(name)>" } else { out += "<\(name)/>" }
        }
        switch node {
        case .text(let text): element(text)
        case .number(let number): element(number.flatMap { $0.isFinite ? $0.description : nil })
        case .integer(let value): element(String(value))
        case .bool(let value): element(value ? "true" : "false")
        case .list(let item, let items):
            out += "<\(name)>"
            for child in items { writeXML(item, child, into: &out) }
            out += "</\(name)>"
        case .record(let fields):
            out += "<\(name)>"
            for (key, value) in fields { writeXML(key, value, into: &out) }
            out += "</\(name)>"
        }
    }

    /// Escapes `& < > " '` and drops the characters XML 1.0 cannot carry (controls other than tab, CR, LF;
    /// U+FFFE, U+FFFF), so any stored text makes a well-formed document.
    static func xmlEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
