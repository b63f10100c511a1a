import Fluent
import Foundation
import OneWindowCore
import Vapor

extension CaseAPIController {
    struct CreateRequest: Content {
        struct Material: Content {
            var requirementId: String?
            var provision: String?
            var note: String?
            var licenceId: String?
            var fileId: String?
        }
        var itemCode: String?
        /// `accept` (default), `complete` (即办件 done on the spot), `reject` (不予受理, with `rejectReason`).
        var intent: String?
        var applicantKind: String?
        var idNumber: String?
        var name: String?
        var phone: String?
        var proxyIdNumber: String?
        var proxyName: String?
        var proxyPhone: String?
        var note: String?
        var rejectReason: String?
        var jointDepartments: [String]?
        var materials: [Material]?
    }

    struct NoticeDTO: Content {
        struct Line: Content { let name: String; let problem: String; let note: String }
        let noticeNumber: String
        let lines: [Line]
    }

    struct CreateResponse: Content {
        /// `accepted`, `completed`, `rejected` (a case was registered) or `notice` (一次性告知: nothing accepted).
        let outcome: String
        let `case`: CaseDTO?
        let notice: NoticeDTO?
    }

    /// `POST /api/v1/cases`: 201 with the case, or 200 with the 一次性告知书 when materials are missing.
    func create(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        guard staff.has(.clerk) || staff.has(.admin) else { throw PlatformError.forbidden }
        let body = try req.content.decode(CreateRequest.self)
        guard let (item, requirements) = try await CaseIntake.item(code: body.itemCode, region: req.settings.region.value, on: req.db)
        else {
            throw PlatformError.invalidField(.init(field: "itemCode", message: "没有找到已发布的事项“\(String((body.itemCode ?? "").prefix(40)))”"))
        }
        let intent = body.intent ?? "accept"
        guard ["accept", "complete", "reject"].contains(intent) else {
            throw PlatformError.invalidField(.init(field: "intent", message: "intent 应为 accept、complete 或 reject"))
        }
        var raw = RawApplication(
            applicantKind: body.applicantKind, idNumber: body.idNumber, name: body.name, phone: body.phone,
            proxyIdNumber: body.proxyIdNumber, proxyName: body.proxyName, proxyPhone: body.proxyPhone, note: body.note)
        raw.jointDepartments = body.jointDepartments ?? []
        var usedFiles: Set<UUID> = []
        for (index, entry) in (body.materials ?? []).enumerated() {
            guard let id = entry.requirementId.flatMap(UUID.init(uuidString:)), requirements.contains(where: { $0.id == id }) else {
                throw PlatformError.invalidField(.init(field: "materials[\(index)].requirementId", message: "不是本事项的申请材料"))
            }
            guard raw.materials[id] == nil else {
                throw PlatformError.invalidField(.init(field: "materials[\(index)].requirementId", message: "同一材料只能出现一次"))
            }
            var file: StoredFile?
            if let fileText = entry.fileId {
                guard let fileID = UUID(uuidString: fileText),
                    let found = try await StoredFile.find(fileID, in: req.settings.region.value, on: req.db)
                else { throw PlatformError.invalidField(.init(field: "materials[\(index)].fileId", message: "没有找到该文件，请先上传")) }
                // Checked here for a clear message; the unique index on submitted_materials.file_id settles a race (409).
                guard usedFiles.insert(fileID).inserted,
                    try await SubmittedMaterial.query(on: req.db).filter(\.$file.$id == fileID).count() == 0
                else {
                    throw PlatformError.invalidField(.init(field: "materials[\(index)].fileId", message: "该文件已用于其他办件"))
                }
                file = found
            }
            raw.materials[id] = .init(provision: entry.provision, note: entry.note, licenceID: entry.licenceId, file: file)
        }
        let (validated, errors) = try await CaseIntake.validate(
            raw, item: item, requirements: requirements, on: req.db, region: req.settings.region.value)
        if let (field, message) = errors.sorted(by: { $0.key < $1.key }).first {
            throw PlatformError.invalidField(.init(field: field, message: message))
        }
        guard var application = validated else { throw PlatformError.invalidField(.init(field: "idNumber", message: "申请人信息不完整")) }
        // Files uploaded through /api/v1/files exist already: link them, do not create them again.
        for (id, input) in application.materials where input.file != nil {
            application.materials[id]?.file = nil; application.materials[id]?.existingFileID = input.file?.id
        }
        if intent == "complete", item.caseType != .instant {
            throw PlatformError.invalidField(.init(field: "intent", message: "只有即办件可以当场办结"))
        }
        let service = try await CaseService(req)
        let applicants: (Case) async throws -> CaseDTO = { record in
            try await Self.dto(
                record, applicants: try await CaseWebController.applicants(of: [record], on: req.db), detail: true, now: req.now,
                calendar: service.calendar, zone: service.zone, on: req.db)
        }
        if intent == "reject" {
            var check = FormCheck()
            let reason = check.required(body.rejectReason, field: "rejectReason", label: "不予受理理由", max: 500)
            if let (field, message) = check.errors.first { throw PlatformError.invalidField(.init(field: field, message: message)) }
            let record = try await service.rejectAtWindow(application, reason: reason)
            return try await CreateResponse(outcome: "rejected", case: try await applicants(record), notice: nil).encodeResponse(
                status: .created, for: req)
        }
        switch try await service.intakeAtWindow(application, completeNow: intent == "complete") {
        case .notice(let notice):
            return try await CreateResponse(
                outcome: "notice", case: nil,
                notice: .init(
                    noticeNumber: notice.noticeNumber, lines: notice.lines.map { .init(name: $0.name, problem: $0.problem, note: $0.note) })
            ).encodeResponse(status: .ok, for: req)
        case .accepted(let record):
            return try await CreateResponse(
                outcome: intent == "complete" ? "completed" : "accepted", case: try await applicants(record), notice: nil
            )
            .encodeResponse(status: .created, for: req)
        }
    }

