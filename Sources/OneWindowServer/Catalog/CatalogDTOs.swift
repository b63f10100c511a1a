import Foundation
import OneWindowCore
import Vapor

/// A code with its Chinese label (`{"code": "licensing", "label": "行政许可"}`).
struct CodeLabel: Content, Equatable {
    let code: String
    let label: String
}

/// An item in a list: what a search result shows.
struct ItemSummaryDTO: Content {
    let itemCode: String
    let name: String
    let subItem: String?
    let regionCode: String
    let department: String?
    let category: CodeLabel?
    let caseType: CodeLabel?
    /// 法定办结时限, working days.
    let statutoryDays: Double?
    /// 承诺办结时限, working days.
    let promisedDays: Double?
    /// 法定 − 承诺, working days.
    let cutDays: Double?
    /// (1 − 承诺/法定) × 100, rounded to 0.01; `nil` without a statutory limit > 0.
    let cutPercent: Double?
    let fullyOnline: Bool?

    init(_ item: ServiceItem) {
        itemCode = item.itemCode
        name = item.name
        subItem = item.subItem
        regionCode = item.regionCode
        department = item.department?.name ?? item.departmentName
        category = item.category.map { CodeLabel(code: $0.rawValue, label: $0.label) }
        caseType = item.caseType.map { CodeLabel(code: $0.rawValue, label: $0.label) }
        statutoryDays = item.statutoryDays
        promisedDays = item.promisedDays
        let cut = LimitCut(statutory: item.statutory, promised: item.promised)
        cutDays = cut?.days
        cutPercent = cut?.percent
        fullyOnline = item.fullyOnline
    }
}

/// 法定 vs 承诺: how much the promised limit cuts the statutory one, for one item.
struct LimitCut: Equatable {
    /// Working days cut.
    let days: Double
    /// Per cent of the statutory limit, rounded to 0.01.
    let percent: Double

    /// `nil` unless both limits are known and the statutory one is > 0.
    init?(statutory: WorkingDays?, promised: WorkingDays?) {
        guard let statutory, let promised, statutory.halfDays > 0 else { return nil }
        days = statutory.days - promised.days
        percent = ((1 - promised.days / statutory.days) * 10_000).rounded() / 100
    }
}

struct MaterialDTO: Content {
    /// The requirement's id: a case names it in `materials[].requirementId`.
    let id: String
    let name: String
    let form: CodeLabel
    let copies: Int
    let required: Bool
    let isKey: Bool
    /// The e-licence type that can replace the paper, if any.
    let licenceType: String?
    let note: String?

    init(_ material: MaterialRequirement) {
        id = material.id?.uuidString ?? ""
        name = material.name
        form = CodeLabel(code: material.form.rawValue, label: material.form.label)
        copies = material.copies
        required = material.required
        isKey = material.isKey
        licenceType = material.licenceType
        note = material.note
    }
}

/// An item with its whole guide (办事指南).
struct ItemDetailDTO: Content {
    let summary: ItemSummaryDTO
    let allowsPendingMaterials: Bool
    let fee: String?
    let visits: Int?
    let conditions: String?
    let flow: String?
    let basis: String?
    let place: String?
    let phones: String?
    let officeHours: String?
    let guideURL: String?
    let materials: [MaterialDTO]

    init(_ item: ServiceItem) {
        summary = ItemSummaryDTO(item)
        allowsPendingMaterials = item.allowsPendingMaterials
        fee = item.fee
        visits = item.visits
        conditions = item.conditions
        flow = item.flow
        basis = item.basis
        place = item.place
        phones = item.phones
        officeHours = item.officeHours
        guideURL = item.guideURL
        materials = item.$materials.value.map { $0.sorted { $0.position < $1.position }.map(MaterialDTO.init) } ?? []
    }
}

/// One page of a list: `{"items": [...], "metadata": {"page", "per", "total"}}`.
struct PageDTO<Item: Content>: Content {
    struct Metadata: Content {
        let page: Int
        let per: Int
        let total: Int
    }

    let items: [Item]
    let metadata: Metadata
}
