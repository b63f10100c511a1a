import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The simulation's setup: the region's reference data read once before the year (published items, staff by role, the
/// hall with the most 综合窗口, its ticket categories, the 12345 categories that have a department) and the generated
/// applicants.
extension Simulator {
    // MARK: Reference data

    /// A published item with a 办件类型, as the day's cases need it: promised and statutory limits in working days.
    struct ItemRef {
        let id: UUID, code: String, name: String, departmentID: UUID?, departmentName: String, category: ItemCategory?
        let caseType: CaseType, promised: WorkingDays, statutory: WorkingDays?
    }

    /// An applicant: the stored record's id, an 18-character 身份证号, a name, an 11-digit mobile.
    /// The stored forms are sealed once per person (`FieldCipher`), with the keyed hashes the look-ups use.
    struct Person {
        let id: UUID; let idNumber: String; let name: String; let phone: String
        let sealedIDNumber: String; let sealedName: String; let sealedPhone: String; let idNumberHash: String; let phoneHash: String

        init(id: UUID, idNumber: String, name: String, phone: String) {
            let cipher = FieldCiphers.current
            (self.id, self.idNumber, self.name, self.phone) = (id, idNumber, name, phone)
            (sealedIDNumber, sealedName, sealedPhone) = (cipher.seal(idNumber), cipher.seal(name), cipher.seal(phone))
            (idNumberHash, phoneHash) = (cipher.hash(idNumber), cipher.hash(phone))
        }
    }
    /// A staff member who acts in the records (`id` nil and username `system` when the region has nobody in the role).
    struct StaffRef { let id: UUID?; let username: String; let name: String }
    /// A second-level 12345 category with its department and its own reply limit (working days) if any.
    struct Category {
        let id: UUID; let name: String; let path: String; let departmentID: UUID; let departmentName: String; let replyLimit: Int?
    }

    /// Everything a day is generated from, read once: items by kind (即办 and 承诺 approvals, 即办 public services),
    /// applicants, staff by role (approvers and handlers by department), the hall and its 综合窗口 and ticket categories.
    struct Setup {
        var approvalInstant: [ItemRef] = [], approvalPromised: [ItemRef] = [], service: [ItemRef] = []
        var allItems: [ItemRef] = []
        var people: [Person] = []
        var clerks: [StaffRef] = [], approvers: [UUID: [StaffRef]] = [:], helpers: [StaffRef] = [], agents: [StaffRef] = []
        var hall: Hall!
        var windows: [Window] = []
        var ticketCategories: [TicketCategory] = []
        var hotlineCategories: [Category] = []
    }

    // MARK: Setup

    /// Reads the region's reference data and generates the applicants (from `g`).
    /// - Throws: `SimulationError.missing` naming what the region lacks.
    func loadSetup(using g: inout SeededGenerator) async throws -> Setup {
        var setup = Setup()
        let items = try await ServiceItem.query(on: db).filter(\.$regionCode == region).filter(\.$status == .published).sort(\.$itemCode)
            .all()
        for item in items {
            guard let caseType = item.caseType else { continue }
            let ref = ItemRef(
                id: item.id!, code: item.itemCode, name: CaseWebController.displayName(item), departmentID: item.$department.id,
                departmentName: item.departmentName ?? "—", category: item.category, caseType: caseType,
                promised: item.promised ?? WorkingDays(0), statutory: item.statutory)
            setup.allItems.append(ref)
            if item.category == .publicService {
                if caseType == .instant { setup.service.append(ref) }
            } else if caseType == .instant {
                setup.approvalInstant.append(ref)
            } else if ref.promised.halfDays >= 2 {
                setup.approvalPromised.append(ref)
            }
        }
        for (list, what) in [
            (setup.approvalInstant, "即办的审批事项"), (setup.approvalPromised, "承诺时限至少 1 个工作日的审批事项"), (setup.service, "即办的公共服务事项"),
        ]
        where list.isEmpty {
            throw SimulationError.missing("事项目录中没有\(what)，无法模拟；请先发布事项")
        }
        let staff = try await Staff.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$username).all()
        func refs(_ role: Role) -> [StaffRef] {
            staff.filter { $0.has(role) }.map { StaffRef(id: $0.id, username: $0.username, name: $0.displayName) }
        }
        setup.clerks = refs(.clerk)
        setup.helpers = refs(.helper)
        setup.agents = refs(.hotlineAgent)
        for member in staff where member.has(.approver) || member.has(.handler) {
            guard let department = member.$department.id else { continue }
            setup.approvers[department, default: []].append(StaffRef(id: member.id, username: member.username, name: member.displayName))
        }
        let fallback = StaffRef(id: nil, username: "system", name: "综合窗口")
        if setup.clerks.isEmpty { setup.clerks = [fallback] }
        if setup.helpers.isEmpty { setup.helpers = [StaffRef(id: nil, username: "system", name: "帮办员")] }
        if setup.agents.isEmpty { setup.agents = [StaffRef(id: nil, username: "system", name: "话务员")] }

        let halls = try await Hall.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$code).all()
        let windows = try await Window.query(on: db).filter(\.$regionCode == region).filter(\.$active == true).filter(
            \.$kind == .comprehensive
        )
        .sort(\.$number).all()
        guard
            let hall = halls.max(by: { a, b in windows.filter { $0.$hall.id == a.id }.count < windows.filter { $0.$hall.id == b.id }.count }
            ),
            windows.contains(where: { $0.$hall.id == hall.id })
        else {
            throw SimulationError.missing("没有设有综合窗口的大厅，无法模拟")
        }
        setup.hall = hall
        setup.windows = windows.filter { $0.$hall.id == hall.id }
        setup.ticketCategories = try await TicketCategory.query(on: db).filter(\.$hall.$id == hall.id!).filter(\.$active == true)
            .sort(\.$position).all()
        guard !setup.ticketCategories.isEmpty else { throw SimulationError.missing("大厅“\(hall.name)”没有取号类别，无法模拟") }

        let departments = try await Department.query(on: db).filter(\.$regionCode == region).all()
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id!, $0.name) })
        setup.hotlineCategories = try await HotlineCategory.query(on: db).filter(\.$regionCode == region).filter(\.$level == 2).sort(
            \.$code
        ).all()
            .compactMap { category in
                guard let department = category.$department.id, let name = names[department] else { return nil }
                return Category(
                    id: category.id!, name: category.name, path: category.path, departmentID: department, departmentName: name,
                    replyLimit: category.replyLimitDays)
            }
        guard !setup.hotlineCategories.isEmpty else { throw SimulationError.missing("12345 诉求分类没有对应承办单位，无法模拟") }

        // The applicants: valid 身份证号 of the county (GB 11643 check character), names, mobiles.
        var ids = IDSequence(year: profile.year, day: 0)
        let count = min(60_000, max(200, profile.caseCount / 6))
        var seen = Set<String>()
        while setup.people.count < count {
            let birth = LocalDate(dayNumber: LocalDate(year: 1945, month: 1, day: 1)!.dayNumber + g.nextIndex(below: 60 * 365))
            let first17 =
                String(region.prefix(6)) + String(format: "%04d%02d%02d%03d", birth.year, birth.month, birth.day, g.nextIndex(below: 1000))
            let idNumber = first17 + String(ResidentID.checkCharacter(of: first17))
            guard seen.insert(idNumber).inserted else { continue }
            let name =
                Self.surnames[g.nextIndex(below: Self.surnames.count)] + Self.givenNames[g.nextIndex(below: Self.givenNames.count)]
                + (g.nextIndex(below: 2) == 0 ? Self.givenNames[g.nextIndex(below: Self.givenNames.count)] : "")
            setup.people.append(Person(id: ids.make(&g), idNumber: idNumber, name: name, phone: mobile(&g)))
        }
        return setup
    }

    /// Stores the applicants (an existing record of the same 身份证号 is kept and used).
    func storePeople(_ setup: inout Setup, on tx: any Database) async throws -> Int {
        let now = Date(timeIntervalSince1970: Double(profile.year - 1970) * 365.25 * 86_400)
        let people = setup.people
        let region = self.region
        do {
            let sql = tx as! any SQLDatabase
            for start in stride(from: 0, to: people.count, by: 2_000) {
                var insert = sql.insert(into: SimulatedTable.applicants.name).columns(SimulatedTable.applicants.columns)
                for person in people[start..<min(start + 2_000, people.count)] {
                    insert = insert.values(
                        SQLBind(person.id), SQLBind(region), SQLBind(ApplicantIdentity.Kind.person.rawValue),
                        SQLBind(person.sealedIDNumber), SQLBind(person.idNumberHash), SQLBind(person.sealedName),
                        SQLBind(person.sealedPhone),
                        SQLBind(now), SQLBind(now))
                }
                try await insert.ignoringConflicts(with: ["region_code", "id_number_hash"]).run()
            }
        }
        let stored = try await Applicant.query(on: tx).filter(\.$regionCode == region).all()
        let ids = Dictionary(stored.map { ($0.idNumber, $0.id!) }, uniquingKeysWith: { first, _ in first })
        setup.people = people.map { Person(id: ids[$0.idNumber] ?? $0.id, idNumber: $0.idNumber, name: $0.name, phone: $0.phone) }
        return people.count
    }

    /// Common surnames and given-name characters for generated names (applicants, appellants).
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(
        String.init)
    static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌波宇浩凯健俊帆晨阳雪梅琳慧颖婷欣悦诚新荣").map(String.init)
}
