/// One row of a catalogue file (the provincial 实施清单 CSV), checked before it is stored.
///
/// The columns are those of `hubei-2023-items.csv`: `item_code, name, sub_item, region, department,
/// item_category, case_type, statutory_days, promised_days, online, fee, visits, guide_url, phones, facts_from`.
/// Nothing missing is invented: a row with gaps or contradictions is kept as a draft with its reasons.
public struct CatalogRow: Sendable, Equatable {
    public var itemCode: String
    public var name: String
    public var subItem: String?
    public var region: String?
    public var department: String?
    public var category: ItemCategory?
    public var caseType: CaseType?
    public var statutoryDays: WorkingDays?
    public var promisedDays: WorkingDays?
    public var fullyOnline: Bool?
    public var fee: String?
    public var visits: Int?
    public var guideURL: String?
    public var phones: String?

    /// Why a row cannot be published as it stands. An empty list means it is complete.
    public var flags: [CatalogFlag]
    /// The source values that could not be read (unknown category, invalid number …), a subset of `flags`.
    public var valueFlags: [CatalogFlag] = []
}

/// A reason a catalogue row is kept as a draft for an admin to complete.
public enum CatalogFlag: Hashable, Sendable {
    case missingDepartment
    /// The department cell is not an agency's name: it spans lines, is very long, or does not end like one
    /// (厅, 局, 委员会, 中心 …). Holds the first line.
    case malformedDepartment(String)
    case missingCategory
    case unknownCategory(String)
    case missingCaseType
    case unknownCaseType(String)
    /// Neither a statutory nor a promised limit, on an item that is not 即办件.
    case noLimits
    case missingPromisedLimit
    case promisedExceedsStatutory(promised: WorkingDays, statutory: WorkingDays)
    case invalidNumber(column: String, value: String)
    case unknownOnlineFlag(String)
    /// The guide link is not an http(s) address (it is dropped, never shown).
    case invalidGuideURL(String)
    /// A text column holds line breaks, control or invisible characters (a reversed phone number, a hidden letter).
    case invisibleCharacters(column: String)

    /// The reason in Chinese, as the import report and the draft page show it.
    public var message: String {
        switch self {
        case .missingDepartment: return "缺少实施机关"
        case .malformedDepartment(let value): return "实施机关“\(value)”格式异常（含换行、过长或不像机关名称），请核对"
        case .missingCategory: return "缺少事项类型"
        case .unknownCategory(let value): return "事项类型“\(value)”无法识别"
        case .missingCaseType: return "缺少办件类型"
        case .unknownCaseType(let value): return "办件类型“\(value)”无法识别"
        case .noLimits: return "法定时限与承诺时限均未给出"
        case .missingPromisedLimit: return "缺少承诺办结时限"
        case .promisedExceedsStatutory(let promised, let statutory):
            return "承诺时限 \(promised) 个工作日超过法定时限 \(statutory) 个工作日"
        case .invalidNumber(let column, let value): return "\(column) 的值“\(value)”不是有效的工作日数（须为 0.5 的整数倍）"
        case .unknownOnlineFlag(let value): return "是否全程网办的值“\(value)”无法识别"
        case .invalidGuideURL(let value): return "原始指南链接“\(value.prefix(60))”不是 http(s) 地址，已忽略"
        case .invisibleCharacters(let column): return "\(column)含换行、控制字符或不可见字符，请核对"
        }
    }

    /// A short stable code (`no_limits`, `promised_exceeds_statutory` …) for CSV and JSON.
    public var code: String {
        switch self {
        case .missingDepartment: return "missing_department"
        case .malformedDepartment: return "malformed_department"
        case .missingCategory: return "missing_category"
        case .unknownCategory: return "unknown_category"
        case .missingCaseType: return "missing_case_type"
        case .unknownCaseType: return "unknown_case_type"
        case .noLimits: return "no_limits"
        case .missingPromisedLimit: return "missing_promised_limit"
        case .promisedExceedsStatutory: return "promised_exceeds_statutory"
        case .invalidNumber: return "invalid_number"
        case .unknownOnlineFlag: return "unknown_online_flag"
        case .invalidGuideURL: return "invalid_guide_url"
        case .invisibleCharacters: return "invisible_characters"
        }
    }
}

