import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Encryption at rest: personal data sealed in the database, keyed hashes for look-ups, key rotation")
struct EncryptionAtRestTests {
    static let name = "欧阳明远"
    static let idNumber = DeskFixtures.residentID(birth: "19850615", seq: 7)
    static let phone = "13912345678"
    static let appellant = "诸葛建华"
    static let appellantPhone = "13798765432"
    static let address = "桃溪路88号幸福小区"
    static let visitAddress = "天城镇杏花村七组19号"
    static var planted: [String] { [name, idNumber, phone, appellant, appellantPhone, address, visitAddress] }

    static func ring(_ ids: String...) -> FieldCipher {
        let bytes: [String: UInt8] = ["t1": 0x22, "k1": 0x33, "k2": 0x44]
        let list = ["index:\(TestKeys.index)"] + ids.map { "\($0):\(Data(repeating: bytes[$0]!, count: 32).base64EncodedString())" }
        return try! FieldCipher.parse(list.joined(separator: ","))
    }

    /// Every registered sealed column's non-null stored values, as `table.column` → values (raw SQL).
    static func rawValues(_ app: Application) async throws -> [String: [String]] {
        let sql = app.db as! any SQLDatabase
        var all: [String: [String]] = [:]
        for column in app.sealedColumns.all {
            let rows = try await sql.select().column(SQLIdentifier(column.column)).from(column.table)
                .where(SQLIdentifier(column.column), .isNot, SQLLiteral.null).all()
            all["\(column.table).\(column.column)", default: []] += try rows.map { try $0.decode(column: column.column, as: String.self) }
        }
        return all
    }

    @Test("Key list parsing, sealing, opening, plaintext rows, tampering, and the keyed hash's exact value")
    func cipher() throws {
        let ring = Self.ring("k2", "k1")
        #expect(ring.currentID == "k2")
        let sealed = ring.seal("13800138000")
        #expect(sealed.hasPrefix("k2:") && sealed != ring.seal("13800138000"))
        #expect(try ring.open(sealed).text == "13800138000" && ring.open(sealed).keyID == "k2")
        #expect(try ring.open(Self.ring("k1").seal("张三")) == ("张三", "k1"))
        #expect(try ring.open("张三丰") == ("张三丰", nil))
        #expect(try ring.open("k9:abc") == ("k9:abc", nil))
        #expect(throws: FieldCipher.Failure.self) { try Self.ring("k1").open(sealed) }
        var bytes = Data(base64Encoded: String(sealed.dropFirst(3)))!
        bytes[20] ^= 1
        #expect(throws: FieldCipher.Failure.self) { try ring.open("k2:" + bytes.base64EncodedString()) }
        #expect(ring.hash("13800138000") == "79d9f0fb0449135eeec8adfb3ef037bf9bf258d7cc97f2ed00a837f229d9d341")
        #expect(Self.ring("k1").hash("13800138000") == ring.hash("13800138000"))
        #expect(throws: FieldCipher.Failure.self) { try FieldCipher.parse("k1:c2hvcnQ=") }
        #expect(throws: FieldCipher.Failure.self) { try FieldCipher.parse("index:\(TestKeys.index)") }
        #expect(throws: FieldCipher.Failure.self) { try FieldCipher.parse("k-1:\(TestKeys.t1)") }
    }

    @Test("A case, a 12345 order, an appointment and a home visit: no planted value in the raw rows or the database file")
    func planted() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let created = try await CaseFixtures.create(
                app, token: token, itemCode: "421223JTYS0001", idNumber: Self.idNumber, name: Self.name, phone: Self.phone)
            #expect(created.status == .created)
            let order = try await HotlineFixtures.service(app).register(
                HotlineService.Intake(
                    channel: .phone, appealType: .complaint, appellantName: Self.appellant, phone: Self.appellantPhone,
                    title: "路灯不亮", content: "小区门口路灯坏了一周", address: Self.address, townshipCode: nil))
            let slot = try #require(try await AppointmentTests.slot(app, day: "2025-03-06", times: "09:00-10:00", capacity: 2).first)
            let booked = try await AppointmentTests.book(app, slot: slot.requireID(), id: Self.idNumber, name: Self.name, phone: Self.phone)
            #expect(booked.status == .created)
            var citizen = Browser(app)
            let csrf = try await citizen.csrfToken(from: "/home-visits/new")
            _ = try await citizen.post(
                "/home-visits/new",
                form: [
                    ("csrfToken", csrf), ("reason", "elderly"), ("idNumber", Self.idNumber), ("name", Self.name), ("phone", Self.phone),
                    ("address", Self.visitAddress), ("need", "灵活就业人员参保登记"),
                ])

