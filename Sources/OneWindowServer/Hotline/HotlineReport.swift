import Fluent
import Foundation
import OneWindowCore

/// The 12345 monthly report (月报) of one region and local month: counts by channel, type, category, township and
/// department; the five rates with their definitions (`HotlineRates`) and their change from the month before;
/// reply times; the overdue and dissatisfied lists; and the month's hot topics (`HotTopics.cluster`).
struct HotlineMonthlyReport: Sendable, Encodable {
    struct Count: Sendable, Encodable { let label: String; let value: Int }
    struct Rate: Sendable, Encodable {
        let name: String
        let definition: String
        let value: String
        let counts: String
        let change: String
    }
    struct Listed: Sendable, Encodable {
        let id: String
        let number: String
        let title: String
        let department: String
        let note: String
    }
    struct Topic: Sendable, Encodable {
        let rank: Int
        /// The title of the topic's most representative appeal.
        let label: String
        /// The grams that most set the topic apart (`TopicCluster.keywords`).
        let keywords: String
        let count: Int
        let examples: [Listed]
    }

    let month: String
    let received: Int
    let previousReceived: Int
    let byChannel: [Count]
    let byType: [Count]
    let byCategory: [Count]
    let byTownship: [Count]
    let byDepartment: [Count]
    let rates: [Rate]
    let ratesValue: HotlineRates
    /// Reply time (received → replied) of the orders replied in the month, in hours: median and 90th percentile by
    /// nearest rank (`QueueStatistics.percentile`), and the share replied within 5 natural days.
    let replyMedianHours: Double?
    let replyP90Hours: Double?
    let repliedWithin5Days: Int
    let repliedCount: Int
    let overdue: [Listed]
    let dissatisfied: [Listed]
    let topics: [Topic]

    /// How alike appeals must be to form one hot topic (cosine of TF-IDF bigram vectors, `HotTopics.cluster`).
    static let topicThreshold = 0.3

