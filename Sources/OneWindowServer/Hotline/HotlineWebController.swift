import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The hotline agent's pages: the list of work orders and the call form (受理), keyboard-first, with the
/// classifier's top-3 categories, the responsible department and the open orders that look like the same appeal.
struct HotlineWebController {
    func register(_ web: any RoutesBuilder) {
        let hotline = web.grouped(RoleGuard(HotlineAccess.hotline))
        hotline.get(.hotline, use: list)
        hotline.get(.newWorkOrder, use: newForm)
        hotline.post(.newWorkOrder, use: create)
    }

    // MARK: List

    struct ListContext: Encodable {
        struct Row: Encodable {
            let id: String
            let number: String
            let received: String
            let channel: String
            let type: String
            let title: String
            let category: String
            let department: String
            let state: String
            let light: String?
            let lightLabel: String?
            let due: String?
        }
        let page: PageChrome
        let rows: [Row]
        let queues: [Queue]
        let states: [SelectOption]
        let query: String
        let imported: Bool
        let total: Int
    }

    /// The agent's to-do queues (待办), each a link with its count.
    struct Queue: Encodable { let key: String; let label: String; let count: Int; let current: Bool }

    enum QueueKey: String, CaseIterable {
        case toDispatch, returned, pendingExtension, toCallBack, toClose, overdue

        var label: String {
            switch self {
            case .toDispatch: return "待派单"
            case .returned: return "已退单待改派"
            case .pendingExtension: return "延期待审批"
            case .toCallBack: return "待回访"
            case .toClose: return "待办结"
            case .overdue: return "答复超期"
            }
        }

        func filter(_ query: QueryBuilder<WorkOrder>, now: Date) -> QueryBuilder<WorkOrder> {
            switch self {
            case .toDispatch: return query.filter(\.$state == .registered)
            case .returned: return query.filter(\.$state == .returned)
            case .pendingExtension: return query.filter(\.$extensionRequestedDays != nil).filter(\.$state ~~ [.dispatched, .handling])
            case .toCallBack: return query.filter(\.$state == .replied).filter(\.$sealedPhone != nil)
            case .toClose:
                return query.group(.or) { or in
                    or.filter(\.$state == .calledBack)
                    or.group(.and) { $0.filter(\.$state == .replied).filter(\.$sealedPhone == nil) }
                }
            case .overdue: return query.filter(\.$state ~~ [.dispatched, .handling]).filter(\.$replyDueAt < now)
            }
        }
    }

