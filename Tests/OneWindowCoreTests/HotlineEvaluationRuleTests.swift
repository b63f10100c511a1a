import Foundation
import OneWindowCore
import Testing

@Suite("12345 and 好差评 rules in Core: numbers, places, phones, the work-order and rectification machines, limits, rates")
struct HotlineEvaluationRuleTests {
    @Test("Work order numbers: 12345-20250305-00012, parsed also full-width or without dashes")
    func numbers() {
        let number = WorkOrderNumber(date: LocalDate(iso: "2025-03-05")!, sequence: 12)
        #expect(number.description == "12345-20250305-00012")
        #expect(WorkOrderNumber(parsing: "１２３４５－２０２５０３０５－０００１２") == number)
        #expect(WorkOrderNumber(parsing: "123452025030500012") == number)
        #expect(WorkOrderNumber(parsing: "12345-20250230-00001") == nil)
        #expect(WorkOrderNumber(parsing: "12345-20250305-00000") == nil)
        #expect(WorkOrderNumber(parsing: "421223-20250305-00012") == nil)
    }

    @Test("A place inside the county: both coordinates or none, on the globe, inside 28.9–29.8 N, 113.5–114.5 E")
    func places() throws {
        let county = GeoBounds.demoCounty
        try county.check(latitude: nil, longitude: nil)
        try county.check(latitude: 29.55, longitude: 114.05)
        #expect(throws: FieldError(field: "long", message: "请同时提供纬度和经度")) { try county.check(latitude: 29.5, longitude: nil) }
        #expect(throws: FieldError(field: "lat", message: "纬度须在 -90 至 90 之间")) { try county.check(latitude: 91, longitude: 114) }
        #expect(throws: FieldError(field: "long", message: "经度须在 -180 至 180 之间")) { try county.check(latitude: 29, longitude: 200) }
        #expect(throws: FieldError(field: "lat", message: "位置不在本县范围内（纬度 28.9–29.8）")) { try county.check(latitude: 39.9, longitude: 114) }
        #expect(throws: FieldError(field: "long", message: "位置不在本县范围内（经度 113.5–114.5）")) {
            try county.check(latitude: 29.5, longitude: 116.4)
        }
    }

    @Test("Contact phones: a mobile, or a landline with its area code (3 digits for 010 and 02x, else 4)")
    func phones() throws {
        #expect(try ContactPhone.normalise("138 0013 8000") == "13800138000")
        #expect(try ContactPhone.normalise("0715 3321234") == "0715-3321234")
        #expect(try ContactPhone.normalise("01012345678") == "010-12345678")
        #expect(try ContactPhone.normalise("027-87654321") == "027-87654321")
        #expect(throws: FieldError(field: "phone", message: "请填写 11 位手机号，或带区号的固定电话（如 0715-3321234）")) {
            try ContactPhone.normalise("12345")
        }
    }

    @Test("The work-order machine: dispatch, sign for, return, reply, callback (重办 once), close; merge only while open")
    func workOrderMachine() throws {
        var progress = WorkOrderProgress(state: .registered)
        progress = try progress.after(.dispatch)
        #expect(progress.state == .dispatched)
        #expect(try progress.after(.returnOrder).state == .returned)
        progress = try progress.after(.signFor)
        progress = try progress.after(.reply)
        #expect(throws: WorkOrderTransitionError(action: .close, state: .replied, message: "诉求人留有电话，须先回访再办结")) {
            try progress.after(.close)
        }
        #expect(throws: WorkOrderTransitionError(action: .callback, state: .replied, message: "请选择回访满意度")) { try progress.after(.callback) }
        progress = try progress.after(.callback, satisfaction: .dissatisfied)
        #expect(progress == WorkOrderProgress(state: .handling, reopenCount: 1))
        progress = try progress.after(.reply).after(.callback, satisfaction: .dissatisfied)
        #expect(progress == WorkOrderProgress(state: .calledBack, reopenCount: 1))
        #expect(try progress.after(.close).state == .closed)
        #expect(throws: WorkOrderTransitionError(action: .merge, state: .replied, message: "工单“已答复待回访”，不能并单")) {
            try WorkOrderProgress(state: .replied).after(.merge)
        }
        // No phone: no callback, closed straight after the reply.
        let anonymous = WorkOrderProgress(state: .replied, canCallBack: false)
        #expect(throws: WorkOrderTransitionError(action: .callback, state: .replied, message: "诉求人未留电话，无法回访")) {
            try anonymous.after(.callback, satisfaction: .satisfied)
        }
        #expect(try anonymous.after(.close).state == .closed)
        #expect(AppealType.allCases.filter(\.isAnsweredOnTheCall) == [.inquiry, .help, .praise])
    }

    @Test("Reply limits: 紧急 0, 咨询/求助 3, 投诉/举报/建议/表扬 5, a category's own limit; one extension ≤ 10 before expiry")
    func limits() {
        let limits = WorkOrderLimits()
        #expect(AppealType.allCases.map { limits.reply(type: $0, urgency: .normal).wholeDays } == [3, 3, 5, 5, 5, 5])
        #expect(limits.reply(type: .complaint, urgency: .emergency).wholeDays == 0)
        #expect(WorkOrderLimits(replyOverride: WorkingDays(10)).reply(type: .inquiry, urgency: .normal).wholeDays == 10)
        let due = Date(timeIntervalSince1970: 1_000_000)
        #expect(throws: FieldError(field: "days", message: "延期天数须为 1 至 10 个工作日")) {
            try limits.checkExtension(days: 11, alreadyExtended: false, due: due, now: due)
        }
        #expect(throws: FieldError(field: "days", message: "每张工单只能申请一次延期")) {
            try limits.checkExtension(days: 3, alreadyExtended: true, due: due, now: due)
        }
        #expect(throws: FieldError(field: "days", message: "已超过答复期限，不能再申请延期，须在到期前申请")) {
            try limits.checkExtension(days: 3, alreadyExtended: false, due: due, now: due.addingTimeInterval(1))
        }
    }

    @Test("The five rates: 签收率 3/4, 办结率 2/5, 按期办结率 1/2, 回访率 2/2, 回访满意率 1/2; none without a denominator")
    func rates() {
        let rates = HotlineRates(
            dispatched: 4, signedFor: 3, received: 5, closed: 2, replied: 2, repliedOnTime: 1, callbackDue: 2,
            calledBack: 2, satisfied: 1)
        #expect(
            [rates.signForRate, rates.closeRate, rates.onTimeRate, rates.callbackRate, rates.callbackSatisfactionRate]
                == [0.75, 0.4, 0.5, 1.0, 0.5])
        #expect(HotlineRates().signForRate == nil)
        #expect(HotlineRates.definitions.map(\.name) == ["签收率", "办结率", "按期办结率", "回访率", "回访满意率"])
    }

    @Test("好差评 levels 1…5 (差评 = 1, 2), the callback's answers on them, the 7-day default from D + 8")
    func ratingLevels() throws {
        #expect(try RatingLevel(score: 5) == .verySatisfied)
        #expect(throws: FieldError(field: "ratings.overall", message: "评价等级须为 1 至 5 的整数（5 非常满意 … 1 非常不满意）")) {
            try RatingLevel(score: 0, field: "ratings.overall")
        }
        #expect(RatingLevel.allCases.filter(\.isBad) == [.veryDissatisfied, .dissatisfied])
        #expect(Satisfaction.allCases.map { RatingLevel($0) } == [.satisfied, .basicallySatisfied, .dissatisfied])
        let completed = LocalDate(iso: "2025-03-03")!
        #expect(!DefaultRating.isDue(completedOn: completed, today: LocalDate(iso: "2025-03-10")!))
        #expect(DefaultRating.isDue(completedOn: completed, today: LocalDate(iso: "2025-03-11")!))
        #expect(RatingItem.onSite.map(\.label) == ["整体满意度", "服务效率", "服务水平", "服务态度"])
        #expect(RatingItem.online.map(\.label) == ["整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性"])
    }

    @Test("Rectification: 核实 → 整改 (one extension) → 回访, or 申诉 → 复核; complaints step 受理 → 归档")
    func rectificationMachine() throws {
        let pending = RectificationProgress(state: .pendingVerification)
        var valid = try pending.after(.verifyValid)
        #expect(valid.state == .rectifying)
        valid = try valid.after(.extend)
        #expect(throws: RectificationError(action: .extend, state: .rectifying, message: "整改只能延期一次")) { try valid.after(.extend) }
        #expect(throws: RectificationError(action: .callBack, state: .rectifying, message: "整改单“整改中”，还不能回访")) { try valid.after(.callBack) }
        #expect(try valid.after(.rectify).after(.callBack).state == .closed)
        #expect(try valid.after(.unable).after(.callBack).state == .closed)
        let appealing = try pending.after(.verifyInvalid)
        #expect(appealing.state == .appealing)
        #expect(try appealing.after(.upholdAppeal).state == .invalid)
        #expect(try appealing.after(.rejectAppeal).state == .rectifying)
        #expect(throws: RectificationError(action: .verifyValid, state: .rectifying, message: "整改单“整改中”，已核实过")) {
            try valid.after(.verifyValid)
        }
        var state = ComplaintState.received
        var path = [state]
        while let next = state.next { state = next; path.append(next) }
        #expect(path.map(\.label) == ["已受理", "调查核实中", "处理中", "已反馈", "已归档"])
    }
}
