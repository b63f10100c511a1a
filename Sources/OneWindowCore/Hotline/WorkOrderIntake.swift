import Foundation

/// A work order number: `12345-20250305-00012` (the hotline, the local date of intake, the day's sequence).
public struct WorkOrderNumber: Hashable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    public let sequence: Int

    public init(date: LocalDate, sequence: Int) {
        self.date = date
        self.sequence = sequence
    }

    /// Parses `12345-20250305-00012`, also typed full-width or without dashes.
    public init?(parsing text: String) {
        let digits = text.precomposedStringWithCompatibilityMapping.filter(\.isASCII).filter(\.isNumber)
        guard digits.count == 18, digits.hasPrefix("12345") else { return nil }
        let body = Array(digits.dropFirst(5))
        guard let year = Int(String(body[0..<4])), let month = Int(String(body[4..<6])), let day = Int(String(body[6..<8])),
            let date = LocalDate(year: year, month: month, day: day), let sequence = Int(String(body[8..<13])), sequence > 0
        else { return nil }
        self.init(date: date, sequence: sequence)
    }

    public var description: String {
        let day = String(format: "%04d%02d%02d", date.year, date.month, date.day)
        return "12345-\(day)-" + String(format: "%05d", sequence)
    }
}

/// A rectangle of latitude and longitude (WGS-84 degrees) that a reported place must fall in.
public struct GeoBounds: Equatable, Sendable {
    public var south: Double
    public var west: Double
    public var north: Double
    public var east: Double

    public init(south: Double, west: Double, north: Double, east: Double) {
        self.south = south
        self.west = west
        self.north = north
        self.east = east
    }

    /// 崇阳县 with a margin: latitude 28.9…29.8 N, longitude 113.5…114.5 E.
    public static let demoCounty = GeoBounds(south: 28.9, west: 113.5, north: 29.8, east: 114.5)

    /// Checks an optional point: both coordinates or neither, each a number on the globe and inside the bounds.
    /// - Throws: `FieldError` on `lat` or `long` (Open311's names).
    public func check(latitude: Double?, longitude: Double?) throws(FieldError) {
        switch (latitude, longitude) {
        case (nil, nil):
            return
        case (nil, _):
            throw FieldError(field: "lat", message: "请同时提供纬度和经度")
        case (_, nil):
            throw FieldError(field: "long", message: "请同时提供纬度和经度")
        case let (lat?, long?):
            guard lat.isFinite, (-90...90).contains(lat) else { throw FieldError(field: "lat", message: "纬度须在 -90 至 90 之间") }
            guard long.isFinite, (-180...180).contains(long) else { throw FieldError(field: "long", message: "经度须在 -180 至 180 之间") }
            guard (south...north).contains(lat) else {
                throw FieldError(field: "lat", message: "位置不在本县范围内（纬度 \(south)–\(north)）")
            }
            guard (west...east).contains(long) else {
                throw FieldError(field: "long", message: "位置不在本县范围内（经度 \(west)–\(east)）")
            }
        }
    }
}

/// A contact number for a callback: a mainland mobile number or a landline with its area code (`0715-3321234`).
public enum ContactPhone {
    /// The number normalised (digits; a landline keeps one dash after the area code).
    /// - Throws: `FieldError` on `field` when it is neither.
    public static func normalise(_ input: String, field: String = "phone") throws(FieldError) -> String {
        let text = input.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace }
        if let mobile = try? MobileNumber(text, field: field) { return mobile.value }
        let digits = text.filter { $0 != "-" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.hasPrefix("0"), (10...12).contains(digits.count) else {
            throw FieldError(field: field, message: "请填写 11 位手机号，或带区号的固定电话（如 0715-3321234）")
        }
        // 010 and 02x are three-digit area codes; the others have four.
        let areaLength = digits.hasPrefix("010") || digits.hasPrefix("02") ? 3 : 4
        return String(digits.prefix(areaLength)) + "-" + String(digits.dropFirst(areaLength))
    }
}
