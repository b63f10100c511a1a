import Foundation
import OneWindowCore

/// The holiday files the product ships (Sources/OneWindowServer/ReferenceData/holiday-cn).
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func holidayYear(_ year: Int) throws -> HolidayYear {
        let url = repositoryRoot.appendingPathComponent("Sources/OneWindowServer/ReferenceData/holiday-cn/\(year).json")
        return try HolidayYear.decode(try Data(contentsOf: url))
    }

    /// 2023–2026, as shipped.
    static let calendar: WorkingCalendar = {
        WorkingCalendar((2023...2026).map { try! holidayYear($0) })
    }()

    static func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
}