            // Raw rows: every sealed column holds `t1:` values only, and the look-up hashes are there.
            let raw = try await Self.rawValues(app)
            for key in [
                "applicants.id_number", "applicants.name", "applicants.phone", "cases.contact_phone", "work_orders.appellant_name",
                "work_orders.phone", "work_orders.address", "appointments.id_number", "appointments.name", "appointments.phone",
                "home_visits.id_number", "home_visits.name", "home_visits.phone", "home_visits.address", "outbox_messages.recipient",
            ] {
                #expect(raw[key]?.isEmpty == false, "\(key) has no row")
            }
            for (key, values) in raw { #expect(values.allSatisfy { $0.hasPrefix("t1:") }, "\(key): \(values)") }
            let applicant = try #require(try await Applicant.query(on: app.db).first())
            #expect(applicant.idNumberHash == FieldCiphers.current.hash(Self.idNumber))
            #expect(try await WorkOrder.find(order.id, on: app.db)?.phoneHash == FieldCiphers.current.hash(Self.appellantPhone))

            // The models open to the full values.
            #expect([applicant.name, applicant.idNumber, applicant.phone] == [Self.name, Self.idNumber, Self.phone])
            let visit = try #require(try await HomeVisit.query(on: app.db).first())
            #expect([visit.name, visit.address] == [Self.name, Self.visitAddress])

            // The clerk who accepted the case still asks for and gets the full values (audited), as before.
            let record = try #require(try await Case.query(on: app.db).first())
            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            let page = try await clerk.get(SiteRoute.caseRecord.path(record.id!))
            #expect(page.body.string.contains(Masking.name(Self.name)) && !page.body.string.contains(Self.name))
            let full = try await clerk.post(
                SiteRoute.caseRecord.path(record.id!) + "/personal", form: [("csrfToken", try #require(Browser.csrf(in: page.body.string)))]
            )
            #expect([Self.name, Self.idNumber, Self.phone].allSatisfy(full.body.string.contains))

            // The same person books again: the one-a-day limit still finds the first booking through the hash.
            let again = try await AppointmentTests.book(app, slot: slot.requireID(), id: Self.idNumber)
            #expect(try again.errorPayload()["code"] == "already_booked")

            // The order list finds the appellant's order by phone (whole number, through the hash).
            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            let found = try await agent.get("/hotline?q=\(Self.appellantPhone)")
            #expect(found.body.string.contains(order.number))

            // The database file (SQLite: the file and its write-ahead log) holds no planted value.
            if app.settings.databaseURL == nil {
                try await (app.db as! any SQLDatabase).raw("PRAGMA wal_checkpoint(FULL)").run()
                let base = URL(fileURLWithPath: app.settings.dataDirectory).appendingPathComponent("onewindow.sqlite").path
                var bytes = Data()
                for suffix in ["", "-wal"] { bytes.append(FileManager.default.contents(atPath: base + suffix) ?? Data()) }
                #expect(bytes.count > 100_000)
                for value in Self.planted { #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) found in the database file") }
            }
        }
    }

    @Test("Rotation k1 → k2 in batches: every row opens and carries k2:, plaintext rows are sealed and hashed; a second pass does nothing")
    func rotation() async throws {
        try await withTestApp { app in
            let ring1 = Self.ring("k1")
            // Writes in a transaction run off this task, under the suite's key t1: the new ring keeps it to open them.
            let ring2 = Self.ring("k2", "k1", "t1")
            FieldCiphers.learn(ring2)  // rows are decoded off this task, under the installed ring
            let region = app.settings.region.value
            try await FieldCiphers.$override.withValue(ring1) {
                for n in 1...3 {
                    let applicant = Applicant()
                    (applicant.regionCode, applicant.kind) = (region, .person)
                    applicant.idNumber = DeskFixtures.residentID(birth: "19700101", seq: n)
                    applicant.name = "旋转\(n)"
                    applicant.phone = "1390000000\(n)"
                    try await applicant.create(on: app.db)
                }
                _ = try await HotlineFixtures.service(app).register(HotlineFixtures.intake("路灯不亮", phone: "13711112222", name: "钱多多"))
            }
            // A row written before encryption: plaintext, no hash.
            let legacyID = DeskFixtures.residentID(birth: "19600101", seq: 9)
            try await (app.db as! any SQLDatabase).insert(into: Applicant.schema)
                .columns("id", "region_code", "kind", "id_number", "name", "phone", "created_at", "updated_at")
                .values(
                    SQLBind(UUID()), SQLBind(region), SQLBind("person"), SQLBind(legacyID), SQLBind("老住户"), SQLBind(nil as String?),
                    SQLBind(Date()), SQLBind(Date())
                )
                .run()
            #expect(try await Self.rawValues(app)["applicants.name"]?.filter { $0.hasPrefix("k1:") }.count == 3)

            let report = try await app.sealedColumns.reseal(on: app.db, cipher: ring2, batch: 2, logger: app.logger)
            // applicants: 4 id numbers, 4 names, 3 phones; the order: name, phone, address; its acknowledgement SMS's recipient.
            #expect(report == .init(resealed: 15, failed: 0))
            for (key, values) in try await Self.rawValues(app) { #expect(values.allSatisfy { $0.hasPrefix("k2:") }, "\(key): \(values)") }
            try await FieldCiphers.$override.withValue(ring2) {
                let applicants = try await Applicant.query(on: app.db).all()
                #expect(applicants.map(\.name).sorted() == ["旋转1", "旋转2", "旋转3", "老住户"])
                #expect(applicants.allSatisfy { $0.idNumberHash == ring2.hash($0.idNumber) })
                let legacy = try await Applicant.query(on: app.db).filterSealed("id_number", hash: "id_number_hash", equals: legacyID).all()
                #expect(legacy.map(\.name) == ["老住户"])
                let names = try await WorkOrder.query(on: app.db).all().map(\.appellantName)
                #expect(names == ["钱多多"])
            }
            #expect(try await app.sealedColumns.reseal(on: app.db, cipher: ring2, logger: app.logger) == .init(resealed: 0, failed: 0))
        }
    }
}
