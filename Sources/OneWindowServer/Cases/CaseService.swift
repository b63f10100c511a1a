import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Every change to a case: registration at the window or online, and each transition afterwards.
///
/// Each operation is one write transaction holding the case's row lock, checks the state with Core's
/// `CaseState.after(_:instant:)`, recomputes the deadlines from the working-day calendar (RULES.md, Decision
/// (counting) and (pauses)) and appends exactly one audit event, which is also the case's timeline entry.
struct CaseService: ContextService {
    let context: ServiceContext
    /// The signed-in staff member (nil online and for the system).
    let staff: Staff?

    init(_ context: ServiceContext, staff: Staff?) {
        self.context = context
        self.staff = staff
    }

    init(_ req: Request) async throws {
        self.init(try await ServiceContext(req), staff: req.auth.get(Staff.self))
    }

    // MARK: Registration

    /// A validated application as the window or the portal takes it in.
    struct Application: Sendable {
        var item: ServiceItem
        var requirements: [MaterialRequirement]
        var applicant: ApplicantInput
        var proxy: ApplicantInput?
        var contactPhone: String
        var materials: [UUID: MaterialInput]
        /// Further departments of a 联办件, in order after the item's own.
        var jointDepartments: [Department]
        var note: String?
        /// Where the case came from at the front desk (ticket, home visit).
        var links = CaseLinks()
    }

    /// Front-desk links of a new case.
    struct CaseLinks: Sendable {
        var ticketID: UUID?
        /// A home visit: the case is 代办 by its helper (`proxyStaffName`) and an `Assistance` of kind `.proxy` is logged.
        var homeVisit: HomeVisitLink?
    }

    /// The home visit a case is filed at, and its helper.
    typealias HomeVisitLink = (id: UUID, helperID: UUID?, helperName: String, hallID: UUID?)

    struct ApplicantInput: Sendable {
        var identity: ApplicantIdentity
        var name: String
        var phone: String?
    }

    struct MaterialInput: Sendable {
        var provision: MaterialCheck.Provision
        var note: String?
        var licenceID: String?
        /// Written to disk already; saved with the case.
        var file: StoredFile?
        /// A file saved before (uploaded through the API), linked to the material.
        var existingFileID: UUID?
    }

    enum IntakeResult: Sendable {
        case notice(OneTimeNotice)
        case accepted(Case)
    }

    /// The materials check of an application (一次性告知 or accept, 容缺 allowed where the item allows it).
    static func check(_ application: Application) -> MaterialCheck {
        MaterialCheck(
            requirements: application.requirements.map {
                .init(id: $0.id!.uuidString, name: $0.name, required: $0.required, isKey: $0.isKey, licenceType: $0.licenceType)
            },
            provisions: Dictionary(uniqueKeysWithValues: application.materials.map { ($0.key.uuidString, $0.value.provision) }),
            notes: application.materials.reduce(into: [:]) { notes, entry in
                if let note = entry.value.note { notes[entry.key.uuidString] = note }
            },
            allowsPendingMaterials: application.item.allowsPendingMaterials)
    }

    /// 综窗受理: checks the materials; an incomplete application gets a 一次性告知书 (nothing is accepted), a complete
    /// one (or one the item may take with 容缺) is accepted with a new case number and its deadlines.
    ///
    /// - Parameter completeNow: a 即办件 is also completed, in the same transaction (accepted and done in one sitting,
    ///   two timeline entries); if completing fails, nothing is accepted either.
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
