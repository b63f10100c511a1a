import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Every change to a 12345 work order: intake on any channel, then each step of the flow (RULES.md, 12345).
///
/// Each operation is one write transaction holding the order's row lock; it checks the step with Core's
/// `WorkOrderProgress.after(_:satisfaction:)`, stamps the instants and deadlines (`WorkOrderLimits` on the
/// working-day calendar) and appends one audit event, which is also the order's timeline entry.
struct HotlineService: ContextService {
    let context: ServiceContext
    /// The signed-in staff member (nil for the citizen's channels and the system).
    let staff: Staff?
    var limits = WorkOrderLimits()

    init(_ context: ServiceContext, staff: Staff?) {
        self.context = context
        self.staff = staff
    }

    init(_ req: Request) async throws {
        self.init(try await ServiceContext(req), staff: req.auth.get(Staff.self))
    }

    /// A validated appeal, as any channel takes it in.
    struct Intake: Sendable {
        var channel: HotlineChannel
        var appealType: AppealType
        var urgency: Urgency = .normal
        var appellantName: String?
        var phone: String?
        var title: String
        var content: String
        var address: String
        var townshipCode: String?
        var latitude: Double?
        var longitude: Double?
        var categoryID: UUID?
        /// The classifier's suggestions shown to the agent (`id|score,…`).
        var suggested: String = ""
        var serviceCode: String?
        var open311Token: String?
        var sourceRef: String?
        /// The agent form's one-time key (a second submission of the same form returns the first order).
        var intakeKey: String?
    }

    /// The departments of a dispatch: one 主办 and any 协办.
    struct Dispatch: Sendable {
        var lead: UUID
        var helpers: [UUID] = []
        var categoryID: UUID?
    }

}
