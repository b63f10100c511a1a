import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// One 好差评 rating of one item of one service record by one rater (RULES.md, 好差评). Unique per record, item and
/// rater: a second rating is a 409 (the policy here), whichever channel it comes from.
final class Rating: Model, @unchecked Sendable {
    static let schema = "ratings"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Field(key: "subject_kind") var subjectKind: RatingSubjectKind
    @Field(key: "subject_id") var subjectID: UUID
    /// `421223-20250305-00012 灵活就业人员参保登记`, `A001 · 3 号窗口`: what the figures and lists show.
    @Field(key: "subject_label") var subjectLabel: String
    @OptionalField(key: "department_id") var departmentID: UUID?
    @OptionalField(key: "department_name") var departmentName: String?
    @OptionalField(key: "window_number") var windowNumber: String?
    @OptionalField(key: "staff_id") var staffID: UUID?
    @OptionalField(key: "staff_name") var staffName: String?
    @OptionalField(key: "item_code") var itemCode: String?
    @Field(key: "item") var item: RatingItem
    @Field(key: "level") var level: RatingLevel
    @Field(key: "channel") var channel: RatingChannel
    /// Who rated: `applicant:<id>`, `ticket:<id>`, `appellant:<work order id>`; never a staff member.
    @Field(key: "rater_key") var raterKey: String
    /// Whether the rater is known by name (实名): all bad ratings of named raters must be called back.
    @Field(key: "real_name") var realName: Bool
    @OptionalField(key: "comment") var comment: String?
    @Field(key: "is_default") var isDefault: Bool
    @Field(key: "rated_at") var ratedAt: Date

    init() {}
}

/// A one-time link to rate a service (the SMS link, the portal's rating form after completion).
final class RatingInvitation: Model, @unchecked Sendable {
    static let schema = "rating_invitations"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Field(key: "token") var token: String
    @Field(key: "subject_kind") var subjectKind: RatingSubjectKind
    @Field(key: "subject_id") var subjectID: UUID
    @Field(key: "channel") var channel: RatingChannel
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}
}

/// The follow-up of one 差评 (GLOSSARY.md `Rectification`).
final class Rectification: Model, @unchecked Sendable {
    static let schema = "rectifications"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    @Parent(key: "rating_id") var rating: Rating
    @Field(key: "state") var state: RectificationState
    @Field(key: "opened_at") var openedAt: Date
    @OptionalField(key: "verify_due_at") var verifyDueAt: Date?
    @OptionalField(key: "verified_at") var verifiedAt: Date?
    @OptionalField(key: "finding") var finding: String?
    @OptionalField(key: "appeal_reason") var appealReason: String?
    @OptionalField(key: "appeal_decision") var appealDecision: String?
    @OptionalField(key: "rectify_due_at") var rectifyDueAt: Date?
    @Field(key: "extended") var extended: Bool
    @OptionalField(key: "measures") var measures: String?
    @OptionalField(key: "rectified_at") var rectifiedAt: Date?
    @OptionalField(key: "called_back_at") var calledBackAt: Date?
    @OptionalField(key: "callback_note") var callbackNote: String?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A complaint about a service (投诉, GB/T 36113), with its owner, limit and the staff and window concerned.
final class Complaint: Model, @unchecked Sendable {
    static let schema = "complaints"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// `TS-20250305-001`.
    @Field(key: "number") var number: String
    @Field(key: "complainant_name") var sealedComplainantName: SealedText
    var complainantName: String {
        get { sealedComplainantName.value }
        set { sealedComplainantName = SealedText(newValue) }
    }
    @Field(key: "phone") var sealedPhone: SealedText
    var phone: String {
        get { sealedPhone.value }
        set { sealedPhone = SealedText(newValue) }
    }
    @Field(key: "content") var content: String
    @OptionalField(key: "window_number") var windowNumber: String?
    @OptionalField(key: "staff_name") var staffName: String?
    @OptionalField(key: "department_id") var departmentID: UUID?
    @Field(key: "owner_name") var ownerName: String
    @Field(key: "state") var state: ComplaintState
    @Field(key: "received_at") var receivedAt: Date
    @OptionalField(key: "feedback_due_at") var feedbackDueAt: Date?
    @OptionalField(key: "investigation") var investigation: String?
    @OptionalField(key: "handling") var handling: String?
    @OptionalField(key: "feedback_at") var feedbackAt: Date?
    @OptionalField(key: "archived_at") var archivedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// The 好差评 tables.
struct M0019_CreateEvaluation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Rating.schema)
            .id()
            .field("region_code", .string, .required)
            .field("subject_kind", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("subject_label", .string, .required)
            .field("department_id", .uuid)
            .field("department_name", .string)
            .field("window_number", .string)
            .field("staff_id", .uuid)
            .field("staff_name", .string)
            .field("item_code", .string)
            .field("item", .string, .required)
            .field("level", .int, .required)
            .field("channel", .string, .required)
            .field("rater_key", .string, .required)
            .field("real_name", .bool, .required)
            .field("comment", .string)
            .field("is_default", .bool, .required)
            .field("rated_at", .datetime, .required)
            .unique(on: "subject_kind", "subject_id", "item", "rater_key")
            .create()
        try await database.schema(RatingInvitation.schema)
            .id()
            .field("region_code", .string, .required)
            .field("token", .string, .required)
            .field("subject_kind", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("channel", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token")
            .create()
        try await database.schema(Rectification.schema)
            .id()
            .field("region_code", .string, .required)
            .field("rating_id", .uuid, .required, .references(Rating.schema, "id"))
            .field("state", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("verify_due_at", .datetime)
            .field("verified_at", .datetime)
            .field("finding", .string)
            .field("appeal_reason", .string)
            .field("appeal_decision", .string)
            .field("rectify_due_at", .datetime)
            .field("extended", .bool, .required)
            .field("measures", .string)
            .field("rectified_at", .datetime)
            .field("called_back_at", .datetime)
            .field("callback_note", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "rating_id")
            .create()
        try await database.schema(Complaint.schema)
            .id()
            .field("region_code", .string, .required)
            .field("number", .string, .required)
            .field("complainant_name", .string, .required)
            .field("phone", .string, .required)
            .field("content", .string, .required)
            .field("window_number", .string)
            .field("staff_name", .string)
            .field("department_id", .uuid)
            .field("owner_name", .string, .required)
            .field("state", .string, .required)
            .field("received_at", .datetime, .required)
            .field("feedback_due_at", .datetime)
            .field("investigation", .string)
            .field("handling", .string)
            .field("feedback_at", .datetime)
            .field("archived_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "region_code", "number")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX ratings_region_rated ON ratings (region_code, rated_at)").run()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [Complaint.schema, Rectification.schema, RatingInvitation.schema, Rating.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// The annual report reads a year of ratings by item and level from this index alone (first added by M0020 for
/// Stats; skipped where it exists). It covers the older (region_code, rated_at) index, which goes.
struct M0020_3_RatingIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX IF EXISTS ratings_region_rated").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ratings_region_item_rated ON ratings (region_code, item, rated_at, level)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX IF EXISTS ratings_region_item_rated").run()
        try await sql.raw("CREATE INDEX ratings_region_rated ON ratings (region_code, rated_at)").run()
    }
}
