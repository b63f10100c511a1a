import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Reads an appeal from any channel's fields (the agent's form, the public form, the JSON API) into a
/// `HotlineService.Intake`, naming every bad field at once.
enum HotlineIntakeForm {
    /// The field names, as forms and the API use them.
    static let fields = [
        "appealType", "urgency", "appellantName", "phone", "title", "content", "address", "township", "latitude", "longitude",
    ]

    /// - Parameters:
    ///   - value: the raw text of a field, `nil` when absent.
    ///   - requirePhone: the public form needs a number to answer on; the agent may take an anonymous call.
    ///   - townships: the county's township codes (12 digits) → names.
    /// - Returns: the intake, or the errors by field.
    static func read(
        _ value: (String) -> String?, channel: HotlineChannel, requirePhone: Bool, townships: [String: String],
        bounds: GeoBounds = .demoCounty
    ) -> (HotlineService.Intake?, [String: String]) {
        var check = FormCheck()
        let type = check.choice(value("appealType"), field: "appealType", label: "诉求类型", as: AppealType.self)
        let urgency: Urgency = TextNormalization.normalizedOrNil(value("urgency")).flatMap(Urgency.init(rawValue:)) ?? .normal
        if let raw = TextNormalization.normalizedOrNil(value("urgency")), Urgency(rawValue: raw) == nil {
            check.fail("urgency", "紧急程度只能是一般或紧急")
        }
        let name = check.optional(value("appellantName"), field: "appellantName", label: "诉求人姓名", max: 30)
        var phone: String?
        if let raw = TextNormalization.normalizedOrNil(value("phone")) {
            phone = check.check { () throws(FieldError) in try ContactPhone.normalise(raw, field: "phone") }
        } else if requirePhone {
            check.fail("phone", "请填写联系电话，便于答复和回访")
        }
        // The limit is of what was sent (the OpenAPI maxLength), before control characters are taken out.
        let sent = value("content") ?? ""
        let content = TextNormalization.trimmed(sent)
        if TextNormalization.length(content) < 5 { check.fail("content", "请写明诉求内容（至少 5 个字）") }
        if TextNormalization.length(sent) > 4000 { check.fail("content", "诉求内容不能超过 4000 字") }
        var title = check.optional(value("title"), field: "title", label: "标题", max: 60) ?? ""
        // The default title is the content's start, masked first so that no number is cut in two and left readable.
        if title.isEmpty { title = String(Masking.redact(content.replacingOccurrences(of: "\n", with: " ")).prefix(30)) }
        let address = check.optional(value("address"), field: "address", label: "事发地点", max: 120) ?? ""
        var township: String?
        if let code = TextNormalization.normalizedOrNil(value("township")) {
            if townships[code] == nil { check.fail("township", "请从列表中选择乡镇") } else { township = code }
        }
        var latitude: Double?
        var longitude: Double?
        for (field, label) in [("latitude", "纬度"), ("longitude", "经度")] {
            guard let raw = TextNormalization.normalizedOrNil(value(field)) else { continue }
            // Decimal degrees only (`29.55`, `-0.5`): Swift's Double() would also read `0x1Dp0` or `1e2`.
            guard raw.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }), let number = Double(raw),
                number.isFinite
            else { check.fail(field, "\(label)须为十进制数字（如 29.55）"); continue }
            if field == "latitude" { latitude = number } else { longitude = number }
        }
        if check.errors["latitude"] == nil, check.errors["longitude"] == nil {
            _ = check.check { () throws(FieldError) in
                do throws(FieldError) {
                    try bounds.check(latitude: latitude, longitude: longitude)
                } catch {
                    throw FieldError(field: error.field == "lat" ? "latitude" : "longitude", message: error.message)
                }
            }
        }
        guard check.isValid, let type else { return (nil, check.errors) }
        return (
            HotlineService.Intake(
                channel: channel, appealType: type, urgency: urgency, appellantName: name, phone: phone,
                title: title, content: content, address: address, townshipCode: township,
                latitude: latitude, longitude: longitude), [:]
        )
    }

    /// The county's townships (乡镇), code → name, in code order.
    static func townships(region: String, on db: any Database) async throws -> [(code: String, name: String)] {
        try await Region.query(on: db).filter(\.$parentCode == region).filter(\.$level == 4).sort(\.$id).all()
            .compactMap { region in region.id.map { ($0, region.name) } }
    }
}
