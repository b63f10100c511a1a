import Foundation
import OneWindowCore
import Testing

@Suite("12345 hotline text: normalisation, n-grams, the category classifier, duplicates and hot topics")
struct HotlineTextTests {
    @Test("Normalisation: NFKC, lower case, every white-space run (\\n\\t\\t, U+3000) becomes one space, ends trimmed")
    func normalisation() {
        #expect(TextFeatures.normalize("\n\t\t路灯　不亮ＡＢＣ１２３\n\t\t，请  修\n") == "路灯 不亮abc123 ,请 修")
        #expect(TextFeatures.normalize(" \u{FEFF}\n\t ") == "")
    }

    @Test("N-grams: smallest size first, text order, repeats kept; punctuation and spaces end a run")
    func ngrams() {
        #expect(TextFeatures.ngrams("路灯不亮!", sizes: 1...2) == ["路", "灯", "不", "亮", "路灯", "灯不", "不亮"])
        #expect(TextFeatures.ngrams("路灯，不亮 ＯＫ") == ["路", "灯", "不", "亮", "o", "k", "路灯", "不亮", "ok"])
        #expect(TextFeatures.ngrams("A2区", sizes: 3...3) == ["a2区"])
        #expect(TextFeatures.ngrams("，。!") == [])
    }

    @Test("The seeded generator is SplitMix64: fixed output for a seed, so shuffles and folds are reproducible")
    func seededGenerator() {
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var first = Array(0..<10)
        var second = Array(0..<10)
        a.shuffle(&first)
        b.shuffle(&second)
        #expect(first == second)
        #expect(first == [8, 3, 6, 5, 4, 0, 9, 2, 1, 7])
    }

    static let tiny: [LabelledText] = [
        LabelledText(text: "小区路灯不亮，请维修路灯", label: "城乡建设"),
        LabelledText(text: "路灯坏了很久没人修", label: "城乡建设"),
        LabelledText(text: "小区门口道路破损，路灯也不亮", label: "城乡建设"),
        LabelledText(text: "社保卡补办要跑几次", label: "劳动和社会保障"),
        LabelledText(text: "养老保险和社保转移怎么办理", label: "劳动和社会保障"),
        LabelledText(text: "单位不给缴社保", label: "劳动和社会保障"),
        LabelledText(text: "学校乱收补课费", label: "教育文体"),
        LabelledText(text: "学校强制学生补课", label: "教育文体"),
        LabelledText(text: "孩子上学难，学校太远", label: "教育文体"),
    ]

    @Test("Classifier on a tiny set: the right label first, all labels ranked, identical models from identical input")
    func tinyClassifier() {
        let classifier = TextClassifier.train(Self.tiny)
        #expect(classifier.labels == ["劳动和社会保障", "城乡建设", "教育文体"])
        #expect(classifier.suggest("我家楼下的路灯不亮了").map(\.label) == ["城乡建设", "劳动和社会保障", "教育文体"])
        #expect(classifier.suggest("社保怎么转移", limit: 1).map(\.label) == ["劳动和社会保障"])
        #expect(classifier.suggest("学校补课收费", limit: 2).map(\.label) == ["教育文体", "劳动和社会保障"])
        #expect(classifier.suggest("学校补课收费", limit: 0) == [])
        let scores = classifier.scores("路灯")
        #expect(scores.map(\.label) == ["城乡建设", "劳动和社会保障", "教育文体"])
        #expect(scores.map { ($0.score * 1000).rounded() / 1000 } == [0.971, 0.015, 0.014])
        #expect(TextClassifier.train(Self.tiny).scores("路灯") == scores)
        #expect(TextClassifier.train([]).suggest("路灯") == [])
    }

    @Test("Similarity: two near-identical street-light complaints are close, an unrelated text is far (cosine of bigram counts)")
    func similarity() {
        let a = TextFingerprint("XX路路灯不亮已经一周了，晚上出行很不安全，请尽快维修")
        let b = TextFingerprint("XX路的路灯不亮已经一个星期了，晚上出行很不安全，请尽快维修！")
        let c = TextFingerprint("小区烧烤店晚上噪音很大，请尽快处理")
        func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        #expect(rounded(TextFingerprint.similarity(a, b)) == 0.81)
        #expect(rounded(TextFingerprint.similarity(a, c)) == 0.171)
        #expect(TextFingerprint.similarity(a, a) == 1)
        #expect(TextFingerprint.similarity(a, b) == TextFingerprint.similarity(b, a))
        #expect(TextFingerprint.similarity(a, TextFingerprint("，。")) == 0)
    }

