import Foundation

/// The tallies the centre's yearly figures are computed from, as the database groups its records (SQL `count(*)
/// … group by`). Each field says which records it counts; all are counts of one period (a calendar year or a month).
public struct PeriodTally: Sendable, Equatable {
    /// Cases accepted in the period (`accepted_on` inside it), by the item's category and the case type.
    public struct CaseGroup: Sendable, Equatable, Hashable {
        public var category: ItemCategory?
        public var caseType: CaseType
        public var count: Int

        public init(category: ItemCategory?, caseType: CaseType, count: Int) {
            self.category = category
            self.caseType = caseType
            self.count = count
        }
    }

    public var acceptedCases: [CaseGroup] = []
    /// Cases accepted in the period through the online portal (网上申报).
    public var acceptedOnline = 0
    /// Cases completed in the period, and of those completed on or before their promised deadline.
    public var completed = 0
    public var completedOnTime = 0
    /// 帮办 records of the period by kind (咨询 is `.consult`).
    public var assistance: [AssistanceKind: Int] = [:]
    /// Work orders received in the period, merged duplicates not counted, by channel.
    public var workOrdersByChannel: [HotlineChannel: Int] = [:]
    /// The 12345 rates' counts over the orders received in the period (`Indicators.annualHotlineDefinitions`).
    public var hotline = HotlineRates()
    /// 好差评 given in the period, by level (整体满意度 only: one per service).
    public var ratings: [RatingLevel: Int] = [:]
    /// Licence results of cases completed in the period, and of those issued at completion (电子证照实时生成).
    /// `nil` while the centre keeps no licence records.
    public var licenceResults: (issued: Int, atCompletion: Int)? = nil

    public init() {}

    public static func == (lhs: PeriodTally, rhs: PeriodTally) -> Bool {
        lhs.acceptedCases == rhs.acceptedCases && lhs.acceptedOnline == rhs.acceptedOnline && lhs.completed == rhs.completed
            && lhs.completedOnTime == rhs.completedOnTime && lhs.assistance == rhs.assistance
            && lhs.workOrdersByChannel == rhs.workOrdersByChannel && lhs.hotline == rhs.hotline && lhs.ratings == rhs.ratings
            && lhs.licenceResults?.issued == rhs.licenceResults?.issued
            && lhs.licenceResults?.atCompletion == rhs.licenceResults?.atCompletion
    }
}

/// The centre's indicators (数说成绩单, RULES.md Cases (Metrics), 12345 work orders, 好差评), one function each, each
/// with the definition shown beside its figure. They read tallies, never the database, so a test pins each one.
public enum Indicators {
    // MARK: Hall

    public static let consultationsDefinition = "咨询量 = 期间内帮办记录中类别为“咨询”的次数（大厅、帮办台、上门服务）"
    /// 咨询: the 帮办 records of kind `.consult`.
    public static func consultations(_ tally: PeriodTally) -> Int { tally.assistance[.consult] ?? 0 }

    public static let approvalCasesDefinition = "受理审批事项 = 期间内受理的行政权力事项（公共服务以外的七类）办件数；即办件按办件类型计，其余（承诺件、联办件、上报件）计为承诺件"
    /// 受理审批事项: cases of the administrative-power categories (every category but 公共服务), split 即办 / 承诺.
    /// A case whose item has no category is counted here, as the catalogue files unknown items under 行政权力.
    public static func approvalCases(_ tally: PeriodTally) -> (total: Int, instant: Int, promised: Int) {
        let groups = tally.acceptedCases.filter { $0.category != .publicService }
        let instant = groups.filter { $0.caseType == .instant }.reduce(0) { $0 + $1.count }
        let total = groups.reduce(0) { $0 + $1.count }
        return (total, instant, total - instant)
    }

    public static let serviceRequestsDefinition = "办理服务事项 = 期间内受理的公共服务事项办件数"
    /// 办理服务事项: cases of 公共服务 items.
    public static func serviceRequests(_ tally: PeriodTally) -> Int {
        tally.acceptedCases.filter { $0.category == .publicService }.reduce(0) { $0 + $1.count }
    }

    public static let hallVolumeDefinition = "大厅办件总量 = 受理审批事项 + 办理服务事项"
    /// The hall's volume: approval cases plus service requests.
    public static func hallVolume(_ tally: PeriodTally) -> Int { approvalCases(tally).total + serviceRequests(tally) }

    /// 按时办结率 (RULES.md): completed on or before the deadline ÷ completed in the period.
    public static func onTimeRate(_ tally: PeriodTally) -> Ratio { Ratio(Double(tally.completedOnTime), Double(tally.completed)) }