    struct ActionRequest: Content {
        var note: String?
        /// `pause`: `correction` (补正, default) or `specialProcedure` (特殊环节).
        var reason: String?
        /// `decide`: `approve` or `deny`.
        var decision: String?
        /// `deliver`: `window`, `post` or `electronic`.
        var method: String?
        /// `change-limit`: the new promised limit in working days (0.5 steps).
        var limit: Double?
    }

    /// `POST /api/v1/cases/{number}/{action}`: `accept`, `reject`, `take`, `pause`, `resume`, `pass-step`, `decide`,
    /// `complete`, `deliver`, `change-limit`. 409 when the state or the holder does not allow it.
    func act(req: Request) async throws -> Response {
        let record = try await find(req)
        let body = req.body.data == nil || req.body.data?.readableBytes == 0 ? ActionRequest() : try req.content.decode(ActionRequest.self)
        var check = FormCheck()
        let fields = CaseActionInput.Fields(
            note: body.note, reason: body.reason, decision: body.decision, method: body.method,
            limit: body.limit.flatMap(WorkingDays.init(exactly:)))
        guard let (action, details) = CaseActionInput.parse(req.parameters.get("action") ?? "", fields, check: &check) else {
            throw PlatformError.notFound(what: "该操作")
        }
        if let (field, message) = check.errors.sorted(by: { $0.key < $1.key }).first {
            throw PlatformError.invalidField(.init(field: field, message: message))
        }
        let updated = try await CaseService(req).perform(action, on: record.id!, details: details)
        return try await detail(req, updated)
    }

    struct FileDTO: Content {
        let id: String
        let contentType: String
        let size: Int
        let sha256: String
    }

    /// `POST /api/v1/files` (the file's bytes as the body; `X-File-Name` optional): 201 with the id to give as a
    /// material's `fileId`. A body over 50 MB is refused with 413 before it is read (by its `Content-Length`);
    /// anything but PDF, JPEG or PNG by content with 415.
    func upload(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        guard [.clerk, .approver, .admin].contains(where: staff.has) else { throw PlatformError.forbidden }
        let limit = FileStore.uploadLimit
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > limit {
            throw PlatformError.payloadTooLarge(limit: "\(limit >> 20) MB")
        }
        let data: ByteBuffer
        do {
            data = try await req.body.collect(upTo: limit)
        } catch {
            throw PlatformError.payloadTooLarge(limit: "\(limit >> 20) MB")
        }
        let name = req.headers.first(name: "X-File-Name")?.removingPercentEncoding ?? "upload"
        let file = try FileStore.write(
            data, originalName: name, field: "body", region: req.settings.region.value, uploader: req.actor.name,
            settings: req.settings)
        let actor = req.actor
        do {
            try await req.db.writeTransaction { tx in
                try await file.create(on: tx)
                try await Audit.record(
                    on: tx, region: file.regionCode, actor: actor, action: "case.upload", entityType: "stored_file",
                    entityID: file.id?.uuidString, summary: "上传材料 \(file.originalName)（\(file.contentType)，\(file.size) 字节）")
            }
        } catch {
            FileStore.discard([file], settings: req.settings)
            throw error
        }
        return try await FileDTO(id: file.id!.uuidString, contentType: file.contentType, size: file.size, sha256: file.sha256)
            .encodeResponse(status: .created, for: req)
    }
}
