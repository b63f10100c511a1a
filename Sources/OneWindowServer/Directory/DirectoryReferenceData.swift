import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// Loads the division codes: every province, city and county of the country, and Hubei's townships.
struct M0010_LoadRegions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        var rows: [(String, String, Int, String?)] = []
        func pad(_ code: String) -> String { code + String(repeating: "0", count: 12 - code.count) }
        for record in try CSVTable(text: ReferenceData.text("cn-admin-divisions/provinces.csv")).records {
            rows.append((pad(record["code"]!), record["name"]!, 1, nil))
        }
        for record in try CSVTable(text: ReferenceData.text("cn-admin-divisions/cities.csv")).records {
            rows.append((pad(record["code"]!), record["name"]!, 2, pad(record["provinceCode"]!)))
        }
        for record in try CSVTable(text: ReferenceData.text("cn-admin-divisions/areas.csv")).records {
            rows.append((pad(record["code"]!), record["name"]!, 3, pad(record["cityCode"]!)))
        }
        for record in try CSVTable(text: ReferenceData.text("cn-admin-divisions/streets-hubei.csv")).records {
            rows.append((pad(record["code"]!), record["name"]!, 4, pad(record["areaCode"]!)))
        }
        // 东莞、中山、儋州 have no county level: their county row repeats the city's code. Keep the first.
        var seen = Set<String>()
        rows = rows.filter { seen.insert($0.0).inserted }
        let sql = database as! any SQLDatabase
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let slice = rows[chunk..<min(chunk + 500, rows.count)]
            var insert = sql.insert(into: Region.schema).columns("code", "name", "level", "parent_code")
            for row in slice {
                insert = insert.values(SQLBind(row.0), SQLBind(row.1), SQLBind(row.2), SQLBind(row.3))
            }
            try await insert.run()
        }
    }

    func revert(on database: any Database) async throws {
        try await Region.query(on: database).delete()
    }
}

/// Loads the demo organisation of 崇阳县: the county centre and its township halls, the departments the
/// centre hosts, and windows of every kind (comprehensive, specialist, 局长帮办).
struct M0012_LoadDemoOrganisation: AsyncMigration {
    struct File: Decodable {
        struct HallEntry: Decodable {
            let code, name, level, regionCode, address, phone, hours: String
        }
        struct DepartmentEntry: Decodable {
            let code, name, shortName: String
        }
        struct WindowEntry: Decodable {
            let hall, number, name, kind: String
            let department: String?
        }
        let regionCode: String
        let halls: [HallEntry]
        let departments: [DepartmentEntry]
        let windows: [WindowEntry]
    }

    func prepare(on database: any Database) async throws {
        let file = try JSONDecoder().decode(File.self, from: ReferenceData.data("demo-organisation.json"))
        try await database.writeTransaction { db in
            var halls: [String: UUID] = [:]
            for entry in file.halls {
                let hall = Hall()
                hall.regionCode = file.regionCode
                hall.code = entry.code
                hall.name = entry.name
                hall.level = HallLevel(rawValue: entry.level) ?? .county
                hall.divisionCode = entry.regionCode
                hall.address = entry.address
                hall.phone = entry.phone
                hall.hours = entry.hours
                hall.active = true
                try await hall.create(on: db)
                halls[entry.code] = hall.id
            }
            var departments: [String: UUID] = [:]
            for entry in file.departments {
                let department = Department()
                department.regionCode = file.regionCode
                department.code = entry.code
                department.name = entry.name
                department.shortName = entry.shortName
                department.active = true
                try await department.create(on: db)
                departments[entry.code] = department.id
            }
            for entry in file.windows {
                let window = Window()
                window.regionCode = file.regionCode
                window.$hall.id = halls[entry.hall]!
                window.number = entry.number
                window.name = entry.name
                window.kind = WindowKind(rawValue: entry.kind) ?? .comprehensive
                window.$department.id = entry.department.flatMap { departments[$0] }
                window.active = true
                try await window.create(on: db)
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await Window.query(on: database).delete()
        try await Department.query(on: database).delete()
        try await Hall.query(on: database).delete()
    }
}
