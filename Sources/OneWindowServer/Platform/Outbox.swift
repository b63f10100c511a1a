import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// A message to a citizen (SMS, WeChat template message), written in the same transaction as the change it tells
/// about, and sent later by `Outbox.drain` through the configured `Notifier`: nothing is lost when no gateway is
/// configured or a gateway is down (DESIGN.md, Interfaces).
final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "outbox_messages"

    enum Status: String, Codable, Sendable {
        case pending
        case sending
        case sent
        case failed
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `sms`.
    @Field(key: "channel") var channel: String
    /// The mobile number (11 digits).
    @Field(key: "recipient") var sealedRecipient: SealedText
    var recipient: String {
        get { sealedRecipient.value }
        set { sealedRecipient = SealedText(newValue) }
    }
    /// `case.accepted`, `case.correction`, `case.completed`, `case.rejected`.
    @Field(key: "template") var template: String
    @Field(key: "body") var body: String
    @Field(key: "entity_type") var entityType: String
    @OptionalField(key: "entity_id") var entityID: String?
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "claim") var claim: UUID?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?

    init() {}
}

/// Sends one message. The default writes it to the log (recipient masked).
protocol Notifier: Sendable {
    func send(_ message: OutboxMessage, logger: Logger) async throws
}

struct LogNotifier: Notifier {
    func send(_ message: OutboxMessage, logger: Logger) async throws {
        logger.info("notification \(message.channel) to \(Masking.phone(message.recipient)): \(message.body)")
    }
}

enum Outbox {
    static let signature = "【崇阳县政务服务中心】"

    /// Queues a message; call inside the transaction of the change it reports.
    static func enqueue(
        on db: any Database, region: String, to phone: String, template: String, body: String, entityType: String,
        entityID: String?, at instant: Date
    ) async throws {
        let message = OutboxMessage()
        message.regionCode = region
        message.channel = "sms"
        message.recipient = phone
        message.template = template
        message.body = signature + body
        message.entityType = entityType
        message.entityID = entityID
        message.status = .pending
        message.attempts = 0
        message.createdAt = instant
        try await message.create(on: db)
    }

    /// Claims up to `limit` pending messages (each by one caller only, even with several app servers), sends them,
    /// and records the outcome; a failed send is retried on later drains, up to 5 attempts.
    /// - Returns: how many were sent.
    @discardableResult
    static func drain(_ db: any Database, notifier: any Notifier, logger: Logger, limit: Int = 50) async throws -> Int {
        let claim = UUID()
        let sql = db as! any SQLDatabase
        try await sql.raw(
            """
            UPDATE outbox_messages SET status = 'sending', claim = \(bind: claim)
            WHERE status = 'pending' AND id IN (SELECT id FROM outbox_messages WHERE status = 'pending' ORDER BY created_at LIMIT \(unsafeRaw: String(limit)))
            """
        ).run()
        var sent = 0
        for message in try await OutboxMessage.query(on: db).filter(\.$claim == claim).sort(\.$createdAt).all() {
            message.attempts += 1
            do {
                try await notifier.send(message, logger: logger)
                message.status = .sent
                message.sentAt = Date()
                sent += 1
            } catch {
                message.status = message.attempts >= 5 ? .failed : .pending
                message.lastError = String(describing: error).prefix(500).description
            }
            message.claim = nil
            try await message.update(on: db)
        }
        return sent
    }
}

struct M0015_CreateOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OutboxMessage.schema)
            .id()
            .field("region_code", .string, .required)
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("template", .string, .required)
            .field("body", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("claim", .uuid)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await (database as! any SQLDatabase).create(index: "outbox_status_idx").on(OutboxMessage.schema).column("status").column(
            "created_at"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OutboxMessage.schema).delete()
    }
}

extension Application {
    private struct NotifierKey: StorageKey { typealias Value = any Notifier }

    /// The notifier the outbox sends through (`LogNotifier` unless a gateway is configured).
    var notifier: any Notifier {
        get { storage[NotifierKey.self] ?? LogNotifier() }
        set { storage[NotifierKey.self] = newValue }
    }
}

/// Drains the outbox every few seconds while the server runs (`serve`, the default command) — not during `import`,
/// `migrate` and the other commands, and not in tests, which drain explicitly.
final class OutboxLifecycle: LifecycleHandler, @unchecked Sendable {
    private var task: Task<Void, Never>?

    func didBootAsync(_ application: Application) async throws {
        guard application.environment != .testing else { return }
        let command = application.environment.arguments.dropFirst().first { !$0.hasPrefix("-") }
        guard command == nil || command == "serve" else { return }
        let db = application.db
        let notifier = application.notifier
        let logger = application.logger
        task = Task {
            while !Task.isCancelled {
                do {
                    try await Outbox.drain(db, notifier: notifier, logger: logger)
                } catch {
                    logger.warning("outbox drain failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        await task?.value
    }
}
