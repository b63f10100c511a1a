import Fluent
import Foundation
import OneWindowCore

/// Reads one export's records page by page (keyset on a unique, indexed key) and turns them into CSV cells (the rows
/// are built in `ExportSource+Rows`). Request-free: tests call it with a `Database`.
struct ExportSource: Sendable {
    static let pageSize = 1_000

    let kind: ExportKind
    let range: ExportRange
    let region: String
    let zone: TimeZone
    /// Full personal data (the caller has checked the role and written the audit event).
    let full: Bool
    /// For 是否超期 of cases still open.
    let now: Date

    var filename: String { "\(kind.fileStem)-\(range.from)至\(range.to).csv" }

    /// How many records the export holds (for the audit event of a full export).
    func count(on db: any Database) async throws -> Int {
        switch kind {
        case .cases: return try await casesQuery(db).count()
        case .workOrders: return try await workOrdersQuery(db).count()
        case .ratings: return try await ratingsQuery(db).count()
        case .tickets: return try await ticketsQuery(db).count()
        }
    }

    /// Hands the rows to `emit`, `pageSize` records at a time.
    /// - Returns: how many rows were written.
    @discardableResult
    func stream(on db: any Database, pageSize: Int = Self.pageSize, emit: @Sendable ([[CSVExport.Cell]]) async throws -> Void) async throws
        -> Int
    {
        var written = 0
        switch kind {
        case .cases:
            var after: String?
            while true {
                let query = casesQuery(db)
                if let after { query.filter(\.$caseNumber > after) }
                let page = try await query.sort(\.$caseNumber).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(try await caseRows(page, on: db))
                written += page.count
                after = last.caseNumber
                if page.count < pageSize { break }
            }
        case .workOrders:
            let lookups = try await WorkOrderLookups(region: region, on: db)
            var after: String?
            while true {
                let query = workOrdersQuery(db)
                if let after { query.filter(\.$number > after) }
                let page = try await query.sort(\.$number).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map { workOrderRow($0, lookups: lookups) })
                written += page.count
                after = last.number
                if page.count < pageSize { break }
            }
        case .ratings:
            var after: UUID?
            while true {
                let query = ratingsQuery(db)
                if let after { query.filter(\.$id > after) }
                let page = try await query.sort(\.$id).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map(ratingRow))
                written += page.count
                after = last.id
                if page.count < pageSize { break }
            }
        case .tickets:
            let halls = Dictionary(
                uniqueKeysWithValues: try await Hall.query(on: db).filter(\.$regionCode == region).all().map { ($0.id!, $0.name) })
            let categories = Dictionary(
                uniqueKeysWithValues: try await TicketCategory.query(on: db).filter(\.$regionCode == region).all()
                    .map { ($0.id!, $0.name) })
            var after: UUID?
            while true {
                let query = ticketsQuery(db)
                if let after { query.filter(\.$id > after) }
                let page = try await query.sort(\.$id).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map { ticketRow($0, halls: halls, categories: categories) })
                written += page.count
                after = last.id
                if page.count < pageSize { break }
            }
        }
        return written
    }

    // MARK: Queries

    private func casesQuery(_ db: any Database) -> QueryBuilder<Case> {
        Case.query(on: db).filter(\.$regionCode == region).filter(\.$submittedAt >= range.start).filter(\.$submittedAt < range.end)
    }

    private func workOrdersQuery(_ db: any Database) -> QueryBuilder<WorkOrder> {
        WorkOrder.query(on: db).filter(\.$regionCode == region).filter(\.$sourceRef == nil)
            .filter(\.$receivedAt >= range.start).filter(\.$receivedAt < range.end)
    }

    private func ratingsQuery(_ db: any Database) -> QueryBuilder<Rating> {
        Rating.query(on: db).filter(\.$regionCode == region).filter(\.$ratedAt >= range.start).filter(\.$ratedAt < range.end)
    }

    private func ticketsQuery(_ db: any Database) -> QueryBuilder<Ticket> {
        Ticket.query(on: db).filter(\.$regionCode == region)
            .filter(\.$serviceDay >= range.from.description).filter(\.$serviceDay <= range.to.description)
    }
}