    public static let onlineCasesDefinition = "全程网办率（按办件）= 期间内网上申报受理的办件数 ÷ 期间内受理的办件数"
    /// 全程网办率, the case-based variant: cases applied for online ÷ cases accepted.
    public static func onlineCaseRate(_ tally: PeriodTally) -> Ratio {
        Ratio(Double(tally.acceptedOnline), Double(tally.acceptedCases.reduce(0) { $0 + $1.count }))
    }

    public static let licenceDefinition = "电子证照实时生成率 = 办结时即生成电子证照的结果数 ÷ 应生成电子证照的结果数"
    /// 电子证照实时生成率 (RULES.md): licence results issued at completion ÷ licence results; `nil` without licence records.
    public static func licenceRealTimeRate(_ tally: PeriodTally) -> Ratio? {
        tally.licenceResults.map { Ratio(Double($0.atCompletion), Double($0.issued)) }
    }

    // MARK: Change

    public static let changeDefinition = "同比 = (本期 − 上年同期) ÷ 上年同期；比率类指标为百分点差"
    /// Year-over-year change of a count, as a fraction (`1.06` is +106 %); `nil` when the previous period is 0.
    public static func change(_ current: Int, from previous: Int) -> Double? {
        previous == 0 ? nil : Double(current - previous) / Double(previous)
    }

    /// Change of a rate in percentage points (`0.0241` is +2.41 points); `nil` when either rate is undefined.
    public static func pointChange(_ current: Ratio, from previous: Ratio) -> Double? {
        guard let now = current.value, let before = previous.value else { return nil }
        return now - before
    }

    // MARK: 12345

    public static let workOrdersDefinition = "工单量 = 期间内受理的 12345 工单数（并单不重复计），按来源渠道分"
    /// The 12345 rates of a year's report: about the orders received in the year (a late-December order answered in
    /// January still counts for its year), unlike the monthly report, which counts the month's replies.
    public static let annualHotlineDefinitions: [String: String] = [
        "签收率": "本期受理工单中已签收的数 ÷ 其中已派单的数（并单不计）",
        "办结率": "本期受理工单中已办结的数 ÷ 本期受理工单数（并单不重复计）",
        "按期办结率": "本期受理工单中在答复期限（含批准的延期、重办的新期限）内答复的数 ÷ 其中已答复的数",
        "回访满意率": "本期受理工单中首次回访为满意或基本满意的数 ÷ 其中已回访的数（满意 + 基本满意；重办不改变首次回访结果）",
    ]

    /// 12345 work orders received, merged duplicates not counted.
    public static func workOrders(_ tally: PeriodTally) -> Int { tally.workOrdersByChannel.values.reduce(0, +) }

    /// 签收率 (RULES.md): signed for ÷ dispatched.
    public static func signForRate(_ tally: PeriodTally) -> Ratio {
        Ratio(Double(tally.hotline.signedFor), Double(tally.hotline.dispatched))
    }
    /// 办结率: closed ÷ received.
    public static func closeRate(_ tally: PeriodTally) -> Ratio { Ratio(Double(tally.hotline.closed), Double(tally.hotline.received)) }
    /// 按期办结率: replied within the limit ÷ replied.
    public static func hotlineOnTimeRate(_ tally: PeriodTally) -> Ratio {
        Ratio(Double(tally.hotline.repliedOnTime), Double(tally.hotline.replied))
    }
    /// 回访满意率 (RULES.md): first callbacks 满意 or 基本满意 ÷ called back.
    public static func callbackSatisfactionRate(_ tally: PeriodTally) -> Ratio {
        Ratio(Double(tally.hotline.satisfied), Double(tally.hotline.calledBack))
    }

    // MARK: 好差评

    public static let ratingsDefinition = "评价数 = 期间内的好差评（整体满意度，含 7 日默认好评）；差评 = 非常不满意或不满意；满意率 = 基本满意及以上 ÷ 评价数"
    /// Ratings given, 差评 among them, and the satisfied share (基本满意 or better ÷ ratings).
    public static func ratings(_ tally: PeriodTally) -> (count: Int, bad: Int, satisfied: Ratio) {
        let count = tally.ratings.values.reduce(0, +)
        let bad = tally.ratings.filter { $0.key.isBad }.reduce(0) { $0 + $1.value }
        let satisfied = tally.ratings.filter { $0.key.isSatisfied }.reduce(0) { $0 + $1.value }
        return (count, bad, Ratio(Double(satisfied), Double(count)))
    }
}
