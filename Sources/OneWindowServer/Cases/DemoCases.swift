import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Demo cases of the model county in March and November 2025, made through the same `CaseService` as the window,
/// so the case pages, lists and figures have something true to show. Figures over 2025 (all departments):
/// 8 completed, 7 on time (按时办结率 87.5 %); one 承诺件 went through 补正; one waits in its department's queue, past its deadline; one online
/// application waits for pre-review.
enum DemoCases {
    struct Step {
        let at: String
        let action: CaseAction
        var note: String? = nil
    }

    struct Script {
        let itemCode: String
        let applicantNumber: String
        let applicantName: String
        let phone: String
        let acceptedAt: String
        let online: Bool
        let steps: [Step]
    }

    /// Valid fictitious identity numbers (GB 11643 check characters).
    static let scripts: [Script] = [
        .init(
            itemCode: "421223RSJ0001", applicantNumber: "421223199001011234", applicantName: "刘小芳", phone: "13871500001",
            acceptedAt: "2025-03-03 10:00",
            online: false, steps: [.init(at: "2025-03-03 10:12", action: .complete)]),
        .init(
            itemCode: "421223YBJ0001", applicantNumber: "421223195503120010", applicantName: "陈国强", phone: "13871500002",
            acceptedAt: "2025-03-04 09:30",
            online: false, steps: [.init(at: "2025-03-04 09:41", action: .complete)]),
        .init(
            itemCode: "421223SWJ0001", applicantNumber: "91421223MA4F0ABC3N", applicantName: "崇阳县青山商贸有限公司", phone: "13871500003",
            acceptedAt: "2025-03-05 14:00", online: false, steps: [.init(at: "2025-03-05 14:09", action: .complete)]),
        .init(
            itemCode: "421223SCJG0002", applicantNumber: "421223198807150028", applicantName: "王丽", phone: "13871500004",
            acceptedAt: "2025-03-06 11:00",
            online: false, steps: [.init(at: "2025-03-06 11:25", action: .complete)]),
        .init(
            itemCode: "421223JTYS0001", applicantNumber: "91421223MA4F0ABD1H", applicantName: "崇阳县通达物流有限公司", phone: "13871500005",
            acceptedAt: "2025-03-03 15:00", online: false,
            steps: [
                .init(at: "2025-03-04 09:00", action: .take), .init(at: "2025-03-06 16:00", action: .decide(.approve)),
                .init(at: "2025-03-07 10:00", action: .complete), .init(at: "2025-03-07 15:00", action: .deliver(.window)),
            ]),
        .init(
            itemCode: "421223YJGL0001", applicantNumber: "91421223MA4F0ABE0F", applicantName: "崇阳县安平化工经营部", phone: "13871500006",
            acceptedAt: "2025-03-10 10:00", online: false,
            steps: [
                .init(at: "2025-03-10 14:00", action: .take), .init(at: "2025-03-12 09:00", action: .decide(.approve)),
                .init(at: "2025-03-12 10:00", action: .complete), .init(at: "2025-03-12 10:30", action: .deliver(.electronic)),
            ]),
        .init(
            itemCode: "421223ZRZY0001", applicantNumber: "421223197912300038", applicantName: "张志明", phone: "13871500007",
            acceptedAt: "2025-03-11 09:00",
            online: false,
            steps: [
                .init(at: "2025-03-11 10:00", action: .take),
                .init(at: "2025-03-12 09:00", action: .pause(.correction), note: "补充购房合同原件第 3 页（签字页）"),
                .init(at: "2025-03-14 09:00", action: .resume), .init(at: "2025-03-14 11:00", action: .decide(.approve)),
                .init(at: "2025-03-14 15:00", action: .complete), .init(at: "2025-03-14 16:00", action: .deliver(.window)),
            ]),
        .init(
            itemCode: "421223RSJ0002", applicantNumber: "421223197005210047", applicantName: "李秀英", phone: "13871500008",
            acceptedAt: "2025-03-03 11:00",
            online: false,
            steps: [
                .init(at: "2025-03-04 09:00", action: .take), .init(at: "2025-03-19 17:00", action: .decide(.approve)),
                .init(at: "2025-03-20 09:00", action: .complete),
            ]),
        .init(
            itemCode: "421223MZJ0001", applicantNumber: "421223194808080051", applicantName: "何德顺", phone: "13871500009",
            acceptedAt: "2025-11-03 10:00",
            online: false, steps: []),
        .init(
            itemCode: "421223SCJG0001", applicantNumber: "42122319921212006X", applicantName: "周敏", phone: "13871500010",
            acceptedAt: "2025-11-05 20:30",
            online: true, steps: []),
    ]

    /// Loads the demo cases unless the region has cases already.
    /// - Returns: how many cases were made (0 when there were some already).
    static func load(_ app: Application) async throws -> Int {
        let region = app.settings.region.value
        guard try await Case.scoped(on: app.db, to: region).count() == 0 else { return 0 }
        let zone = app.settings.timeZone
        let calendar = try await app.calendarCache.calendar(on: app.db)
        let demoStaff = Staff()
        demoStaff.username = "demo"
        demoStaff.displayName = "演示数据"
        demoStaff.roles = [.admin]
        func instant(_ text: String) throws -> Date {
            let parts = text.split(separator: " ")
            guard parts.count == 2, let date = LocalDate(iso: String(parts[0])) else { throw PlatformError.conflict("演示时间格式错误：\(text)") }
            let hm = parts[1].split(separator: ":").compactMap { Int($0) }
            return date.instant(hour: hm[0], minute: hm[1], in: zone)
        }
        func service(at text: String) throws -> CaseService {
            CaseService(
                ServiceContext(
                    db: app.db, calendar: calendar, zone: zone, region: region, actor: Actor(id: nil, name: "演示数据", ip: nil),
                    now: try instant(text), hooks: app.hooks, publicURL: app.settings.publicURL), staff: demoStaff)
        }
        for script in scripts {
            guard let (item, requirements) = try await CaseIntake.item(code: script.itemCode, region: region, on: app.db) else { continue }
            // A credit code starts with its registering authority's code (9 = 工商/市场监管); an ID number with a region digit 1–8.
            let kind: ApplicantIdentity.Kind = script.applicantNumber.first == "9" ? .organisation : .person
            var raw = RawApplication(
                applicantKind: kind.rawValue, idNumber: script.applicantNumber, name: script.applicantName, phone: script.phone)
            for requirement in requirements {
                raw.materials[requirement.id!] = .init(provision: requirement.form == .copy ? "copy" : "original")
            }
            let (application, errors) = try await CaseIntake.validate(
                raw, item: item, requirements: requirements, on: app.db, region: region)
            guard let application else { throw PlatformError.conflict("演示数据无效：\(errors)") }
            let record: Case
            if script.online {
                record = try await service(at: script.acceptedAt).submitOnline(application)
            } else {
                guard case .accepted(let accepted) = try await service(at: script.acceptedAt).intakeAtWindow(application) else { continue }
                record = accepted
            }
            for step in script.steps {
                try await service(at: step.at).perform(step.action, on: record.id!, details: .init(note: step.note))
            }
        }
        return scripts.count
    }
}

/// `onewindow demo-cases` — loads the demo cases (once).
struct DemoCasesCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Loads demo cases of 2025 (once) so the case pages and figures have data." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await prepareDatabase(context.application)
        let made = try await DemoCases.load(context.application)
        context.console.print(made == 0 ? "本县已有办件，未载入演示数据。" : "已载入演示办件 \(made) 件。")
    }
}
