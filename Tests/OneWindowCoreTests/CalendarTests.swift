import Foundation
import Testing

@testable import OneWindowCore

@Suite struct LocalDateTests {
    @Test func day_numbers_round_trip_and_weekdays_are_iso() {
        let date = Fixtures.date("2025-03-03")
        #expect(date.dayNumber == 20150)
        #expect(LocalDate(dayNumber: 20150) == date)
        #expect(date.weekday == 1)
        #expect(Fixtures.date("2025-03-09").weekday == 7)
        #expect(LocalDate(dayNumber: -1).description == "1969-12-31")
        #expect(Fixtures.date("2024-02-29").adding(days: 366).description == "2025-03-01")
    }

    @Test func impossible_dates_are_rejected() {
        #expect(LocalDate(iso: "2025-02-29") == nil)
        #expect(LocalDate(iso: "2024-02-30") == nil)
        #expect(LocalDate(iso: "2025-13-01") == nil)
        #expect(LocalDate(iso: "2025-3-1") == nil)
        #expect(LocalDate(iso: "2024-02-29")?.description == "2024-02-29")
    }

    @Test func local_date_of_an_instant_uses_the_given_zone_not_the_host() {
        // 2025-03-04T23:30:00Z is already 07:30 on 03-05 in Shanghai.
        let instant = Date(timeIntervalSince1970: 1_741_131_000)
        #expect(LocalDate(instant, in: Fixtures.shanghai).description == "2025-03-05")
        #expect(LocalDate(instant, in: TimeZone(identifier: "UTC")!).description == "2025-03-04")
        #expect(Fixtures.date("2025-03-05").instant(hour: 7, minute: 30, in: Fixtures.shanghai) == instant)
    }
}

@Suite struct WorkingCalendarTests {
    @Test func holidays_and_make_up_days_follow_the_state_council_files() throws {
        let calendar = Fixtures.calendar
        #expect(try calendar.isWorkingDay(Fixtures.date("2025-10-01")) == false)
        #expect(try calendar.isWorkingDay(Fixtures.date("2025-09-28")) == true)  // Sunday make-up day
        #expect(try calendar.isWorkingDay(Fixtures.date("2025-10-11")) == true)  // Saturday make-up day
        #expect(try calendar.isWorkingDay(Fixtures.date("2025-03-08")) == false)
        #expect(try calendar.isWorkingDay(Fixtures.date("2026-02-28")) == true)
        let makeUp2025 = try Fixtures.holidayYear(2025).days.filter { !$0.isOffDay }.map(\.date.description)
        #expect(makeUp2025 == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])
        let makeUp2026 = try Fixtures.holidayYear(2026).days.filter { !$0.isOffDay }.map(\.date.description)
        #expect(makeUp2026 == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
    }

    @Test func a_year_without_a_calendar_is_a_clear_error() {
        #expect(throws: CalendarError.noCalendar(year: 2027)) {
            try Fixtures.calendar.isWorkingDay(Fixtures.date("2027-01-04"))
        }
        #expect(CalendarError.noCalendar(year: 2027).message.contains("2027 年的节假日安排尚未载入"))
    }

    @Test func an_unpublished_year_file_is_refused() {
        let empty = Data(#"{"year": 2027, "papers": [], "days": []}"#.utf8)
        #expect(throws: CalendarError.unpublishedYear(2027)) { try HolidayYear.decode(empty) }
        #expect(throws: CalendarError.malformedYearFile) { try HolidayYear.decode(Data("[1,2]".utf8)) }
    }

    @Test func working_days_in_a_range_count_make_up_days() throws {
        // 2025-09-27 … 2025-10-11: 09-28, 09-29, 09-30, 10-09, 10-10 are working days; 10-11 is excluded (half-open).
        #expect(try Fixtures.calendar.workingDays(from: Fixtures.date("2025-09-27"), to: Fixtures.date("2025-10-11")) == 5)
    }
}

@Suite struct DeadlineTests {
    let calendar = Fixtures.calendar

    func due(_ start: String, _ days: Double, pauses: [Pause] = []) throws -> String? {
        try calendar.deadline(from: Fixtures.date(start), limit: WorkingDays(exactly: days)!, pauses: pauses)?.description
    }

    @Test func friday_plus_three_crosses_a_sunday_make_up_day() throws {
        #expect(try due("2025-09-26", 3) == "2025-09-30 23:59:59")
        let instant = try calendar.deadline(from: Fixtures.date("2025-09-26"), limit: WorkingDays(3))!.instant(in: Fixtures.shanghai)
        // 2025-09-30 23:59:59 +08:00
        #expect(instant == Date(timeIntervalSince1970: 1_759_247_999))
    }

    @Test func two_days_after_the_holiday_ends_on_a_saturday_make_up_day() throws {
        #expect(try due("2025-10-09", 2) == "2025-10-11 23:59:59")
    }

    @Test func the_rules_pause_example_is_due_on_the_seventeenth() throws {
        let pause = Pause(.correction, from: Fixtures.date("2025-03-04"), until: Fixtures.date("2025-03-07"))
        #expect(try due("2025-03-03", 7, pauses: [pause]) == "2025-03-17 23:59:59")
        #expect(try due("2025-03-03", 7) == "2025-03-12 23:59:59")
        // Accepted with 5, paused, limit then changed to 7: recomputed from the start with the pause kept.
        #expect(try due("2025-03-03", 5, pauses: [pause]) == "2025-03-13 23:59:59")
    }

