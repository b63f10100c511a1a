import Foundation
import OneWindowCore

/// When things happen and the values drawn: office hours for staff, call hours for the hotline, a reply within its limit;
/// Zipf ranks, time-ordered ids, hex tokens, mobile numbers. All draws come from the run's `SeededGenerator`.
extension Simulator {
    /// The instant itself if it falls in office hours (08:30–12:00, 14:00–17:30 of a working day), else the next opening:
    /// when staff (clerks, approvers, departments) act.
    func officeTime(_ instant: Date) -> Date {
        var day = LocalDate(instant, in: zone)
        var second = Int(instant.timeIntervalSince(day.instant(in: zone)))
        for _ in 0..<40 {
            if (try? calendar.isWorkingDay(day)) == true {
                let start = day.instant(in: zone)
                switch second {
                case ..<30_600: return start.addingTimeInterval(30_600)
                case ..<43_200: return start.addingTimeInterval(Double(second))
                case ..<50_400: return start.addingTimeInterval(50_400)
                case ..<63_000: return start.addingTimeInterval(Double(second))
                default: break
                }
            }
            day = day.adding(days: 1)
            second = 0
        }
        return instant
    }

    /// The instant itself between 08:00 and 21:00, else 08:00 of the next morning: when the hotline calls people back.
    func callTime(_ instant: Date) -> Date {
        let day = LocalDate(instant, in: zone)
        let second = Int(instant.timeIntervalSince(day.instant(in: zone)))
        if second < 28_800 { return day.instant(in: zone).addingTimeInterval(28_800) }
        if second >= 75_600 { return day.adding(days: 1).instant(in: zone).addingTimeInterval(28_800) }
        return instant
    }

    /// A reply within the limit: on one of the working days the limit allows, in office hours, after `earliest`, by `due`.
    func replyTime(after earliest: Date, from day: LocalDate, limit: WorkingDays, due: Date, _ g: inout SeededGenerator) -> Date {
        let span = max(0, limit.wholeDays - 1)
        let replyDay = (try? calendar.deadline(from: day, limit: WorkingDays(g.nextIndex(below: span + 1))))??.date ?? day
        var reply = replyDay.instant(in: zone).addingTimeInterval(Double(SimulationCurves.hallSecond(using: &g)))
        if reply <= earliest { reply = officeTime(earliest.addingTimeInterval(Double(600 + g.nextIndex(below: 3000)))) }
        return min(reply, due.addingTimeInterval(-30))
    }

    // MARK: Random values

    /// An index in 0..<count, the first ones more often (Zipf, s = 1): a few items make most of a hall's cases.
    func zipf(_ count: Int, _ g: inout SeededGenerator) -> Int {
        guard count > 1 else { return 0 }
        let harmonic = (1...count).reduce(0.0) { $0 + 1 / Double($1) }
        var target = SimulationCurves.unit(&g) * harmonic
        for rank in 1...count {
            target -= 1 / Double(rank)
            if target < 0 { return rank - 1 }
        }
        return count - 1
    }

    /// Time-ordered record ids (the UUID version 7 layout): 48 bits that grow with every id — the profile's year, the day
    /// of the year, the record's place in the day — then version, variant and 74 seeded random bits. Each table's
    /// primary-key index then grows at its end, as it does with ids made in the order of events, instead of taking
    /// a random place in a large B-tree for every row.
    struct IDSequence: Sendable {
        private var next: UInt64

        init(year: Int, day: Int) {
            next = UInt64(year) << 36 | UInt64(day) << 27
        }

        mutating func make(_ g: inout SeededGenerator) -> UUID {
            let high = next
            next += 1
            let low = g.next()
            var bytes = [UInt8](repeating: 0, count: 16)
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * (5 - index))) }
            for index in 0..<10 { bytes[6 + index] = UInt8(truncatingIfNeeded: low >> (8 * (index % 8)) ^ UInt64(index) &* 0x9E) }
            bytes[6] = (bytes[6] & 0x0F) | 0x70
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            return UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                    bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                ))
        }
    }

    /// `length` lower-case hex digits (tokens, appointment codes).
    func hex(_ g: inout SeededGenerator, _ length: Int) -> String {
        var text = ""
        while text.count < length { text += String(g.next() | 1 << 63, radix: 16) }
        return String(text.prefix(length))
    }

    /// An 11-digit mainland mobile number, `13…`–`19…`.
    func mobile(_ g: inout SeededGenerator) -> String {
        "1" + String(3 + g.nextIndex(below: 7)) + String(format: "%09d", g.nextIndex(below: 1_000_000_000))
    }
}
