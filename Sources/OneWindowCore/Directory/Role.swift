/// A staff role (GLOSSARY.md, Roles). A person may hold several.
public enum Role: String, CaseIterable, Sendable, Codable {
    case citizen
    case clerk
    case approver
    case helper
    case hotlineAgent
    case handler
    case supervisor
    case director
    case admin

    /// 综窗受理, 部门审批 …
    public var label: String {
        switch self {
        case .citizen: return "群众"
        case .clerk: return "综窗受理"
        case .approver: return "部门审批"
        case .helper: return "帮办员"
        case .hotlineAgent: return "话务员"
        case .handler: return "承办单位"
        case .supervisor: return "督查/监管"
        case .director: return "局长"
        case .admin: return "中心管理员"
        }
    }
}

/// 窗口类型: 综合窗口, 专业窗口, 局长帮办专区.
public enum WindowKind: String, CaseIterable, Sendable, Codable {
    case comprehensive
    case specialist
    case directorDesk

    public var label: String {
        switch self {
        case .comprehensive: return "综合窗口"
        case .specialist: return "专业窗口"
        case .directorDesk: return "局长帮办专区"
        }
    }
}

/// 大厅层级: a county centre, a town (镇/乡) centre, a village (村) station.
public enum HallLevel: String, CaseIterable, Sendable, Codable {
    case county
    case township
    case village

    public var label: String {
        switch self {
        case .county: return "县级政务服务中心"
        case .township: return "乡镇便民服务中心"
        case .village: return "村级便民服务站"
        }
    }
}
