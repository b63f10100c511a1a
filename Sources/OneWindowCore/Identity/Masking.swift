import Foundation

/// Masks for personal data on public surfaces (个人信息保护法; RULES.md, Identity):
/// `张*` / `张*明`, `4212**********1234`, `138****8000`.
public enum Masking {
    /// A person's name: the first character kept, and the last one when the name has three or more;
    /// one `*` for each hidden character (`张*`, `张*明`, `欧阳小明` → `欧**明`).
    public static func name(_ name: String) -> String {
        let chars = Array(TextNormalization.normalize(name))
        switch chars.count {
        case 0: return ""
        case 1: return "*"
        case 2: return "\(chars[0])*"
        default: return "\(chars[0])\(String(repeating: "*", count: chars.count - 2))\(chars[chars.count - 1])"
        }
    }

    /// An identity number: the first 4 and the last 4 characters kept (`4212**********1234`).
    /// Shorter text is masked whole.
    public static func residentID(_ id: String) -> String {
        let chars = Array(id)
        guard chars.count > 8 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(4)) + String(repeating: "*", count: chars.count - 8) + String(chars.suffix(4))
    }

    /// A phone number: the first 3 and the last 4 digits kept (`138****8000`).
    public static func phone(_ phone: String) -> String {
        let chars = Array(phone)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(4))
    }

    /// An address: the first 6 characters (county and township level) kept, the rest replaced by `****`.
    public static func address(_ address: String) -> String {
        let chars = Array(TextNormalization.normalize(address))
        guard chars.count > 6 else { return String(chars.prefix(2)) + "****" }
        return String(chars.prefix(6)) + "****"
    }

    /// Free text as a public page may show it (RULES.md, Identity; used by every public surface, Open311 included):
    /// - every e-mail address keeps the first two characters of its local part and its domain
    ///   (`zhangsan@example.com` → `zh***@example.com`; a local part of one or two characters keeps none or one);
    /// - every mainland mobile number (`1[3-9]` + 9 digits, optionally after `86`) becomes `138****8000`, also when
    ///   written in groups with spaces or dashes (`138-0013-8000`, `138 0013 8000`, `+86 138 0013 8000`);
    /// - every 18-character 身份证号 (17 digits + digit or `X`) becomes `4212**********1234`, and every 15-digit one
    ///   `4201********123`;
    /// - every landline: with its area code (`0715-3321777`, `0715 3321777`, `07153321777` → `0715-33*****`,
    ///   `0715 33*****`, `071533*****`) or alone (7–8 digits not starting with 0 or 1: `3321888` → `33*****`; an
    ///   8-digit date such as `20190425` and an amount followed by 元/万/亿 stay),
    ///
    /// wherever they stand in the text (digits also when typed full-width). Names cannot be recognised here: a caller
    /// that knows the person's name masks it itself (`Masking.name`).
    public static func redact(_ text: String) -> String {
        redactNumbers(redactEmails(Array(text.unicodeScalars)))
    }

    /// The one masking step of a public surface (pages, Open311, public JSON and CSV, SMS): the person's own `name`
    /// (two characters or more; one character would mask that character everywhere) and `phone` masked where they
    /// appear, then `redact`; cut to `maxLength` Unicode scalars only after masking, so a cut never leaves the
    /// unmasked start of a number behind.
    public static func redact(_ text: String, name: String?, phone: String?, maxLength: Int = .max) -> String {
        redact(text, names: name.map { [$0] } ?? [], phone: phone, maxLength: maxLength)
    }

    /// `redact(_:name:phone:maxLength:)` for a text that may name several known people (a 局长帮办 finding names the
    /// consulted citizen or an applicant): each name of two characters or more is masked wherever it appears,
    /// longest first (so `欧阳小明` is masked before `欧阳`).
    public static func redact(_ text: String, names: [String], phone: String? = nil, maxLength: Int = .max) -> String {
        var text = text
        for name in Set(names.map(TextNormalization.normalize)).sorted(by: { $0.count > $1.count }) where name.count >= 2 {
            text = text.replacingOccurrences(of: name, with: Masking.name(name))
        }
        if let phone, phone.count >= 7 {
            text = text.replacingOccurrences(of: phone, with: Masking.phone(phone))
        }
        let redacted = redact(text)
        guard redacted.unicodeScalars.count > maxLength else { return redacted }
        return String(String.UnicodeScalarView(redacted.unicodeScalars.prefix(maxLength)))
    }

    /// A public title: a title that is the start of `text` (cut from it at intake) is cut again from the masked text,
    /// so the cut falls after masking; a title of its own is masked whole.
    public static func redactTitle(_ title: String, of text: String, name: String?, phone: String?) -> String {
        guard text.hasPrefix(title), text != title else { return redact(title, name: name, phone: phone) }
        return redact(text, name: name, phone: phone, maxLength: title.unicodeScalars.count)
    }

    /// `zh***@example.com` for every e-mail address in `scalars` (full-width letters count as their ASCII forms).
    private static func redactEmails(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // The ASCII form of each scalar, for classification only; prose is kept as typed.
        let folded = scalars.map { scalar -> Unicode.Scalar in
            (0xFF01...0xFF5E).contains(scalar.value) ? Unicode.Scalar(scalar.value - 0xFEE0)! : scalar
        }
        func isAlnum(_ s: Unicode.Scalar) -> Bool {
            s.isASCII && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s))
        }
        func isLocal(_ s: Unicode.Scalar) -> Bool { isAlnum(s) || "._%+-".unicodeScalars.contains(s) }
        func isDomain(_ s: Unicode.Scalar) -> Bool { isAlnum(s) || s == "." || s == "-" }
        var output: [Unicode.Scalar] = []
        var copied = 0
        var at = 0
        while at < folded.count {
            defer { at += 1 }
            guard folded[at] == "@" else { continue }
            var start = at
            while start > copied, isLocal(folded[start - 1]) { start -= 1 }
            while start < at, folded[start] == "." { start += 1 }
            var end = at + 1
            while end < folded.count, isDomain(folded[end]) { end += 1 }
            while end > at + 1, folded[end - 1] == "." || folded[end - 1] == "-" { end -= 1 }
            let local = Array(folded[start..<at])
            let domain = Array(folded[(at + 1)..<end])
            guard !local.isEmpty, let dot = domain.lastIndex(of: "."), dot > 0, domain.count - dot - 1 >= 2,
                domain[(dot + 1)...].allSatisfy({ isAlnum($0) && !("0"..."9").contains($0) })
            else { continue }
            let kept = local.count >= 3 ? 2 : local.count - 1
            output.append(contentsOf: scalars[copied..<start])
            output.append(contentsOf: local.prefix(kept))
            output.append(contentsOf: "***@".unicodeScalars)
            output.append(contentsOf: domain)
            copied = end
            at = end - 1
        }
        output.append(contentsOf: scalars[copied...])
        return output
    }

    /// Masks mobile numbers (also in groups) and 身份证号 in `text`.
    private static func redactNumbers(_ text: [Unicode.Scalar]) -> String {
        // Full-width digits (typed with an input method) count as digits; the rest of the prose is kept as typed.
        let scalars = text.map { scalar -> Unicode.Scalar in
            if (0xFF10...0xFF19).contains(scalar.value) || scalar.value == 0xFF38 || scalar.value == 0xFF58 {
                return Unicode.Scalar(scalar.value - 0xFEE0)!
            }
            return scalar
        }
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        // What may stand between the groups of a number written `138-0013-8000` / `138 0013 8000`.
        func isSeparator(_ index: Int) -> Bool {
            index >= 0 && index < scalars.count
                && [" ", "-", "\u{3000}", "\u{FF0D}", "\u{2010}", "\u{2011}", "\u{2013}"].contains(scalars[index])
        }
        func runEnd(from index: Int) -> Int {
            var end = index
            while isDigit(end) { end += 1 }
            return end
        }
        /// A mobile number written in groups from `start`: its masked text (an `86` group kept as typed) and where
        /// it ends; `nil` when the groups do not add up to one.
        func groupedMobile(at start: Int, firstEnd: Int) -> (masked: String, end: Int)? {
            var groups = [(start: start, end: firstEnd)]
            var digits = firstEnd - start
            while let last = groups.last, digits < 13, isSeparator(last.end), isDigit(last.end + 1) {
                let end = runEnd(from: last.end + 1)
                groups.append((last.end + 1, end))
                digits += end - last.end - 1
            }
            func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
            for first in 0..<min(2, groups.count) {
                if first == 1 && text(groups[0].start..<groups[0].end) != "86" { break }
                var number = ""
                for last in first..<groups.count {
                    number += text(groups[last].start..<groups[last].end)
                    guard number.count <= 11 else { break }
                    if last > first, Self.looksMobile(number) {
                        return (text(start..<groups[first].start) + phone(number), groups[last].end)
                    }
                }
            }
            return nil
        }
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            // A run of digits not glued to other digits.
            guard isDigit(index), !isDigit(index - 1) else {
                output.append(scalars[index])
                index += 1
                continue
            }
            let end = runEnd(from: index)
            let hasCheckX = end - index == 17 && end < scalars.count && (scalars[end] == "X" || scalars[end] == "x")
            let run = String(String.UnicodeScalarView(scalars[index..<(hasCheckX ? end + 1 : end)]))
            if run.count == 18 {
                output.append(contentsOf: residentID(run.uppercased()).unicodeScalars)
            } else if let mobile = [run, run.hasPrefix("86") ? String(run.dropFirst(2)) : ""].first(where: Self.looksMobile) {
                output.append(contentsOf: (String(run.dropLast(11)) + phone(mobile)).unicodeScalars)
            } else if run.count < 11, let grouped = groupedMobile(at: index, firstEnd: end) {
                output.append(contentsOf: grouped.masked.unicodeScalars)
                index = grouped.end
                continue
            } else if (3...4).contains(run.count), run.hasPrefix("0"), isSeparator(end), isDigit(end + 1), !isDigit(end + 10),
                (7...8).contains(runEnd(from: end + 1) - end - 1)
            {
                // A landline with its area code: 0715-3321777, 0715 3321777.
                let local = String(String.UnicodeScalarView(scalars[(end + 1)..<runEnd(from: end + 1)]))
                output.append(contentsOf: (run + String(Character(scalars[end])) + Self.maskLocal(local)).unicodeScalars)
                index = runEnd(from: end + 1)
                continue
            } else if run.count == 15 {
                // A first-generation (15-digit) 身份证号.
                output.append(contentsOf: (String(run.prefix(4)) + String(repeating: "*", count: 8) + String(run.suffix(3))).unicodeScalars)
            } else if (10...12).contains(run.count), run.hasPrefix("0"), !run.hasPrefix("00") {
                // A landline with its area code written without a separator (07153321777).
                let area = run.hasPrefix("010") || run.hasPrefix("02") ? 3 : 4
                output.append(contentsOf: (String(run.prefix(area)) + Self.maskLocal(String(run.dropFirst(area)))).unicodeScalars)
            } else if (7...8).contains(run.count), !run.hasPrefix("0"), !run.hasPrefix("1"), !Self.looksLikeDate(run),
                !(end < scalars.count && ["元", "万", "亿"].contains(scalars[end]))
            {
                // A local landline number (3321888); amounts (…元) and dates (20190425) stay.
                output.append(contentsOf: Self.maskLocal(run).unicodeScalars)
            } else {
                output.append(contentsOf: run.unicodeScalars)
            }
            index = hasCheckX ? end + 1 : end
        }
        return String(output)
    }

    /// `3321777` → `33*****`: the exchange's first two digits stay.
    private static func maskLocal(_ digits: String) -> String {
        String(digits.prefix(2)) + String(repeating: "*", count: max(0, digits.count - 2))
    }

    /// `20190425`: eight digits that read as a date of 1900–2099.
    private static func looksLikeDate(_ digits: String) -> Bool {
        guard digits.count == 8, let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
            let day = Int(digits.suffix(2))
        else { return false }
        return (1900...2099).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }

    private static func looksMobile(_ digits: String) -> Bool {
        guard digits.count == 11, digits.hasPrefix("1"), let second = digits.dropFirst().first else { return false }
        return ("3"..."9").contains(second)
    }
}