    func list(req: Request) async throws -> View {
        let region = req.settings.region.value
        let queue = (try? req.query.get(String.self, at: "queue")).flatMap(QueueKey.init(rawValue:))
        let stateFilter = (try? req.query.get(String.self, at: "state")).flatMap(WorkOrderState.init(rawValue:))
        // `%` and `_` are LIKE wildcards: they are dropped, so a search finds what was typed, not everything.
        let search = String(
            TextNormalization.trimmed((try? req.query.get(String.self, at: "q")) ?? "").filter { $0 != "%" && $0 != "_" }.prefix(60))
        // Imported history (message-board data) is kept out of the live list unless asked for.
        let imported = (try? req.query.get(String.self, at: "imported")) == "1"
        var query = WorkOrder.scoped(on: req.db, to: region)
        query = imported ? query.filter(\.$sourceRef != nil) : query.filter(\.$sourceRef == nil)
        if let stateFilter { query = query.filter(\.$state == stateFilter) }
        if let queue { query = queue.filter(query, now: req.now) }
        if !search.isEmpty {
            if let number = WorkOrderNumber(parsing: search) {
                query = query.filter(\.$number == number.description)
            } else if let phone = try? MobileNumber(search, field: "q") {
                // Addresses and phones are sealed (FieldCipher): a phone is found whole, through its keyed hash.
                query = query.filterSealed("phone", hash: "phone_hash", equals: phone.value)
            } else {
                query = query.filter(\.$title ~~ search)
            }
        }
        let total = try await query.count()
        let orders = try await query.sort(\.$receivedAt, .descending).limit(100).all()
        let rows = try await HotlinePresentation(req).rows(orders)
        var queues: [Queue] = []
        for key in QueueKey.allCases {
            let count = try await key.filter(
                WorkOrder.scoped(on: req.db, to: region).filter(\.$sourceRef == nil), now: req.now
            ).count()
            queues.append(Queue(key: key.rawValue, label: key.label, count: count, current: key == queue))
        }
        return try await req.view.render(
            "hotline/index",
            ListContext(
                page: PageChrome(request: req, title: "12345 工单"),
                rows: rows, queues: queues,
                states: WorkOrderState.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == stateFilter) },
                query: search, imported: imported, total: total))
    }

    // MARK: The call form

    struct FormContext: Encodable {
        struct Suggestion: Encodable { let id: String; let label: String; let percent: String; let department: String; let checked: Bool }
        struct Duplicate: Encodable {
            let id: String; let number: String; let title: String; let received: String; let state: String; let similarity: String
        }
        let page: PageChrome
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        let types: [SelectOption]
        let urgencies: [SelectOption]
        let townships: [SelectOption]
        let channels: [SelectOption]
        let suggestions: [Suggestion]
        let suggested: String
        let categories: [SelectOption]
        let departments: [SelectOption]
        let helpers: [SelectOption]
        let duplicates: [Duplicate]
        let classified: Bool
    }

    func newForm(req: Request) async throws -> View {
        try await render(
            req,
            values: [
                "channel": HotlineChannel.phone.rawValue, "appealType": AppealType.complaint.rawValue,
                "intakeKey": UUID().uuidString,
            ], errors: [:], classify: false)
    }

    /// `action=classify` shows the suggestions and duplicates; `action=save` registers and dispatches (or merges, or
    /// records the agent's own answer to a 咨询).
    func create(req: Request) async throws -> Response {
        let form = try req.formFields()
        let region = req.settings.region.value
        let townships = Dictionary(
            try await HotlineIntakeForm.townships(region: region, on: req.db).map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let channel = form["channel"].flatMap(HotlineChannel.init(rawValue:))
        var (intake, errors) = HotlineIntakeForm.read({ form[$0] }, channel: channel ?? .phone, requirePhone: false, townships: townships)
        if channel == nil {
            errors["channel"] = "请选择来源渠道"
            intake = nil
        }
        var values = (HotlineIntakeForm.fields + ["channel", "category", "lead", "mergeInto", "answer", "suggested"]).reduce(
            into: [String: String]()
        ) { $0[$1] = form[$1] }
        values["helpers"] = (form.list("helpers") + form.list("helpers[]")).joined(separator: ",")
        values["intakeKey"] = form["intakeKey"].flatMap(UUID.init(uuidString:))?.uuidString ?? UUID().uuidString
        guard var intake, form["action"] == "save" else {
            return try await render(req, values: values, errors: errors, classify: errors.isEmpty).encodeResponse(
                status: errors.isEmpty ? .ok : .badRequest, for: req)
        }
        intake.suggested = String((form["suggested"] ?? "").prefix(400))
        intake.intakeKey = values["intakeKey"]
        let service = try await HotlineService(req)
        let tree = try await HotlineCategoryTree.load(region: region, on: req.db)
        var check = FormCheck()
        let mergeInto = TextNormalization.normalizedOrNil(form["mergeInto"])
        let answer = TextNormalization.trimmedOrNil(form["answer"])
        let category = check.uuid(
            TextNormalization.normalizedOrNil(form["categoryOther"]) ?? form["category"], field: "category", label: "分类",
            required: mergeInto == nil && answer == nil)
        if let category, tree.nodes[category] == nil { check.fail("category", "请选择分类") }
        intake.categoryID = category
        // 主办单位 left on “按分类” is the chosen category's department.
        var lead = check.uuid(form["lead"], field: "lead", label: "主办单位", required: false)
        if lead == nil, mergeInto == nil, answer == nil, let category {
            lead = tree.department(of: category)
            if lead == nil { check.fail("lead", "该分类未设置承办单位，请选择主办单位") }
        } else if lead == nil, mergeInto == nil, answer == nil, category != nil || check.errors["category"] == nil {
            check.fail("lead", "请选择主办单位")
        }
        let helpers = (form.list("helpers") + form.list("helpers[]")).compactMap(UUID.init(uuidString:))
        var master: WorkOrder?
        if let mergeInto {
            guard let id = UUID(uuidString: mergeInto), let found = try await WorkOrder.find(id, in: region, on: req.db)
            else {
                check.fail("mergeInto", "要并入的工单不存在")
                return try await render(req, values: values, errors: check.errors, classify: true).encodeResponse(
                    status: .badRequest, for: req)
            }
            master = found
        }
        guard check.isValid else {
            errors.merge(check.errors) { a, _ in a }
            return try await render(req, values: values, errors: errors, classify: true).encodeResponse(status: .badRequest, for: req)
        }
        let order: WorkOrder
        do {
            if let master {
                order = try await service.register(intake, then: .merge(into: master.requireID()))
            } else if let answer {
                order = try await service.register(intake, then: .answer(answer))
            } else {
                order = try await service.register(intake, then: .dispatch(.init(lead: lead!, helpers: helpers, categoryID: category)))
            }
        } catch let error as PlatformError {
            if case .invalidField(let field) = error {
                return try await render(req, values: values, errors: [field.field: field.message], classify: true).encodeResponse(
                    status: .badRequest, for: req)
            }
            throw error
        } catch let error as HotlineError {
            // A refused merge or answer: the form comes back with everything typed.
            let field = master != nil ? "mergeInto" : (answer != nil ? "answer" : "lead")
            return try await render(req, values: values, errors: [field: error.reason], classify: true).encodeResponse(
                status: error.status, for: req)
        }
        let notice = master != nil ? "registeredMerged" : (answer != nil ? "registeredAnswered" : "registeredDispatched")
        return req.redirect(to: SiteRoute.hotlineOrder.path(order.id?.uuidString ?? "", query: ["notice": notice]))
    }

    private func render(_ req: Request, values: [String: String], errors: [String: String], classify: Bool) async throws -> View {
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let tree = try await HotlineCategoryTree.load(region: region, on: req.db)
        let departments = try await Department.scoped(on: req.db, to: region).filter(\.$active == true).sort(\.$code)
            .all()
        var suggestions: [FormContext.Suggestion] = []
        var duplicates: [FormContext.Duplicate] = []
        var values = values
        if classify {
            let text = (values["title"] ?? "") + " " + (values["content"] ?? "")
            let found = try await req.application.hotlineDispatchModel.suggest(text, region: region, tree: tree, on: req.db)
            if values["category"] == nil || values["category"] == "", let top = found.first {
                values["category"] = top.categoryID.uuidString
            }
            values["suggested"] = found.map { "\($0.categoryID.uuidString)|\(String(format: "%.3f", $0.score))" }.joined(separator: ",")
            let names = Dictionary(departments.compactMap { d in d.id.map { ($0, d.shortName) } }, uniquingKeysWith: { a, _ in a })
            suggestions = found.map {
                .init(
                    id: $0.categoryID.uuidString, label: $0.label, percent: String(format: "%.0f%%", $0.score * 100),
                    department: $0.departmentID.flatMap { names[$0] } ?? "未设置", checked: values["category"] == $0.categoryID.uuidString)
            }
            duplicates = try await HotlineQueries.similarOpenOrders(
                text: text, address: values["address"], township: values["township"], region: region,
                now: req.now, on: req.db
            )
            .map {
                .init(
                    id: $0.order.id?.uuidString ?? "", number: $0.order.number, title: $0.order.title,
                    received: LocalTime.format($0.order.receivedAt, in: zone), state: $0.order.state.label,
                    similarity: String(format: "%.0f%%", $0.similarity * 100))
            }
        }
        let helperSet = Set((values["helpers"] ?? "").split(separator: ",").map(String.init))
        let townships = try await HotlineIntakeForm.townships(region: region, on: req.db)
        return try await req.view.render(
            "hotline/new",
            FormContext(
                page: PageChrome(request: req, title: "12345 受理"),
                values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value),
                types: AppealType.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: values["appealType"] == $0.rawValue)
                },
                urgencies: Urgency.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: (values["urgency"] ?? "normal") == $0.rawValue)
                },
                townships: townships.map { SelectOption(value: $0.code, label: $0.name, selected: values["township"] == $0.code) },
                channels: HotlineChannel.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: (values["channel"] ?? "phone") == $0.rawValue)
                },
                suggestions: suggestions, suggested: values["suggested"] ?? "",
                categories: tree.ordered.map {
                    SelectOption(
                        value: $0.id.uuidString, label: String(repeating: "　", count: $0.level - 1) + $0.name,
                        selected: values["categoryOther"] == $0.id.uuidString
                            || (suggestions.isEmpty && values["category"] == $0.id.uuidString))
                },
                departments: departments.map {
                    SelectOption(value: $0.id?.uuidString ?? "", label: $0.shortName, selected: values["lead"] == $0.id?.uuidString)
                },
                helpers: departments.map {
                    SelectOption(value: $0.id?.uuidString ?? "", label: $0.shortName, selected: helperSet.contains($0.id?.uuidString ?? ""))
                },
                duplicates: duplicates, classified: classify))
    }
}
