import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("好差评 figures counted by the database: totals and groups by department, window, staff, item and month")
struct RatingFiguresTests {
    @Test("Five ratings across two months: exact totals, averages, satisfied shares, 差评 and closed rectifications")
    func groups() async throws {
        try await withTestApp { app in
            let zone = app.settings.timeZone
            let region = app.settings.region.value
            func rate(
                _ level: RatingLevel, _ item: RatingItem = .overall, department: String, window: String?, staff: String?, at day: String,
                isDefault: Bool = false
            ) async throws -> Rating {
                let rating = Rating()
                rating.regionCode = region
                rating.subjectKind = .caseRecord
                rating.subjectID = UUID()
                rating.subjectLabel = "测试"
                rating.departmentName = department
                rating.windowNumber = window
                rating.staffName = staff
                rating.item = item
                rating.level = level
                rating.channel = isDefault ? .defaulted : .pad
                rating.raterKey = "t:\(UUID().uuidString)"
                rating.realName = true
                rating.isDefault = isDefault
                rating.ratedAt = LocalDate(iso: day)!.instant(hour: 10, in: zone)
                try await rating.create(on: app.db)
                return rating
            }
            _ = try await rate(.verySatisfied, department: "县人社局", window: "3", staff: "王小窗", at: "2025-03-03")
            _ = try await rate(.satisfied, department: "县人社局", window: "3", staff: "王小窗", at: "2025-03-31")
            _ = try await rate(.basicallySatisfied, department: "县医保局", window: nil, staff: nil, at: "2025-04-01", isDefault: true)
            let bad = try await rate(.veryDissatisfied, department: "县医保局", window: "5", staff: "李窗口", at: "2025-04-02")
            _ = try await rate(.dissatisfied, .attitude, department: "县医保局", window: "5", staff: "李窗口", at: "2025-04-02")
            _ = try await rate(.verySatisfied, department: "县人社局", window: "3", staff: "王小窗", at: "2025-05-01")  // outside
            let rectification = Rectification()
            rectification.regionCode = region
            rectification.$rating.id = try bad.requireID()
            rectification.state = .closed
            rectification.openedAt = bad.ratedAt
            rectification.extended = false
            rectification.updatedAt = bad.ratedAt
            try await rectification.create(on: app.db)

            let figures = RatingFigures(
                db: app.db, region: region, zone: zone, from: LocalDate(iso: "2025-03-01")!, to: LocalDate(iso: "2025-04-30")!)
            #expect(try await figures.totals() == .init(count: 4, satisfied: 3, defaults: 1, bad: 1, badClosed: 1))
            func rows(_ key: RatingFigures.Key) async throws -> [String] {
                try await figures.groups(by: key).map { "\($0.label) \($0.count) \($0.average) \($0.satisfied) \($0.bad)" }
            }
            #expect(try await rows(.department) == ["县人社局 2 4.50 100.0% 0", "县医保局 2 2.00 50.0% 1"])
            #expect(try await rows(.window) == ["3 号窗口 2 4.50 100.0% 0", "5 号窗口 1 1.00 0.0% 1"])
            #expect(try await rows(.staff) == ["李窗口 1 1.00 0.0% 1", "王小窗 2 4.50 100.0% 0"])
            #expect(try await rows(.item) == ["整体满意度 4 3.25 75.0% 1", "服务态度 1 2.00 0.0% 1"])
            let months = try await rows(.month)
            #expect(months == ["2025-03 2 4.50 100.0% 0", "2025-04 2 2.00 50.0% 1"])
        }
    }
}