    @Test func several_pauses_add_up_and_weekend_only_pauses_change_nothing() throws {
        let pauses = [
            Pause(.correction, from: Fixtures.date("2025-03-04"), until: Fixtures.date("2025-03-05")),
            Pause(.specialProcedure, from: Fixtures.date("2025-03-10"), until: Fixtures.date("2025-03-12")),
        ]
        #expect(try due("2025-03-03", 7, pauses: pauses) == "2025-03-17 23:59:59")
        let weekend = Pause(from: Fixtures.date("2025-03-08"), until: Fixtures.date("2025-03-10"))
        #expect(try due("2025-03-03", 7, pauses: [weekend]) == "2025-03-12 23:59:59")
    }

    @Test func a_start_on_a_holiday_counts_from_the_next_working_day() throws {
        #expect(try due("2025-10-01", 1) == "2025-10-09 23:59:59")
        #expect(try due("2025-10-01", 3) == "2025-10-11 23:59:59")
    }

    @Test func limit_zero_is_due_the_same_day_or_the_next_working_day() throws {
        #expect(try due("2025-03-03", 0) == "2025-03-03 23:59:59")
        #expect(try due("2025-03-08", 0) == "2025-03-10 23:59:59")
        #expect(try due("2025-10-01", 0) == "2025-10-09 23:59:59")
    }

    @Test func half_days_end_at_noon_of_the_next_working_day() throws {
        #expect(try due("2025-09-26", 0.5) == "2025-09-28 12:00")
        #expect(try due("2025-03-03", 2.5) == "2025-03-06 12:00")
        let noon = try calendar.deadline(from: Fixtures.date("2025-03-03"), limit: WorkingDays(halfDays: 1))!.instant(in: Fixtures.shanghai)
        #expect(noon == Date(timeIntervalSince1970: 1_741_060_800))  // 2025-03-04 12:00 +08:00
    }

    @Test func a_count_that_reaches_a_year_without_calendar_throws() {
        #expect(throws: DeadlineError.calendar(.noCalendar(year: 2027))) {
            try calendar.deadline(from: Fixtures.date("2026-12-28"), limit: WorkingDays(5))
        }
    }

    @Test func an_open_pause_leaves_the_deadline_unknown() throws {
        let open = Pause(from: Fixtures.date("2025-03-04"), until: nil)
        #expect(try due("2025-03-03", 7, pauses: [open]) == nil)
    }

    @Test func bad_pauses_are_refused() {
        #expect(throws: DeadlineError.self) {
            try calendar.deadline(
                from: Fixtures.date("2025-03-03"), limit: WorkingDays(7),
                pauses: [Pause(from: Fixtures.date("2025-03-01"), until: Fixtures.date("2025-03-05"))])
        }
        #expect(throws: DeadlineError.invalidPause("暂停时段重叠")) {
            try calendar.deadline(
                from: Fixtures.date("2025-03-03"), limit: WorkingDays(7),
                pauses: [
                    Pause(from: Fixtures.date("2025-03-04"), until: Fixtures.date("2025-03-07")),
                    Pause(from: Fixtures.date("2025-03-06"), until: Fixtures.date("2025-03-10")),
                ])
        }
        #expect(throws: DeadlineError.invalidPause("暂停尚未恢复，不能再次暂停")) {
            try calendar.deadline(
                from: Fixtures.date("2025-03-03"), limit: WorkingDays(7),
                pauses: [
                    Pause(from: Fixtures.date("2025-03-04"), until: nil),
                    Pause(from: Fixtures.date("2025-03-06"), until: Fixtures.date("2025-03-10")),
                ])
        }
    }

    @Test func working_days_only_in_half_steps() {
        #expect(WorkingDays(exactly: 2.5)?.halfDays == 5)
        #expect(WorkingDays(exactly: 0.3) == nil)
        #expect(WorkingDays(exactly: -1) == nil)
        #expect(WorkingDays(exactly: 3)?.description == "3")
        #expect(WorkingDays(exactly: 0.5)?.description == "0.5")
        #expect(WorkingDays(parsing: "２.５") == WorkingDays(halfDays: 5))
        #expect(WorkingDays(parsing: "20.0") == WorkingDays(20))
        for bad in ["0x10", "1e1", "-1", "2.3", "inf", ".5", "5.", "nan", ""] {
            #expect(WorkingDays(parsing: bad) == nil, "\(bad)")
        }
    }
}

@Suite struct WarningLightTests {
    let due = DueTime(date: Fixtures.date("2025-03-17"))

    func light(at isoLocal: String, limit: Int = 7) throws -> WarningLight {
        let day = Fixtures.date(String(isoLocal.prefix(10)))
        let now = day.instant(hour: 10, in: Fixtures.shanghai)
        return try WarningLight.evaluate(
            now: now, due: due, limit: WorkingDays(limit), calendar: Fixtures.calendar, zone: Fixtures.shanghai)
    }

    @Test func green_then_yellow_then_red() throws {
        #expect(try Fixtures.calendar.workingDaysLeft(today: Fixtures.date("2025-03-10"), until: due) == 5)
        #expect(try light(at: "2025-03-10") == .green)
        #expect(try light(at: "2025-03-14") == .yellow)  // 1 working day left (03-17)
        #expect(try light(at: "2025-03-17") == .yellow)  // due today
        #expect(try light(at: "2025-03-18") == .red)
        #expect(try Fixtures.calendar.workingDaysLeft(today: Fixtures.date("2025-03-19"), until: due) == -2)
        #expect(WarningLight.red.label == "超期")
    }

    @Test func twenty_per_cent_of_a_long_limit_is_yellow() throws {
        // 03-11: 4 working days left of a 20-day limit = 20 %.
        #expect(try light(at: "2025-03-11", limit: 20) == .yellow)
        #expect(try light(at: "2025-03-10", limit: 20) == .green)  // 5 left > 4
        #expect(try light(at: "2025-03-10", limit: 30) == .yellow)  // 5 left ≤ 6
    }
}
