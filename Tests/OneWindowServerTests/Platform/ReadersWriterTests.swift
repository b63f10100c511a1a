import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import SQLiteNIO
import Testing
import VaporTesting

@testable import OneWindowServer

/// SQLite's one writer and read-only readers (`SQLiteReadersWriter`, `RoutedDatabase`). Skipped on PostgreSQL.
@Suite("SQLite: one writer, many readers")
struct ReadersWriterTests {
    /// The split driver of a SQLite test app; nil on PostgreSQL.
    static func split(_ app: Application) -> SQLiteReadersWriter.Driver? {
        guard let routed = app.db as? RoutedDatabase, case .split(let driver) = routed.target else { return nil }
        return driver
    }

    static func audit(_ summary: String) -> AuditEvent {
        let event = AuditEvent()
        event.regionCode = "421223000000"
        event.actorName = "system"
        event.action = "test.write"
        event.entityType = "test"
        event.summary = summary
        event.occurredAt = Date()
        return event
    }

    @Test("A ticket committed on the writer is counted by the next request's read (the display feed, on a reader)")
    func writeVisibleToNextRead() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let issued = try await app.testing().sendRequest(
                .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                body: ByteBuffer(string: #"{"category":"A"}"#))
            #expect(issued.status == .created)
            let state = try await app.testing().sendRequest(.GET, "/display/CY-ZX/state")
            let waiting = try #require(try state.json()["waiting"] as? [[String: Any]])
            #expect(waiting.first { $0["prefix"] as? String == "A" }?["count"] as? Int == 1)
        }
    }

    @Test("Reads inside a write transaction see its own uncommitted rows; a reader sees them only after the commit")
    func readsInsideWriteTransactionStayOnWriter() async throws {
        try await withTestApp { app in
            guard Self.split(app) != nil else { return }
            let before = try await AuditEvent.query(on: app.db).filter(\.$action == "test.write").count()
            #expect(before == 0)
            let counts = try await app.db.writeTransaction { tx in
                try await Self.audit("one").create(on: tx)
                let inside = try await AuditEvent.query(on: tx).filter(\.$action == "test.write").count()
                let outside = try await AuditEvent.query(on: app.db).filter(\.$action == "test.write").count()
                return [inside, outside]
            }
            #expect(counts == [1, 0])
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "test.write").count() == 1)
        }
    }

    @Test("A long read on a reader does not hold up a write: the write commits while the read is still running")
    func longReadDoesNotBlockWrite() async throws {
        try await withTestApp { app in
            guard let driver = Self.split(app) else { return }
            // Every reader connection gets `hold()`, which blocks its reader thread until the test lets it go.
            let started = NIOLockedValueBox(false)
            let release = DispatchSemaphore(value: 0)
            let hold = SQLiteCustomFunction("hold", argumentCount: 0) { _ in
                started.withLockedValue { $0 = true }
                _ = release.wait(timeout: .now() + 30)
                return 1
            }
            for lane in driver.lanes {
                let database = lane.driver.makeDatabase(with: app.db.context.on(lane.loop)) as! any SQLiteDatabase
                try await database.withConnection { $0.install(customFunction: hold) }.get()
            }
            let order = NIOLockedValueBox<[String]>([])
            let sql = app.db as! any SQLDatabase
            let read = Task {
                let row = try await sql.raw("SELECT hold() AS held, (SELECT COUNT(*) FROM audit_events WHERE action = 'test.write') AS n")
                    .first()
                order.withLockedValue { $0.append("read") }
                return try row?.decode(column: "n", as: Int.self)
            }
            while !started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            try await app.db.writeTransaction { tx in try await Self.audit("during the read").create(on: tx) }
            order.withLockedValue { $0.append("write") }
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "test.write").count() == 1)
            release.signal()
            let seenByLongRead = try await read.value
            #expect(order.withLockedValue { $0 } == ["write", "read"])
            // The long read keeps the snapshot it began with: the row committed during it is not in its count.
            #expect(seenByLongRead == 0)
        }
    }

    @Test("A write that reaches a reader fails at once (the readers are opened read-only)")
    func writeOnReaderFails() async throws {
        try await withTestApp { app in
            guard let driver = Self.split(app) else { return }
            let lane = driver.lanes[0]
            let reader = lane.driver.makeDatabase(with: app.db.context.on(lane.loop)) as! any SQLDatabase
            await #expect(throws: (any Error).self) {
                try await reader.raw("DELETE FROM audit_events").run()
            }
            do {
                try await reader.raw("CREATE TABLE read_only_probe (a INTEGER)").run()
                Issue.record("the insert on a reader succeeded")
            } catch let error as SQLiteError {
                #expect(error.reason == .readOnly, "\(error)")
            }
            #expect(driver.lanes.count == app.settings.sqliteReaders)
        }
    }

    @Test("Raw SQL is routed by its verb: SELECT, EXPLAIN, VALUES and a WITH that only reads go to a reader")
    func rawRouting() {
        #expect(RoutedDatabase.onlyReads(sql: "SELECT 1") == true)
        #expect(RoutedDatabase.onlyReads(sql: "  select id FROM cases") == true)
        #expect(RoutedDatabase.onlyReads(sql: "EXPLAIN QUERY PLAN SELECT 1") == true)
        #expect(RoutedDatabase.onlyReads(sql: "VALUES (1)") == true)
        #expect(RoutedDatabase.onlyReads(sql: "WITH t AS (SELECT 1) SELECT * FROM t") == true)
        #expect(RoutedDatabase.onlyReads(sql: "WITH t AS (SELECT 1) INSERT INTO x SELECT * FROM t") == false)
        #expect(RoutedDatabase.onlyReads(sql: "INSERT INTO x VALUES (1)") == false)
        #expect(RoutedDatabase.onlyReads(sql: "UPDATE x SET a = 1") == false)
        #expect(RoutedDatabase.onlyReads(sql: "DELETE FROM x") == false)
        #expect(RoutedDatabase.onlyReads(sql: "PRAGMA journal_mode=WAL") == false)
        #expect(RoutedDatabase.onlyReads(sql: "BEGIN IMMEDIATE") == false)
        #expect(RoutedDatabase.onlyReads(sql: "CREATE INDEX i ON x (a)") == false)
        #expect(RoutedDatabase.onlyReads(sql: "") == false)
    }
}
