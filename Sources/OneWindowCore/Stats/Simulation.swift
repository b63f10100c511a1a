import Foundation

/// The parameters of a simulated year (`onewindow simulate --profile …`): how many records of each kind, and the
/// shares that shape them. `chongyang2024` reproduces SEED-FIGURES.md exactly; every other share is marked as ours.
public struct SimulationProfile: Sendable, Equatable {
    public var name: String
    public var year: Int
    /// 受理审批事项, split 即办 / 承诺 (SEED-FIGURES.md: 310,097 + 5,621).
    public var approvalInstant: Int
    public var approvalPromised: Int
    /// 办理服务事项 (公共服务 items, done on the spot): 118,274.
    public var serviceRequests: Int
    /// 咨询 at the hall's help desk: 267,000.
    public var consultations: Int
    /// Other help-desk records (导办, 教办, 帮办); not in the seed table — our assumption.
    public var otherAssistance: [AssistanceKind: Int]
    /// 12345 work orders by channel: WeChat 437, website 163, app / mini-program 41, phone 18,624.
    public var workOrders: [HotlineChannel: Int]
    /// Work orders whose first callback is 满意 or 基本满意. Every simulated appellant leaves a phone and is called
    /// back, so 回访满意率 = this ÷ work orders: 15,894 ÷ 19,265 = 82.5 %.
    public var satisfiedCallbacks: Int
    /// Share of hall cases applied for online (网上申报); ours.
    public var onlineShare: Double
    /// Share of completed cases the applicant rates (pad, SMS link, online); the rest get the 7-day default. Ours.
    public var ratedShare: Double
    /// Share of window visits that were booked (预约) before; ours.
    public var bookedShare: Double
    /// Share of window visits where the person handled two cases on one ticket; ours.
    public var twoCaseVisitShare: Double

    public init(
        name: String, year: Int, approvalInstant: Int, approvalPromised: Int, serviceRequests: Int, consultations: Int,
        otherAssistance: [AssistanceKind: Int], workOrders: [HotlineChannel: Int], satisfiedCallbacks: Int,
        onlineShare: Double, ratedShare: Double, bookedShare: Double, twoCaseVisitShare: Double
    ) {
        self.name = name
        self.year = year
        self.approvalInstant = approvalInstant
        self.approvalPromised = approvalPromised
        self.serviceRequests = serviceRequests
        self.consultations = consultations
        self.otherAssistance = otherAssistance
        self.workOrders = workOrders
        self.satisfiedCallbacks = satisfiedCallbacks
        self.onlineShare = onlineShare
        self.ratedShare = ratedShare
        self.bookedShare = bookedShare
        self.twoCaseVisitShare = twoCaseVisitShare
    }

    /// 崇阳县政务服务中心, 2024 (SEED-FIGURES.md).
    public static let chongyang2024 = SimulationProfile(
        name: "chongyang-2024", year: 2024, approvalInstant: 310_097, approvalPromised: 5_621, serviceRequests: 118_274,
        consultations: 267_000, otherAssistance: [.guide: 6_000, .teach: 3_000, .assist: 2_000],
        workOrders: [.phone: 18_624, .wechat: 437, .website: 163, .app: 41], satisfiedCallbacks: 15_894,
        onlineShare: 0.3, ratedShare: 0.4, bookedShare: 0.06, twoCaseVisitShare: 0.25)

    /// 崇阳县, 2023, derived from the 2024 figures and the seed's changes (hall volume +106 %, work orders +30 %):
    /// each hall count is the 2024 count ÷ 2.06 and each channel's work orders ÷ 1.3, rounded; the shares are 2024's.
    /// So a report of 2024 over both years shows +106.0 % and +30.0 %.
    public static let chongyang2023 = SimulationProfile(
        name: "chongyang-2023", year: 2023, approvalInstant: 150_533, approvalPromised: 2_729, serviceRequests: 57_415,
        consultations: 129_612, otherAssistance: [.guide: 2_913, .teach: 1_456, .assist: 971],
        workOrders: [.phone: 14_326, .wechat: 336, .website: 125, .app: 32], satisfiedCallbacks: 12_226,
        onlineShare: 0.3, ratedShare: 0.4, bookedShare: 0.06, twoCaseVisitShare: 0.25)

    /// The named profiles.
    public static let all: [String: SimulationProfile] = [chongyang2024.name: chongyang2024, chongyang2023.name: chongyang2023]

    public var workOrderCount: Int { workOrders.values.reduce(0, +) }
    public var caseCount: Int { approvalInstant + approvalPromised + serviceRequests }
    /// The records the DESIGN.md target speaks of: cases, service requests, work orders and consultations.
    public var recordCount: Int { caseCount + workOrderCount + consultations + otherAssistance.values.reduce(0, +) }

