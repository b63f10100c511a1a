import Fluent
import Foundation
import OneWindowCore

/// Loads the starter county catalogue of 崇阳县 (`starter-catalog.json`): the items the product's stories need,
/// with limits, case types, guides and materials, published under the demo departments.
struct M0013_LoadStarterCatalog: AsyncMigration {
    struct File: Decodable {
        struct Material: Decodable {
            let name: String
            let form: String
            let copies: Int
            let required: Bool
            let key: Bool
            let licenceType: String?
            let note: String?
        }
        struct Item: Decodable {
            let itemCode, name: String
            let subItem: String?
            let department, category, caseType: String
            let statutoryDays, promisedDays: Double
            let fullyOnline: Bool
            let visits: Int
            let allowsPendingMaterials: Bool
            let fee, conditions, flow, basis: String
            let materials: [Material]
        }
        let regionCode: String
        let items: [Item]
    }

    func prepare(on database: any Database) async throws {
        let file = try JSONDecoder().decode(File.self, from: ReferenceData.data("starter-catalog.json"))
        try await database.writeTransaction { db in
            let departments = try await Department.scoped(on: db, to: file.regionCode).all()
            let hall = try await Hall.scoped(on: db, to: file.regionCode).filter(\.$level == .county).first()
            for entry in file.items {
                guard let department = departments.first(where: { $0.code == entry.department }) else {
                    throw InternalInconsistency(message: "starter catalogue names unknown department \(entry.department)")
                }
                let item = ServiceItem()
                item.regionCode = file.regionCode
                item.itemCode = entry.itemCode
                item.name = entry.name
                item.subItem = entry.subItem
                item.$department.id = department.id
                item.departmentName = department.name
                item.category = ItemCategory(rawValue: entry.category)
                item.caseType = CaseType(rawValue: entry.caseType)
                item.statutoryDays = entry.statutoryDays
                item.promisedDays = entry.promisedDays
                item.fullyOnline = entry.fullyOnline
                item.allowsPendingMaterials = entry.allowsPendingMaterials
                item.fee = entry.fee
                item.visits = entry.visits
                item.conditions = entry.conditions
                item.flow = entry.flow
                item.basis = entry.basis
                item.place = hall.map { "\($0.name)（\($0.address)）" }
                item.phones = hall?.phone
                item.officeHours = hall?.hours
                item.status = .published
                item.flagsJSON = "[]"
                item.source = "starter"
                item.refreshSearchText()
                try await item.create(on: db)
                for (position, entryMaterial) in entry.materials.enumerated() {
                    let material = MaterialRequirement()
                    material.regionCode = file.regionCode
                    material.$item.id = try item.requireID()
                    material.position = position + 1
                    material.name = entryMaterial.name
                    material.form = MaterialRequirement.Form(rawValue: entryMaterial.form) ?? .original
                    material.copies = entryMaterial.copies
                    material.required = entryMaterial.required
                    material.isKey = entryMaterial.key
                    material.licenceType = entryMaterial.licenceType
                    material.note = entryMaterial.note
                    try await material.create(on: db)
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await ServiceItem.query(on: database).filter(\.$source == "starter").delete()
    }
}

/// A state the code relies on does not hold (bad reference data, a row that should exist). Logged as a 500.
struct InternalInconsistency: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
