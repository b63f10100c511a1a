/// Appointment (预约) rules: how far ahead a slot can be booked, and how many bookings one person may hold.
///
/// **Decision:** slots are bookable from now until the end of the 7th local day after today (today + 7), never
/// a slot that has started; a person (by 身份证号) holds at most one active booking per local day (enforced by a
/// unique index) and at most `maxActivePerPerson` active bookings in all. Days are local days of the hall's time
/// zone, whatever the host's `TZ`.
public struct BookingRules: Sendable, Equatable {
    public var daysAhead: Int
    public var maxActivePerPerson: Int

    public init(daysAhead: Int = 7, maxActivePerPerson: Int = 3) {
        self.daysAhead = daysAhead
        self.maxActivePerPerson = maxActivePerPerson
    }

    public enum Refusal: Error, Equatable, Sendable {
        case started
        case tooFarAhead(last: LocalDate)
        case tooMany(Int)

        public var message: String {
            switch self {
            case .started: return "该时段已开始或已过去，请选择之后的时段"
            case .tooFarAhead(let last): return "最多可预约 7 天内的时段（最晚 \(last)）"
            case .tooMany(let limit): return "每人最多同时保留 \(limit) 个有效预约，请先办理或取消已有预约"
            }
        }
    }

    /// Checks a booking of a slot on local `day` starting at `slotStart`, made at `now` (local day `today`) by a person
    /// who already holds `active` active bookings.
    public func check(day: LocalDate, slotStart: Double, now: Double, today: LocalDate, active: Int) throws(Refusal) {
        guard slotStart > now else { throw .started }
        let last = today.adding(days: daysAhead)
        guard day <= last else { throw .tooFarAhead(last: last) }
        guard active < maxActivePerPerson else { throw .tooMany(maxActivePerPerson) }
    }
}
