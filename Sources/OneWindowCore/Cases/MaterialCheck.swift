/// The materials an item requires, checked against what the applicant handed in (申请材料 / 一次性告知).
///
/// Every requirement is looked at once, and every missing or wrong material is listed together, so the applicant
/// is told everything on one notice (一次性告知书). 容缺受理: when the item allows it, missing *non-key* materials
/// may be promised for later and the case accepted; a missing key material always blocks acceptance.
public struct MaterialCheck: Sendable, Equatable {
    /// One requirement of the item.
    public struct Requirement: Sendable, Equatable {
        public let id: String
        public let name: String
        public let required: Bool
        /// 关键材料: cannot be promised later.
        public let isKey: Bool
        /// The e-licence type that may stand in for it (a later issue adds the library that fetches it).
        public let licenceType: String?

        public init(id: String, name: String, required: Bool, isKey: Bool, licenceType: String? = nil) {
            self.id = id
            self.name = name
            self.required = required
            self.isKey = isKey
            self.licenceType = licenceType
        }
    }

    /// How a requirement was met at the window.
    public enum Provision: String, CaseIterable, Sendable, Codable {
        /// 纸质原件.
        case original
        /// 复印件.
        case copy
        /// 电子上传 (a scan stored with the case).
        case electronic
        /// 电子证照: a licence identified by its GB/T 36904 identifier stands in for the paper.
        case licence
        /// 容缺: promised for later under 容缺受理.
        case pending
        /// 未提交.
        case missing
        /// 提交了但不符合要求 (the clerk says why).
        case defective

        public var label: String {
            switch self {
            case .original: return "原件"
            case .copy: return "复印件"
            case .electronic: return "电子材料"
            case .licence: return "电子证照"
            case .pending: return "容缺后补"
            case .missing: return "未提交"
            case .defective: return "不符合要求"
            }
        }

        /// The material is in hand (or stands in by licence).
        public var satisfies: Bool { [.original, .copy, .electronic, .licence].contains(self) }
    }

    /// One line of the one-time notice.
    public struct Shortfall: Sendable, Equatable {
        public let requirementID: String
        public let name: String
        public let provision: Provision
        /// Why it is wrong (for `.defective`), or what is needed.
        public let note: String
        public let isKey: Bool

        public init(requirementID: String, name: String, provision: Provision, note: String, isKey: Bool) {
            self.requirementID = requirementID
            self.name = name
            self.provision = provision
            self.note = note
            self.isKey = isKey
        }
    }

    public enum Outcome: Sendable, Equatable {
        /// Everything required is in hand: accept.
        case complete
        /// Only non-key materials are missing and the item allows 容缺受理: accept, with these to follow.
        case acceptWithPendingMaterials([Shortfall])
        /// Not acceptable yet: one-time notice of all of these.
        case incomplete([Shortfall])
    }

    public let outcome: Outcome

    /// - Parameters:
    ///   - provisions: how each requirement (by `id`) was met; a requirement not in it counts as `.missing`.
    ///     `.pending` is read as `.missing` unless the item allows 容缺 and the material is not key.
    ///   - notes: the clerk's note per requirement (why a material is defective).
    ///   - allowsPendingMaterials: the item allows 容缺受理.
    public init(requirements: [Requirement], provisions: [String: Provision], notes: [String: String] = [:], allowsPendingMaterials: Bool) {
        var blocking: [Shortfall] = []
        var pending: [Shortfall] = []
        for requirement in requirements {
            let provision = provisions[requirement.id] ?? .missing
            if provision.satisfies { continue }
            if !requirement.required, provision != .defective { continue }
            let note = notes[requirement.id] ?? ""
            if provision == .pending, allowsPendingMaterials, !requirement.isKey {
                pending.append(
                    Shortfall(requirementID: requirement.id, name: requirement.name, provision: .pending, note: note, isKey: false))
            } else {
                let shown: Provision = provision == .defective ? .defective : .missing
                let why = note.isEmpty && provision == .pending ? (requirement.isKey ? "关键材料不能容缺" : "本事项不适用容缺受理") : note
                blocking.append(
                    Shortfall(requirementID: requirement.id, name: requirement.name, provision: shown, note: why, isKey: requirement.isKey))
            }
        }
        if !blocking.isEmpty {
            outcome = .incomplete(blocking + pending)
        } else if !pending.isEmpty {
            outcome = .acceptWithPendingMaterials(pending)
        } else {
            outcome = .complete
        }
    }

    public var canAccept: Bool {
        if case .incomplete = outcome { return false }
        return true
    }
}