    @Test("Hot topics: near-duplicates group together, topics sorted by size then first appearance")
    func hotTopics() {
        let items: [(id: String, text: String)] = [
            ("1", "XX路路灯不亮已经一周了，晚上出行很不安全，请尽快维修"),
            ("2", "单位一直不给我缴纳社保，应该向哪个部门反映？"),
            ("3", "XX路的路灯不亮已经一个星期了，晚上很不安全，请尽快维修路灯"),
            ("4", "幸福小区楼下烧烤店油烟扰民，晚上噪音很大"),
            ("5", "投诉幸福小区楼下烧烤店油烟扰民"),
            ("6", "XX路路灯不亮，请维修"),
            ("7", "公司不给缴纳社保怎么办"),
        ]
        let topics = HotTopics.cluster(items, threshold: 0.3)
        #expect(topics.map(\.memberIDs) == [["1", "3", "6"], ["4", "5"], ["2"], ["7"]])
        #expect(topics.map(\.count) == [3, 2, 1, 1])
        #expect(topics.first?.representativeID == "1")
        #expect(topics.first?.keywords == ["xx路", "灯不亮", "路灯不", "维修", "x路路"])
        #expect(topics.last?.keywords == [])
        #expect(HotTopics.cluster(items, threshold: 1.01).map(\.memberIDs) == items.map { [$0.id] })
        #expect(HotTopics.cluster([], threshold: 0.3) == [])
    }

    @Test("Stratified folds: every fold gets its share of every label; sizes differ by at most one")
    func folds() {
        let labels = ["a", "a", "a", "b", "b", "c", "a", "b", "c", "c", "a"]
        let assignment = CrossValidation.foldAssignment(labels, folds: 3, seed: 7)
        #expect(assignment == [0, 1, 2, 0, 1, 0, 0, 2, 1, 2, 1])
        let sizes = (0..<3).map { fold in assignment.filter { $0 == fold }.count }
        #expect(sizes == [4, 4, 3])
    }

    @Test("The test's CSV reader: quoted commas, doubled quotes and line breaks inside a field, CRLF")
    func csvReader() {
        #expect(CSVRows.parse("a,\"b,\"\"c\"\"\n\td\",e\r\n1,,3\n") == [["a", "b,\"c\"\n\td", "e"], ["1", "", "3"]])
    }

    // MARK: - The labelled 12345 sample (Teddy Cup 2020, attachment 2)

    static let sample: [LabelledText] = {
        let rows = CSVRows.parse(try! String(contentsOf: HotlineData.file("attachment2_labeled_sample.csv"), encoding: .utf8))
        #expect(rows.first == ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"])
        return rows.dropFirst().map { LabelledText(text: $0[2] + " " + $0[4], label: $0[5]) }
    }()

    @Test("5-fold cross-validation on the 395 labelled messages: exact hits, top-1 ≥ 0.78 and top-3 ≥ 0.93")
    func crossValidation() {
        #expect(Self.sample.count == 395)
        let result = CrossValidation.evaluate(Self.sample, folds: 5, seed: 20_240_101)
        #expect(result.count == 395)
        #expect(result.folds.map(\.count) == [79, 79, 79, 79, 79])
        #expect(result.top1Correct == 316)
        #expect(result.top3Correct == 380)
        #expect(result.folds.map(\.top1Correct) == [63, 62, 60, 66, 65])
        #expect(result.folds.map(\.top3Correct) == [74, 78, 75, 76, 77])
        #expect(result.top1Accuracy >= 0.78)
        #expect(result.top3Accuracy >= 0.93)
    }

    /// The sample files street lights under both labels (“…整条街的路灯无人维护” and “…红绿灯不亮” are 交通运输,
    /// “…公园清晨路灯熄灯时间” is 城乡建设), and the model follows the sample: 城乡建设 comes second, not first.
    @Test("A street-light complaint, trained on the whole sample: 交通运输 first, 城乡建设 second")
    func streetLight() {
        let classifier = TextClassifier.train(Self.sample)
        let suggestions = classifier.suggest("XX路路灯不亮已经一周了，晚上出行很不安全，请尽快维修")
        #expect(suggestions.map(\.label) == ["交通运输", "城乡建设", "环境保护"])
    }
}

/// Where the shared data lives: the first ancestor of this file (symbolic links resolved) with a
/// `shared/data/teddycup2020-smart-gov-messages` folder — `/work/shared` beside `/work/main` or a CI clone.
enum HotlineData {
    static let folder: URL = {
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/data/teddycup2020-smart-gov-messages")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/work/shared/data/teddycup2020-smart-gov-messages")
    }()

    static func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
}

/// A minimal RFC 4180 reader for the test data: fields separated by commas, quoted fields may hold commas,
/// doubled quotes and line breaks; records end with LF or CRLF.
enum CSVRows {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var afterQuote = false
        for scalar in text.unicodeScalars {
            if quoted {
                if scalar == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    field.append(scalar)
                }
                continue
            }
            if afterQuote && scalar == "\"" {  // a doubled quote inside a quoted field
                field.append("\"")
                quoted = true
                afterQuote = false
                continue
            }
            afterQuote = false
            switch scalar {
            case "\"": quoted = true
            case ",":
                row.append(String(field))
                field = String.UnicodeScalarView()
            case "\r": break
            case "\n":
                row.append(String(field))
                field = String.UnicodeScalarView()
                rows.append(row)
                row = []
            default: field.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(field))
            rows.append(row)
        }
        return rows
    }
}
