import Fluent
import Foundation
import OneWindowCore

/// Counts the 核实, 整改 and 投诉反馈 deadlines left pending because the count ran into a year whose holidays were
/// not published (RULES.md, Time), from the start each step uses: 核实 from the bad rating, 整改 from the decision
/// that opened it (the record's last change: no other step runs while it is pending), 反馈 from the complaint.
struct EvaluationPendingDeadlines: PendingDeadlines {
    func countPending(_ context: ServiceContext) async throws -> Int {
        let service = RectificationService(context, staff: nil)
        var set = 0
        let records = try await Rectification.query(on: context.db).filter(\.$state ~~ [.pendingVerification, .rectifying])
            .group(.or) { $0.filter(\.$verifyDueAt == nil).filter(\.$rectifyDueAt == nil) }.all()
        for record in records {
            if record.state == .pendingVerification, record.verifyDueAt == nil,
                let due = service.due(from: LocalDate(record.openedAt, in: context.zone), RectificationProgress.verifyLimit)
            {
                record.verifyDueAt = due
            } else if record.state == .rectifying, record.rectifyDueAt == nil,
                let due = service.due(from: LocalDate(record.updatedAt, in: context.zone), RectificationProgress.rectifyLimit)
            {
                record.rectifyDueAt = due
            } else {
                continue
            }
            try await record.save(on: context.db)
            set += 1
        }
        let complaints = try await Complaint.query(on: context.db).filter(\.$state ~~ [.received, .investigating, .handling])
            .filter(\.$feedbackDueAt == nil).all()
        for complaint in complaints {
            guard let due = service.due(from: LocalDate(complaint.receivedAt, in: context.zone), ComplaintState.feedbackLimit)
            else { continue }
            complaint.feedbackDueAt = due
            try await complaint.save(on: context.db)
            set += 1
        }
        return set
    }
}
