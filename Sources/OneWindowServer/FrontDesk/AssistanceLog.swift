import Fluent
import Foundation
import OneWindowCore

/// Help-desk interactions (帮办台账): one row per interaction, counted by kind for the annual report.
enum AssistanceLog {
    /// Records one interaction. - Throws: a field error for a note over 500 characters.
    @discardableResult
    static func record(
        kind: AssistanceKind, staffID: UUID?, staffName: String, hallID: UUID?, item: (code: String, name: String)?, note: String?,
        homeVisitID: UUID? = nil, caseID: UUID? = nil, region: String, zone: TimeZone, at instant: Date, on db: any Database
    ) async throws -> Assistance {
        if let note, TextNormalization.length(note) > 500 {
            throw PlatformError.invalidField(FieldError(field: "note", message: "备注不超过 500 字"))
        }
        let entry = Assistance()
        entry.regionCode = region
        entry.hallID = hallID
        entry.staffID = staffID
        entry.staffName = staffName
        entry.kind = kind
        entry.itemCode = item?.code
        entry.itemName = item?.name
        entry.note = note
        entry.occurredAt = instant
        entry.day = LocalDate(instant, in: zone).description
        entry.homeVisitID = homeVisitID
        entry.caseID = caseID
        try await entry.create(on: db)
        return entry
    }

    /// Counts by kind over local days `from…to` (inclusive).
    static func counts(region: String, from: LocalDate, to: LocalDate, on db: any Database) async throws -> [AssistanceKind: Int] {
        var counts: [AssistanceKind: Int] = [:]
        for kind in AssistanceKind.allCases {
            counts[kind] = try await Assistance.scoped(on: db, to: region).filter(\.$kind == kind)
                .filter(\.$day >= from.description).filter(\.$day <= to.description).count()
        }
        return counts
    }
}
