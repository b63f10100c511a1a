/// How the public guide reads what a citizen types: words separated by spaces must all match; each word also
/// matches the formal terms the catalogue uses for it (people say 社保, the catalogue says 社会保险 / 参保).
public enum GuideSearch {
    /// Everyday words and the catalogue's terms for them. Matching is by substring, so a formal term that
    /// contains the word (医保 ⊂ 医保局) needs no entry.
    public static let synonyms: [String: [String]] = [
        "社保": ["社会保险", "参保", "养老保险", "失业保险", "工伤保险"],
        "医保": ["医疗保障", "医疗保险", "就医"],
        "营业执照": ["设立登记", "市场主体登记", "个体工商户"],
        "开公司": ["企业设立", "公司设立"],
        "办执照": ["设立登记"],
        "公积金": ["住房公积金"],
        "身份证": ["居民身份证", "身份证件"],
        "驾照": ["驾驶证", "机动车驾驶"],
        "驾驶证": ["机动车驾驶"],
        "房产证": ["不动产权", "不动产登记"],
        "过户": ["转移登记"],
        "低保": ["最低生活保障"],
        "残疾证": ["残疾人证"],
        "失业": ["就业失业登记", "失业登记"],
        "发票": ["票种核定"],
        "货运": ["货物运输", "道路运输"],
        "营运证": ["货物运输经营许可", "旅客运输经营许可", "道路运输证"],
        "道路运输": ["道路货物运输", "道路旅客运输", "道路普通货物运输"],
    ]

    /// The search: a list of terms, each a list of alternatives (the word itself first), all NFKC-normalised
    /// and upper-cased like the stored search text. At most 5 terms are kept.
    /// `"不动产 登记"` → `[["不动产"], ["登记"]]`; `"社保"` → `[["社保", "社会保险", "参保", …]]`.
    public static func terms(_ text: String) -> [[String]] {
        let words = TextNormalization.normalize(text).uppercased()
            .split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "，" || $0 == "、" })
            .map(String.init)
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }.prefix(5).map { word in
            [word] + (synonyms[word] ?? []).map { TextNormalization.normalize($0).uppercased() }
        }
    }
}
