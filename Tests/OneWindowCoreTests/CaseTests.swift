import Foundation
import OneWindowCore
import Testing

@Suite("Cases: state machine, case numbers, materials, metrics")
struct CaseTests {
    @Test("A case is overdue while its clock runs past the promised deadline; paused, finished or undated cases are not")
    func overdue_is_clock_running_and_due_passed() {
        let due = Date(timeIntervalSince1970: 1_742_227_199)  // 2025-03-17 23:59:59 +08:00
        let after = due.addingTimeInterval(1)
        #expect(CaseState.clockRunning == [.accepted, .inReview, .decided])
        #expect(CaseState.accepted.isOverdue(due: due, now: after))
        #expect(CaseState.inReview.isOverdue(due: due, now: after))
        #expect(CaseState.decided.isOverdue(due: due, now: after))
        #expect(!CaseState.inReview.isOverdue(due: due, now: due))
        #expect(!CaseState.paused.isOverdue(due: due, now: after))
        #expect(!CaseState.completed.isOverdue(due: due, now: after))
        #expect(!CaseState.submitted.isOverdue(due: due, now: after))
        #expect(!CaseState.accepted.isOverdue(due: nil, now: after))
    }

    @Test("The state machine allows the flow and refuses the rest; pausing a paused case is refused")
    func transitions() throws {
        #expect(try CaseState.submitted.after(.accept) == .accepted)
        #expect(try CaseState.accepted.after(.take) == .inReview)
        #expect(try CaseState.inReview.after(.pause(.correction)) == .paused)
        #expect(try CaseState.paused.after(.resume) == .inReview)
        #expect(try CaseState.inReview.after(.decide(.approve)) == .decided)
        #expect(try CaseState.decided.after(.complete) == .completed)
        #expect(try CaseState.completed.after(.deliver(.post)) == .delivered)
        #expect(try CaseState.accepted.after(.complete, instant: true) == .completed)
        #expect(throws: CaseTransitionError(action: .complete, state: .accepted)) { try CaseState.accepted.after(.complete) }
        #expect(throws: CaseTransitionError(action: .pause(.correction), state: .paused)) {
            try CaseState.paused.after(.pause(.correction))
        }
        #expect(CaseTransitionError(action: .pause(.specialProcedure), state: .paused).message == "该办件已在暂停计时中，不能重复暂停")
        #expect(throws: CaseTransitionError(action: .accept, state: .accepted)) { try CaseState.accepted.after(.accept) }
        #expect(CaseTransitionError(action: .take, state: .completed).message == "办件当前为“已办结”，不能执行“领取审查”")
    }

    @Test("Case numbers are county-date-sequence and parse back, full-width too")
    func caseNumbers() throws {
        let number = CaseNumber(county: "421223000000", date: LocalDate(iso: "2025-03-05")!, sequence: 12)
        #expect(number.description == "421223-20250305-00012")
        #expect(try CaseNumber(parsing: "４２１２２３-２０２５０３０５-０００１２") == number)
        #expect(try CaseNumber(parsing: "4212232025030500012") == number)
        #expect(try CaseNumber(parsing: "421223—20250305—00012") == number)
        #expect(throws: FieldError.self) { try CaseNumber(parsing: "421223-20250230-00001") }
        #expect(throws: FieldError.self) { try CaseNumber(parsing: "421223-20250305-00000") }
        #expect(throws: FieldError.self) { try CaseNumber(parsing: "421223-20250305-12") }
    }

    @Test("Full-width and half-width ID numbers are one identity; 15 and 17 digits are refused on the field")
    func identities() throws {
        let wide = try ApplicantIdentity(kind: .person, number: "１１０１０５１９９００３０７１０２８")
        let narrow = try ApplicantIdentity(kind: .person, number: "110105199003071028")
        #expect(wide == narrow)
        #expect(wide.number == "110105199003071028")
        #expect(wide.maskedNumber == "1101**********1028")
        for short in ["110105201003070", "11010519900307102"] {
            #expect(throws: FieldError.self) { try ApplicantIdentity(kind: .person, number: short, field: "idNumber") }
            do { _ = try ApplicantIdentity(kind: .person, number: short, field: "idNumber") } catch { #expect(error.field == "idNumber") }
        }
    }

    @Test("Every missing or wrong material is listed at once; 容缺 only for non-key materials of items that allow it")
    func materialCheck() {
        let requirements: [MaterialCheck.Requirement] = [
            .init(id: "a", name: "身份证", required: true, isKey: true, licenceType: "居民身份证"),
            .init(id: "b", name: "申请表", required: true, isKey: false),
            .init(id: "c", name: "合同", required: true, isKey: false),
            .init(id: "d", name: "照片", required: false, isKey: false),
        ]
        let incomplete = MaterialCheck(
            requirements: requirements, provisions: ["a": .licence, "b": .defective], notes: ["b": "未签字"],
            allowsPendingMaterials: false)
        #expect(
            incomplete.outcome
                == .incomplete([
                    .init(requirementID: "b", name: "申请表", provision: .defective, note: "未签字", isKey: false),
                    .init(requirementID: "c", name: "合同", provision: .missing, note: "", isKey: false),
                ]))
        let pending = MaterialCheck(
            requirements: requirements, provisions: ["a": .original, "b": .copy, "c": .pending], allowsPendingMaterials: true)
        #expect(
            pending.outcome
                == .acceptWithPendingMaterials([.init(requirementID: "c", name: "合同", provision: .pending, note: "", isKey: false)]))
        let keyPending = MaterialCheck(
            requirements: requirements, provisions: ["a": .pending, "b": .copy, "c": .copy], allowsPendingMaterials: true)
        #expect(
            keyPending.outcome == .incomplete([.init(requirementID: "a", name: "身份证", provision: .missing, note: "关键材料不能容缺", isKey: true)]))
        #expect(
            MaterialCheck(
                requirements: requirements, provisions: ["a": .original, "b": .original, "c": .electronic], allowsPendingMaterials: false
            ).outcome == .complete)
    }

    @Test("Metrics: on-time rate, both compression ratios, shares, by hand")
    func metrics() {
        let due = Date(timeIntervalSince1970: 1_000_000)
        let rate = CaseMetrics.onTimeRate([(due, due), (due.addingTimeInterval(-60), due), (due.addingTimeInterval(1), due), (due, nil)])
        #expect(rate == Ratio(2, 4))
        #expect(rate.percent == "50.0%")
        let items: [CaseMetrics.ItemLimits] = [
            .init(statutory: WorkingDays(20), promised: WorkingDays(5), caseType: .promised, fullyOnline: true),
            .init(statutory: WorkingDays(10), promised: WorkingDays(0), caseType: .instant, fullyOnline: false),
            .init(statutory: WorkingDays(0), promised: WorkingDays(0), caseType: .instant, fullyOnline: false),
            .init(statutory: nil, promised: WorkingDays(3), caseType: .promised, fullyOnline: true),
        ]
        // (20−5 + 10−0) ÷ (20 + 10) = 25/30; mean of (1 − 5/20) and (1 − 0/10) = (0.75 + 1) / 2.
        #expect(CaseMetrics.aggregateCompression(items) == Ratio(25, 30))
        #expect(CaseMetrics.aggregateCompression(items).percent == "83.3%")
        #expect(CaseMetrics.meanCompression(items) == Ratio(1.75, 2))
        #expect(CaseMetrics.meanCompression(items).percent == "87.5%")
        #expect(CaseMetrics.instantShare(items) == Ratio(2, 4))
        #expect(CaseMetrics.fullyOnlineShare(items) == Ratio(2, 4))
        #expect(Ratio(0, 0).percent == "—")
        #expect(Ratio(2, 3).percent == "66.7%")
    }
}
