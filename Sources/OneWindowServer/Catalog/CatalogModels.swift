import Fluent
import Foundation
import OneWindowCore
import Vapor

/// One entry of the implementation list (政务服务事项 / 实施清单) and its public guide (办事指南).
final class ServiceItem: Model, @unchecked Sendable {
    static let schema = "service_items"

    enum Status: String, Codable, Sendable {
        /// Complete and shown in the public guide.
        case published
        /// Kept for an admin to complete (flagged by an import); not public.
        case draft
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// 实施编码, unique in the region.
    @Field(key: "item_code") var itemCode: String
    @Field(key: "name") var name: String
    /// 办理项 (when it differs from the name).
    @OptionalField(key: "sub_item") var subItem: String?
    @OptionalParent(key: "department_id") var department: Department?
    /// The department as the source named it (kept even before it is matched).
    @OptionalField(key: "department_name") var departmentName: String?
    @OptionalField(key: "category") var category: ItemCategory?
    @OptionalField(key: "case_type") var caseType: CaseType?
    /// 法定办结时限 in working days (multiples of 0.5).
    @OptionalField(key: "statutory_days") var statutoryDays: Double?
    /// 承诺办结时限 in working days (multiples of 0.5).
    @OptionalField(key: "promised_days") var promisedDays: Double?
    @OptionalField(key: "fully_online") var fullyOnline: Bool?
    /// 容缺受理 allowed: non-key materials may follow later.
    @Field(key: "allows_pending_materials") var allowsPendingMaterials: Bool
    @OptionalField(key: "fee") var fee: String?
    /// 到现场次数.
    @OptionalField(key: "visits") var visits: Int?
    @OptionalField(key: "conditions") var conditions: String?
    @OptionalField(key: "flow") var flow: String?
    @OptionalField(key: "basis") var basis: String?
    @OptionalField(key: "place") var place: String?
    @OptionalField(key: "phones") var phones: String?
    @OptionalField(key: "office_hours") var officeHours: String?
    @OptionalField(key: "guide_url") var guideURL: String?
    @Field(key: "status") var status: Status
    /// Why it is a draft: JSON array of `{code, message}`.
    @Field(key: "flags") var flagsJSON: String
    /// `starter`, `import`, `admin`.
    @Field(key: "source") var source: String
    /// SHA-256 of the source row last imported: an unchanged row is not written again.
    @OptionalField(key: "source_hash") var sourceHash: String?
    /// NFKC-normalised, upper-cased name, sub-item, department and code, for substring search.
    @Field(key: "search_text") var searchText: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    @Children(for: \.$item) var materials: [MaterialRequirement]

    init() {}

    var statutory: WorkingDays? { statutoryDays.flatMap { WorkingDays(exactly: $0) } }
    var promised: WorkingDays? { promisedDays.flatMap { WorkingDays(exactly: $0) } }

    func refreshSearchText() {
        searchText = [name, subItem, departmentName, itemCode].compactMap { $0 }.map(TextNormalization.normalize)
            .joined(separator: " ").uppercased()
    }

    struct Flag: Codable, Sendable, Equatable {
        let code: String
        let message: String
    }

    /// The flag of an item an admin withdrew from the public guide.
    static let withdrawnFlag = Flag(code: "withdrawn", message: "管理员撤回，暂不公开")

    var flags: [Flag] {
        get { (try? JSONDecoder().decode([Flag].self, from: Data(flagsJSON.utf8))) ?? [] }
        set {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            flagsJSON = String(decoding: (try? encoder.encode(newValue)) ?? Data("[]".utf8), as: UTF8.self)
        }
    }
}

/// 申请材料: what an item requires. A material may name an e-licence type (`licenceType`): when the shared
/// licence library holds a valid licence of that type for the applicant, it satisfies the requirement without paper.
final class MaterialRequirement: Model, @unchecked Sendable {
    static let schema = "material_requirements"

    enum Form: String, Codable, Sendable, CaseIterable {
        case original
        case copy
        case electronic

        var label: String {
            switch self {
            case .original: return "原件"
            case .copy: return "复印件"
            case .electronic: return "电子材料"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "item_id") var item: ServiceItem
    @Field(key: "position") var position: Int
    @Field(key: "name") var name: String
    @Field(key: "form") var form: Form
    @Field(key: "copies") var copies: Int
    @Field(key: "required") var required: Bool
    /// 关键材料: cannot be promised later under 容缺受理.
    @Field(key: "is_key") var isKey: Bool
    /// The e-licence type that can stand in for this material (居民身份证, 营业执照 …), if any.
    @OptionalField(key: "licence_type") var licenceType: String?
    @OptionalField(key: "note") var note: String?

    init() {}
}

/// One run of a catalogue import: its progress while it runs and its counts when done.
final class ImportRun: Model, @unchecked Sendable {
    static let schema = "import_runs"

    enum Status: String, Codable, Sendable {
        case running
        case finished
        case failed

        var label: String {
            switch self {
            case .running: return "导入中"
            case .finished: return "已完成"
            case .failed: return "失败"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Field(key: "kind") var kind: String
    @Field(key: "file_name") var fileName: String
    @Field(key: "status") var status: Status
    @Field(key: "total") var total: Int
    @Field(key: "processed") var processed: Int
    @Field(key: "imported_count") var importedCount: Int
    @Field(key: "updated_count") var updatedCount: Int
    @Field(key: "flagged_count") var flaggedCount: Int
    @Field(key: "unchanged_count") var unchangedCount: Int
    @Field(key: "rejected_count") var rejectedCount: Int
    @OptionalField(key: "error") var error: String?
    @Field(key: "started_by") var startedBy: String
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?
    /// Touched after every chunk: a `running` run not touched for minutes was cut off (the process stopped).
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    /// Rows processed, in whole per cent of the file (100 for an empty file).
    var percent: Int { total == 0 ? 100 : processed * 100 / total }

    /// Rows of the run with that outcome so far.
    func count(of outcome: CatalogImportOutcome) -> Int {
        switch outcome {
        case .imported: return importedCount
        case .updated: return updatedCount
        case .flagged: return flaggedCount
        case .unchanged: return unchangedCount
        case .rejected: return rejectedCount
        }
    }
}

/// The outcome of one row of an import run, for its result table.
final class ImportRunRow: Model, @unchecked Sendable {
    static let schema = "import_run_rows"

    @ID(key: .id) var id: UUID?
    @Parent(key: "run_id") var run: ImportRun
    /// Line number in the file (the header is line 1).
    @Field(key: "line") var line: Int
    @OptionalField(key: "item_code") var itemCode: String?
    @OptionalField(key: "name") var name: String?
    @Field(key: "outcome") var outcome: CatalogImportOutcome
    /// Reasons, `；`-separated (flags of a draft, or why a row was rejected).
    @Field(key: "reasons") var reasons: String

    init() {}
}

/// What happened to one row of a catalogue import.
enum CatalogImportOutcome: String, Codable, Sendable, CaseIterable {
    /// New and complete: published.
    case imported
    /// Existing, changed, complete: published.
    case updated
    /// New or changed, but incomplete or contradictory: kept as a draft with its reasons.
    case flagged
    /// Same as the last import: nothing written.
    case unchanged
    /// Not importable (no item code, no name, duplicate in the file).
    case rejected

    var label: String {
        switch self {
        case .imported: return "新增"
        case .updated: return "更新"
        case .flagged: return "存疑（草稿）"
        case .unchanged: return "未变"
        case .rejected: return "拒绝"
        }
    }
}