/// Why a row cannot be imported at all (it has no identity to import under).
public enum CatalogRejection: Error, Equatable, Sendable {
    case missingItemCode
    case malformedItemCode(String)
    case missingName
    /// A cell longer than the catalogue ever needs (a broken quote swallowing the rest of the file, or junk).
    case cellTooLong(column: String)

    public var message: String {
        switch self {
        case .missingItemCode: return "缺少实施编码（item_code），无法导入"
        case .malformedItemCode(let code): return "实施编码“\(code)”格式不正确（应为 10–40 位数字或大写字母）"
        case .missingName: return "缺少事项名称（name），无法导入"
        case .cellTooLong(let column): return "\(column) 列内容过长（名称超过 200 字或其他列超过 2000 字），可能是引号未闭合，无法导入"
        }
    }
}

extension CatalogRow {
    /// Reads one CSV record given as column name → raw cell text.
    ///
    /// Codes, numbers and flags are NFKC-normalised and trimmed; prose (names, department, fee, phones) is trimmed only. Limits accept `20`, `20.0`, `0.5`; `online` accepts
    /// `yes`/`no`/`是`/`否`/`true`/`false`/`1`/`0`.
    /// - Throws: `CatalogRejection` when the row has no usable item code or name.
    public static func parse(_ cells: [String: String]) throws(CatalogRejection) -> CatalogRow {
        func cell(_ key: String) -> String? { TextNormalization.normalizedOrNil(cells[key]) }
        func prose(_ key: String) -> String? { TextNormalization.trimmedOrNil(cells[key]) }

        guard let code = cell("item_code")?.uppercased() else { throw .missingItemCode }
        guard (10...40).contains(code.unicodeScalars.count),
            code.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("A"..."Z").contains($0) })
        else {
            throw .malformedItemCode(code)
        }
        guard let name = prose("name") else { throw .missingName }
        if name.count > 200 { throw .cellTooLong(column: "name") }
        if let long = cells.first(where: { $0.value.count > 2000 }) { throw .cellTooLong(column: long.key) }

        var flags: [CatalogFlag] = []
        var row = CatalogRow(
            itemCode: code, name: name, subItem: prose("sub_item"), region: prose("region"),
            department: prose("department"), category: nil, caseType: nil, statutoryDays: nil, promisedDays: nil,
            fullyOnline: nil, fee: prose("fee"), visits: nil, guideURL: cell("guide_url"), phones: prose("phones"),
            flags: [])

        if let raw = row.department, !looksLikeAgency(raw) {
            flags.append(.malformedDepartment(String(raw.split(whereSeparator: \.isNewline).first ?? "").prefix(40).description))
            row.department = nil
        }
        if let raw = cell("item_category") {
            if let category = ItemCategory(label: raw) ?? ItemCategory(rawValue: raw) {
                row.category = category
            } else {
                flags.append(.unknownCategory(raw))
            }
        }
        if let raw = cell("case_type") {
            if let type = CaseType(label: raw) ?? CaseType(rawValue: raw) {
                row.caseType = type
            } else {
                flags.append(.unknownCaseType(raw))
            }
        }
        for (column, label) in [("statutory_days", "法定办结时限"), ("promised_days", "承诺办结时限")] {
            guard let raw = cell(column) else { continue }
            guard let days = WorkingDays(parsing: raw) else {
                flags.append(.invalidNumber(column: label, value: raw))
                continue
            }
            if column == "statutory_days" { row.statutoryDays = days } else { row.promisedDays = days }
        }
        if let raw = cell("online") {
            switch raw.lowercased() {
            case "yes", "是", "true", "1", "y": row.fullyOnline = true
            case "no", "否", "false", "0", "n": row.fullyOnline = false
            default: flags.append(.unknownOnlineFlag(raw))
            }
        }
        if let raw = cell("visits") {
            if let visits = Int(raw), (0...10).contains(visits), raw.allSatisfy(\.isASCIIDigit) {
                row.visits = visits
            } else {
                flags.append(.invalidNumber(column: "到现场次数", value: raw))
            }
        }
        for (column, label) in [("name", "事项名称"), ("sub_item", "办理项"), ("fee", "收费标准"), ("phones", "咨询电话")] {
            if let value = prose(column), TextNormalization.hasInvisibleCharacters(value) {
                flags.append(.invisibleCharacters(column: label))
            }
        }
        if let url = row.guideURL, !(url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://")) {
            flags.append(.invalidGuideURL(url))
            row.guideURL = nil
        }

        row.valueFlags = flags
        row.flags = CatalogRow.flags(
            valueFlags: flags, department: row.department, category: row.category, caseType: row.caseType,
            statutory: row.statutoryDays, promised: row.promisedDays, fullyOnline: row.fullyOnline)
        return row
    }

    /// Every reason an item with these values cannot be published (empty: it is complete).
    ///
    /// `valueFlags` are the unreadable source values of a row (unknown category …); each is kept only while
    /// its field is still empty, so an admin's later value clears it. A 即办件 needs no limit (it is done on
    /// the spot); any other item needs its promised limit, and the promised limit may not exceed the statutory one.
    public static func flags(
        valueFlags: [CatalogFlag] = [], department: String?, category: ItemCategory?, caseType: CaseType?,
        statutory: WorkingDays?, promised: WorkingDays?, fullyOnline: Bool?
    ) -> [CatalogFlag] {
        var flags: [CatalogFlag] = []
        if department == nil {
            flags.append(valueFlags.first { if case .malformedDepartment = $0 { return true } else { return false } } ?? .missingDepartment)
        }
        if category == nil {
            flags.append(valueFlags.first { if case .unknownCategory = $0 { return true } else { return false } } ?? .missingCategory)
        }
        if caseType == nil {
            flags.append(valueFlags.first { if case .unknownCaseType = $0 { return true } else { return false } } ?? .missingCaseType)
        }
        for flag in valueFlags {
            if case .invalidNumber(let column, _) = flag {
                let stillMissing = column == "法定办结时限" ? statutory == nil : column == "承诺办结时限" ? promised == nil : true
                if stillMissing { flags.append(flag) }
            }
            if case .invalidGuideURL = flag { flags.append(flag) }
            if case .invisibleCharacters = flag { flags.append(flag) }
            if case .unknownOnlineFlag = flag, fullyOnline == nil { flags.append(flag) }
        }
        if caseType != .instant {
            if statutory == nil && promised == nil {
                flags.append(.noLimits)
            } else if promised == nil {
                flags.append(.missingPromisedLimit)
            }
        }
        if let promised, let statutory, promised > statutory {
            flags.append(.promisedExceedsStatutory(promised: promised, statutory: statutory))
        }
        return flags
    }
}

extension CatalogRow {
    static let agencySuffixes = [
        "厅", "局", "委员会", "委", "中心", "办公室", "办", "院", "会", "署", "处", "所", "站", "队", "馆", "社", "部", "行", "室", "政府", "公司",
    ]

    /// Whether a department cell reads as an agency's name: one line, at most 40 characters, ending like an
    /// agency (湖北省林业局, 湖北省人力资源和社会保障厅, …中心). Scraped cells that carry a paragraph fail.
    public static func looksLikeAgency(_ name: String) -> Bool {
        !TextNormalization.hasInvisibleCharacters(name) && name.count <= 40 && agencySuffixes.contains(where: name.hasSuffix)
    }
}
