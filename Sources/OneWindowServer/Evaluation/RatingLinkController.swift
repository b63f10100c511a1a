import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Rating through a one-time link (一事一评): the SMS sent at completion and the portal's link after completion open
/// `/rate/{token}`, the service's items with five levels each and a comment. `POST /api/v1/ratings` takes the same
/// as JSON for the app: `{"token": "…", "ratings": {"overall": 5, "efficiency": 4}, "comment": "…"}`; each level
/// must be an integer 1…5 (`0`, `6`, `4.5`, `"5"` and `null` are 400 naming the field). A used or expired link is
/// refused; a second rating of the same service is 409.
struct RatingLinkController {
    func register(_ web: any RoutesBuilder, api: any RoutesBuilder) {
        web.get(.rate, use: form)
        web.post(.rate, use: submit)
        api.post(.apiRatings, use: submitJSON)
    }

    struct Context: Encodable {
        struct Item: Encodable { let code: String; let label: String; let required: Bool; let options: [SelectOption] }
        let page: PageChrome
        let token: String
        let subject: String
        let items: [Item]
        let error: String?
        let done: String?
    }

    private func invitation(_ token: String, on req: Request) async throws -> RatingInvitation {
        guard let invitation = try await RatingInvitation.query(on: req.db).filter(\.$token == token).first(),
            invitation.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "评价链接") }
        guard invitation.usedAt == nil else { throw EvaluationError.notRateable("这个评价链接已经用过了，谢谢您的评价") }
        guard invitation.expiresAt > req.now else { throw EvaluationError.notRateable("评价链接已过期") }
        return invitation
    }

    func form(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        if let done = (try? req.query.get(String.self, at: "done")).flatMap(Int.init).flatMap(RatingLevel.init(rawValue:)) {
            return try await req.view.render(
                "evaluation/rate",
                Context(
                    page: PageChrome(request: req, title: "服务评价"), token: token, subject: "",
                    items: [], error: nil, done: done.label)
            ).encodeResponse(for: req)
        }
        return try await render(req, token: token, error: nil, status: .ok)
    }

    private func render(_ req: Request, token: String, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let invitation = try await invitation(token, on: req)
        let subject = try await RatingService(req).subject(invitation.subjectKind, invitation.subjectID, on: req.db)
        return try await req.view.render(
            "evaluation/rate",
            Context(
                page: PageChrome(request: req, title: "服务评价", forms: true), token: token, subject: subject.label,
                items: subject.items.map { item in
                    .init(
                        code: item.rawValue, label: item.label, required: item == .overall,
                        options: RatingLevel.allCases.reversed().map {
                            SelectOption(value: "\($0.rawValue)", label: $0.label, selected: false)
                        })
                }, error: error, done: nil)
        ).encodeResponse(status: status, for: req)
    }

    func submit(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.formFields()
        var levels: [RatingItem: RatingLevel] = [:]
        var check = FormCheck()
        for item in RatingItem.allCases {
            guard let raw = TextNormalization.normalizedOrNil(form[item.rawValue]) else { continue }
            guard let score = Int(raw) else { check.fail(item.rawValue, "\(item.label)：请选择 1 至 5"); continue }
            if let level = check.check({ () throws(FieldError) in try RatingLevel(score: score, field: item.rawValue) }) {
                levels[item] = level
            }
        }
        if levels[.overall] == nil, check.errors["overall"] == nil { check.fail("overall", "请评价整体满意度") }
        guard check.isValid else {
            return try await render(
                req, token: token, error: check.errors.sorted { $0.key < $1.key }.map(\.value).joined(separator: "；"),
                status: .badRequest)
        }
        let overall = try await record(token: token, levels: levels, comment: form["comment"], on: req)
        return req.redirect(to: SiteRoute.rate.path(token, query: ["done": "\(overall.rawValue)"]))
    }

    struct RatingRequest: Content {
        let token: String
        let ratings: [String: Score]
        let comment: String?
    }

    /// A level exactly as an integer: `4.5`, `"5"` and `null` are refused naming `ratings.<item>` (Foundation's own
    /// error for a fraction names no field).
    struct Score: Codable, Sendable {
        let value: Int

        init(from decoder: any Decoder) throws {
            let field = "ratings." + (decoder.codingPath.last?.stringValue ?? "")
            let container = try decoder.singleValueContainer()
            guard !container.decodeNil(), let value = try? container.decode(Int.self) else {
                throw PlatformError.invalidField(.init(field: field, message: "评价等级须为 1 至 5 的整数（5 非常满意 … 1 非常不满意）"))
            }
            self.value = value
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    struct RatingResponse: Content {
        let subject: String
        let ratings: [String: Int]
        let rectificationOpened: Bool
    }

    func submitJSON(req: Request) async throws -> Response {
        let body = try req.content.decode(RatingRequest.self)
        var levels: [RatingItem: RatingLevel] = [:]
        for (code, score) in body.ratings.mapValues(\.value) {
            guard let item = RatingItem(rawValue: code) else {
                throw PlatformError.invalidField(.init(field: "ratings.\(code)", message: "没有“\(code)”这一评价项"))
            }
            do { levels[item] = try RatingLevel(score: score, field: "ratings.\(code)") } catch { throw PlatformError.invalidField(error) }
        }
        let overall = try await record(token: body.token, levels: levels, comment: body.comment, on: req)
        let invitation = try await RatingInvitation.query(on: req.db).filter(\.$token == body.token).first()
        let subject = try await RatingService(req).subject(invitation!.subjectKind, invitation!.subjectID, on: req.db)
        return try await RatingResponse(
            subject: subject.label, ratings: Dictionary(uniqueKeysWithValues: levels.map { ($0.key.rawValue, $0.value.rawValue) }),
            rectificationOpened: overall.isBad
        ).encodeResponse(status: .created, for: req)
    }

    /// Records the ratings of the link's service and uses the link up, in one transaction.
    private func record(token: String, levels: [RatingItem: RatingLevel], comment: String?, on req: Request) async throws -> RatingLevel {
        let found = try await invitation(token, on: req)
        let service = try await RatingService(req)
        let subject = try await service.subject(found.subjectKind, found.subjectID, on: req.db)
        guard let overall = levels[.overall] else { throw PlatformError.invalidField(.init(field: "overall", message: "请评价整体满意度")) }
        let now = req.now
        try await req.db.writeTransaction { tx in
            // The link is used once: claimed by a guarded update, so two submissions cannot both pass.
            guard let claimed = try await RatingInvitation.query(on: tx).filter(\.$id == found.requireID()).filter(\.$usedAt == nil).first()
            else {
                throw EvaluationError.notRateable("这个评价链接已经用过了，谢谢您的评价")
            }
            claimed.usedAt = now
            try await claimed.save(on: tx)
            _ = try await service.record(subject, levels: levels, channel: found.channel, comment: comment, on: tx)
        }
        return overall
    }
}
