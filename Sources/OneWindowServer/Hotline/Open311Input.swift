import Foundation
import OneWindowCore
import Vapor

/// The parameters of an Open311 GeoReport v2 call as flat `name → value` text, keys exactly as sent
/// (`attribute[appeal_type]` stays one key).
///
/// POST bodies may be form-encoded (the spec) or a JSON object (whose `attribute` object becomes
/// `attribute[key]` keys); the query string fills in what the body lacks. Values keep their text; each handler
/// checks the ones it reads.
struct Open311Parameters: Sendable {
    var values: [String: String]

    subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The query string's parameters (`+` is a space, as in forms).
    /// - Throws: `Open311Error` 400 on broken percent-encoding.
    static func query(of request: Request) throws -> Open311Parameters {
        Open311Parameters(values: try form(request.url.query ?? ""))
    }

    /// A POST's parameters: the body (form or JSON), then the query string for keys the body lacks.
    /// - Throws: `Open311Error` 400 when the body is neither a form nor a JSON object.
    static func body(of request: Request) throws -> Open311Parameters {
        var values: [String: String] = [:]
        let data = request.body.data.map { Data($0.readableBytesView) } ?? Data()
        if request.headers.contentType?.subType == "json" {
            guard !data.isEmpty, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Open311Error(status: .badRequest, description: "请求内容须为 JSON 对象或表单（application/x-www-form-urlencoded）")
            }
            for (key, value) in object {
                if let attributes = value as? [String: Any] {
                    for (name, item) in attributes { values["\(key)[\(name)]"] = text(item) }
                } else {
                    values[key] = text(value)
                }
            }
        } else if !data.isEmpty {
            guard let body = String(data: data, encoding: .utf8) else {
                throw Open311Error(status: .badRequest, description: "请求内容须为 UTF-8 编码的表单")
            }
            values = try form(body)
        }
        for (key, value) in try form(request.url.query ?? "") where values[key] == nil { values[key] = value }
        return Open311Parameters(values: values)
    }

    /// A JSON value as parameter text: strings as they are, numbers written out, `null` as empty.
    private static func text(_ value: Any) -> String {
        switch value {
        case let string as String: return string
        case is NSNull: return ""
        default: return "\(value)"
        }
    }

    /// Parses `a=1&b=x+y&c=%E5%BC%A0`; the first value of a repeated key wins.
    static func form(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw Open311Error(status: .badRequest, description: "参数的百分号编码不正确")
            }
            if values[key] == nil { values[key] = value }
        }
        return values
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Open311 date-time parameters (`start_date`, `end_date`): the W3C note's subset of ISO 8601.
///
/// Accepts `2025-03-05T10:00:00+08:00`, the same with fractional seconds (`…:00.123+08:00`, up to 9 digits), `Z`,
/// an offset without the colon, minutes without seconds, and a bare date (`2025-03-05`, a local day). A time
/// without an offset is local (`zone`). A `+` that an unencoded query string turned into a space
/// (`…T00:00:00 08:00`) is read as `+`.
enum Open311DateTime {
    /// The instant, or for a bare date the local day's start and the next day's start.
    struct Parsed: Equatable, Sendable {
        let instant: Date
        /// For a bare date: the start of the next local day (an `end_date` covers the whole day).
        let dayEnd: Date?
    }

    static func parse(_ text: String, zone: TimeZone) -> Parsed? {
        let pattern = #/^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+\- ]\d{2}:?\d{2})?)?$/#
        guard let match = text.trimmingCharacters(in: .whitespaces).wholeMatch(of: pattern) else { return nil }
        let output = match.output
        guard let year = Int(output.1), let month = Int(output.2), let day = Int(output.3) else { return nil }
        let hour = output.4.flatMap { Int($0) } ?? 0
        let minute = output.5.flatMap { Int($0) } ?? 0
        let second = output.6.flatMap { Int($0) } ?? 0
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...59).contains(second)
        else { return nil }
        var timeZone = zone
        if let offset = output.8, offset != "Z", offset != "z" {
            let digits = offset.dropFirst().filter(\.isNumber)
            guard let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)), hours <= 14, minutes <= 59,
                let fixed = TimeZone(secondsFromGMT: (offset.first == "-" ? -1 : 1) * (hours * 3600 + minutes * 60))
            else { return nil }
            timeZone = fixed
        } else if output.8 != nil {
            timeZone = TimeZone(secondsFromGMT: 0)!
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let start = calendar.date(from: components) else { return nil }
        // 2025-02-30 rolls over to March: not a date.
        let back = calendar.dateComponents([.year, .month, .day], from: start)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        let fraction = output.7.flatMap { Double("0." + $0) } ?? 0
        let isBareDate = output.4 == nil
        return Parsed(
            instant: start.addingTimeInterval(fraction),
            dayEnd: isBareDate ? calendar.date(byAdding: .day, value: 1, to: start) : nil)
    }

    /// `2025-03-10T09:30:00+08:00`: the spec's format, seconds precision, with the zone's offset.
    static func format(_ date: Date, zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// A latitude or longitude parameter: a plain decimal number (`29.15`, `-0.5`); `nil` when absent.
/// - Throws: `Open311Error` 400 on anything else (`abc`, `1e400`, `nan`, `0x1p3`).
func open311Coordinate(_ text: String?, name: String) throws -> Double? {
    guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    guard text.count <= 40, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }),
        let value = Double(text), value.isFinite
    else { throw Open311Error.badParameter(name, "须为十进制数（WGS-84 度）") }
    return value
}