    /// `2025-03` → the first day of the month, or `nil`.
    static func firstDay(of month: String) -> LocalDate? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), let number = Int(parts[1]) else { return nil }
        return LocalDate(year: year, month: number, day: 1)
    }

    static func nextMonth(_ day: LocalDate) -> LocalDate {
        day.month == 12 ? LocalDate(year: day.year + 1, month: 1, day: 1)! : LocalDate(year: day.year, month: day.month + 1, day: 1)!
    }

    static func previousMonth(_ day: LocalDate) -> LocalDate {
        day.month == 1 ? LocalDate(year: day.year - 1, month: 12, day: 1)! : LocalDate(year: day.year, month: day.month - 1, day: 1)!
    }

    static func label(_ day: LocalDate) -> String { String(format: "%04d-%02d", day.year, day.month) }

    /// Builds the report of the month starting on `first` (a first day), as of `now`.
    static func build(first: LocalDate, region: String, zone: TimeZone, now: Date, on db: any Database) async throws -> HotlineMonthlyReport
    {
        let start = first.instant(in: zone)
        let end = nextMonth(first).instant(in: zone)
        let previousStart = previousMonth(first).instant(in: zone)
        let tree = try await HotlineCategoryTree.load(region: region, on: db)
        let departments = try await Department.scoped(on: db, to: region).all()
        let names = Dictionary(departments.compactMap { d in d.id.map { ($0, d.shortName) } }, uniquingKeysWith: { a, _ in a })
        let townships = Dictionary(
            try await HotlineIntakeForm.townships(region: region, on: db).map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })

        // Every order the month's figures can touch: received, dispatched, replied or called back in the month.
        let touched = try await WorkOrder.scoped(on: db, to: region).group(.or) { or in
            or.group(.and) { $0.filter(\.$receivedAt >= previousStart).filter(\.$receivedAt < end) }
            or.group(.and) { $0.filter(\.$dispatchedAt >= previousStart).filter(\.$dispatchedAt < end) }
            or.group(.and) { $0.filter(\.$repliedAt >= previousStart).filter(\.$repliedAt < end) }
        }.all().sorted { ($0.receivedAt, $0.number) < ($1.receivedAt, $1.number) }
        func within(_ date: Date?, _ from: Date, _ to: Date) -> Bool { date.map { $0 >= from && $0 < to } ?? false }
        func rates(_ from: Date, _ to: Date) -> HotlineRates {
            var rates = HotlineRates()
            for order in touched {
                if within(order.dispatchedAt, from, to), order.state != .merged {
                    rates.dispatched += 1
                    if order.signedForAt != nil { rates.signedFor += 1 }
                }
                if within(order.receivedAt, from, to), order.state != .merged {
                    rates.received += 1
                    if order.state == .closed { rates.closed += 1 }
                }
                if within(order.repliedAt, from, to), order.state != .merged {
                    if let due = order.replyDueAt {
                        rates.replied += 1
                        if order.repliedAt! <= due { rates.repliedOnTime += 1 }
                    }
                    if order.phone != nil, order.sourceRef == nil {
                        rates.callbackDue += 1
                        if order.calledBackAt != nil { rates.calledBack += 1 }
                        // The first callback's answer: a 重办 does not turn a 不满意 into a 满意.
                        if (order.firstSatisfaction ?? order.satisfaction)?.countsAsSatisfied == true { rates.satisfied += 1 }
                    }
                }
            }
            return rates
        }
        let current = rates(start, end)
        let previous = rates(previousStart, start)
        let monthOrders = touched.filter { within($0.receivedAt, start, end) && $0.state != .merged }
        let previousReceived = touched.filter { within($0.receivedAt, previousStart, start) && $0.state != .merged }.count

        func counted(_ keys: [String]) -> [Count] {
            Dictionary(keys.map { ($0, 1) }, uniquingKeysWith: +).map { Count(label: $0.key, value: $0.value) }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.label < $1.label }
        }
        let percent = { (value: Double?) in value.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        let change = { (now: Double?, before: Double?) -> String in
            guard let now, let before else { return "—" }
            let points = (now - before) * 100
            return String(format: "%+.1f 个百分点", points)
        }
        let pairs: [(Double?, Double?, String)] = [
            (current.signForRate, previous.signForRate, "\(current.signedFor)/\(current.dispatched)"),
            (current.closeRate, previous.closeRate, "\(current.closed)/\(current.received)"),
            (current.onTimeRate, previous.onTimeRate, "\(current.repliedOnTime)/\(current.replied)"),
            (current.callbackRate, previous.callbackRate, "\(current.calledBack)/\(current.callbackDue)"),
            (current.callbackSatisfactionRate, previous.callbackSatisfactionRate, "\(current.satisfied)/\(current.calledBack)"),
        ]
        let rateRows = zip(HotlineRates.definitions, pairs).map { definition, pair in
            Rate(
                name: definition.name, definition: definition.definition, value: percent(pair.0), counts: pair.2,
                change: change(pair.0, pair.1))
        }

        let repliedInMonth = touched.filter { within($0.repliedAt, start, end) && $0.state != .merged }
        let hours = repliedInMonth.map { $0.repliedAt!.timeIntervalSince($0.receivedAt) / 3600 }
        func listed(_ order: WorkOrder, _ note: String) -> Listed {
            Listed(
                id: order.id?.uuidString ?? "", number: order.number, title: order.title,
                department: order.$leadDepartment.id.flatMap { names[$0] } ?? "—", note: note)
        }
        let asOf = min(now, end)
        // Replied late in the month, or still unanswered past the deadline (as of the month's end or now).
        let overdue = touched.filter { order in
            guard let due = order.replyDueAt, order.state != .merged else { return false }
            if let replied = order.repliedAt { return within(replied, start, end) && replied > due }
            return order.state.isOpen && due < asOf
        }.sorted { $0.number < $1.number }
        let dissatisfied = touched.filter {
            within($0.calledBackAt, start, end) && ($0.satisfaction == .dissatisfied || $0.firstSatisfaction == .dissatisfied)
        }.sorted { $0.number < $1.number }

        let clusters = HotTopics.cluster(
            monthOrders.map { (id: $0.id?.uuidString ?? "", text: $0.title + " " + $0.content) },
            threshold: topicThreshold)
        let byID = Dictionary(monthOrders.compactMap { o in o.id.map { ($0.uuidString, o) } }, uniquingKeysWith: { a, _ in a })
        let topics = clusters.filter { $0.count >= 2 }.prefix(10).enumerated().map { index, cluster in
            // The representative appeal first, then the others in order of arrival.
            let ids = [cluster.representativeID] + cluster.memberIDs.filter { $0 != cluster.representativeID }
            return Topic(
                rank: index + 1, label: byID[cluster.representativeID]?.title ?? "",
                // Keywords of Han characters only: grams with digits or letters (`17商`) say nothing.
                keywords: cluster.keywords.filter { $0.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) } }
                    .prefix(4).joined(separator: "、"),
                count: cluster.count,
                examples: ids.prefix(3).compactMap { byID[$0].map { listed($0, LocalTime.format($0.receivedAt, in: zone)) } })
        }

        return HotlineMonthlyReport(
            month: label(first), received: monthOrders.count, previousReceived: previousReceived,
            byChannel: counted(monthOrders.map(\.channel.label)), byType: counted(monthOrders.map(\.appealType.label)),
            byCategory: counted(monthOrders.map { $0.$category.id.flatMap { tree.root(of: $0)?.name } ?? "未分类" }),
            byTownship: counted(monthOrders.map { $0.townshipCode.flatMap { townships[$0] } ?? "未注明" }),
            byDepartment: counted(
                monthOrders.map { order in
                    order.$leadDepartment.id.flatMap { names[$0] } ?? (order.repliedBy == "12345热线" ? "热线当场答复" : "未派单")
                }),
            rates: rateRows, ratesValue: current,
            replyMedianHours: QueueStatistics.percentile(50, of: hours), replyP90Hours: QueueStatistics.percentile(90, of: hours),
            repliedWithin5Days: hours.filter { $0 <= 120 }.count, repliedCount: hours.count,
            overdue: overdue.map { order in
                let due = LocalTime.formatDeadline(order.replyDueAt!, in: zone)
                return listed(order, order.repliedAt.map { "期限 \(due)，答复于 \(LocalTime.format($0, in: zone))" } ?? "期限 \(due)，尚未答复")
            },
            dissatisfied: dissatisfied.map { order in
                listed(order, (order.reopenCount > 0 ? "已重办，最终回访：\(order.satisfaction?.label ?? "")；" : "") + (order.callbackNote ?? ""))
            },
            topics: Array(topics))
    }
}