    /// Every count multiplied by `factor` and rounded half away from zero (`0.01` is the 1 % profile of the tests);
    /// satisfied callbacks keep their share of the scaled work orders.
    public func scaled(by factor: Double) -> SimulationProfile {
        func scale(_ count: Int) -> Int { Int((Double(count) * factor).rounded(.toNearestOrAwayFromZero)) }
        var copy = self
        copy.name = factor == 1 ? name : "\(name)@\(factor)"
        copy.approvalInstant = scale(approvalInstant)
        copy.approvalPromised = scale(approvalPromised)
        copy.serviceRequests = scale(serviceRequests)
        copy.consultations = scale(consultations)
        copy.otherAssistance = otherAssistance.mapValues(scale)
        copy.workOrders = workOrders.mapValues(scale)
        let share = Double(satisfiedCallbacks) / Double(workOrderCount)
        copy.satisfiedCallbacks = Int((Double(copy.workOrderCount) * share).rounded(.toNearestOrAwayFromZero))
        return copy
    }
}

/// The shapes of a simulated year: how a year's count spreads over days and hours (ours, from how a county hall is
/// busy: Mondays and the day after a holiday are busiest, mornings more than afternoons; the hotline runs 7×24).
public enum SimulationCurves {
    /// A weight per month, January first: busy before the Spring Festival, quiet in February, busy again in March.
    public static let monthWeights: [Double] = [1.15, 0.8, 1.15, 1.0, 0.95, 1.0, 1.05, 1.0, 1.0, 0.9, 1.0, 1.1]
    /// Monday … Sunday for the hall (a make-up working Saturday or Sunday counts as an ordinary Wednesday).
    public static let weekdayWeights: [Double] = [1.3, 1.1, 1.0, 1.0, 0.9, 1.0, 1.0]
    /// The hall's opening hours by local hour (08:30–12:00, 14:00–17:30), each hour's weight and first minute.
    public static let hallHours: [(hour: Int, weight: Double, fromMinute: Int, toMinute: Int)] = [
        (8, 0.6, 30, 60), (9, 1.4, 0, 60), (10, 1.5, 0, 60), (11, 1.1, 0, 60), (14, 0.9, 0, 60), (15, 1.2, 0, 60), (16, 1.0, 0, 60),
        (17, 0.35, 0, 30),
    ]
    /// The hotline's calls by local hour, 0…23.
    public static let hotlineHours: [Double] = [
        0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.3, 1.6, 1.6, 1.4, 1.0, 1.0, 1.3, 1.5, 1.5, 1.3, 1.0, 1.0, 0.9, 0.7, 0.45, 0.25,
    ]

    /// The weight of a working day: its month's, its weekday's, and 1.4 more when the day before was not a working day
    /// after a run of two or more days off (the first day after a long holiday).
    public static func hallDayWeight(_ date: LocalDate, daysOffBefore: Int) -> Double {
        let surge = daysOffBefore > 2 ? 1.4 : 1.0
        return monthWeights[date.month - 1] * weekdayWeights[date.weekday - 1] * surge
    }

    /// Splits `total` into parts proportional to `weights` that add up to `total` exactly, by cumulative rounding:
    /// part i is round(total × W(i) ÷ W) − round(total × W(i−1) ÷ W), W(i) the sum of the first i weights (half away
    /// from zero). Small totals spread evenly over the days (a yearly 192 gives every month its share) instead of
    /// going to the heaviest days. Weights must be ≥ 0 and not all 0 unless `total` is 0.
    public static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard total > 0, sum > 0 else { return weights.map { _ in 0 } }
        var parts: [Int] = []
        parts.reserveCapacity(weights.count)
        var cumulative = 0.0
        var previous = 0
        for (index, weight) in weights.enumerated() {
            cumulative += weight
            let reached = index == weights.count - 1 ? total : Int((Double(total) * cumulative / sum).rounded(.toNearestOrAwayFromZero))
            parts.append(reached - previous)
            previous = reached
        }
        return parts
    }

    /// A seconds-into-the-day offset in the hall's opening hours, drawn with `generator`.
    public static func hallSecond(using generator: inout SeededGenerator) -> Int {
        let hour = pick(hallHours.map(\.weight), using: &generator)
        let slot = hallHours[hour]
        let minute = slot.fromMinute + generator.nextIndex(below: slot.toMinute - slot.fromMinute)
        return slot.hour * 3600 + minute * 60 + generator.nextIndex(below: 60)
    }

    /// A seconds-into-the-day offset for a hotline call, drawn with `generator`.
    public static func hotlineSecond(using generator: inout SeededGenerator) -> Int {
        pick(hotlineHours, using: &generator) * 3600 + generator.nextIndex(below: 3600)
    }

    /// An index drawn with probability proportional to its weight.
    public static func pick(_ weights: [Double], using generator: inout SeededGenerator) -> Int {
        let sum = weights.reduce(0, +)
        var target = Double(generator.next() >> 11) / Double(1 << 53) * sum
        for (index, weight) in weights.enumerated() {
            if target < weight { return index }
            target -= weight
        }
        return weights.count - 1
    }

    /// A fraction in [0, 1) drawn with `generator`.
    public static func unit(_ generator: inout SeededGenerator) -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
}

extension ResidentID {
    /// The GB 11643 check character of the first 17 digits (`"11010519900307102"` → `8`).
    /// - Precondition: `first17` is 17 ASCII digits.
    public static func checkCharacter(of first17: String) -> Character {
        let sum = zip(first17.map { Int(String($0))! }, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkChars[sum % 11]
    }
}
