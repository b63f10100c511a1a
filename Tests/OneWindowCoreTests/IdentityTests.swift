import Foundation
import Testing

@testable import OneWindowCore

@Suite struct ResidentIDTests {
    @Test func lower_case_x_is_valid_and_stored_upper_case() throws {
        let id = try ResidentID("11010519900307101x")
        #expect(id.value == "11010519900307101X")
        #expect(id.birthDate.description == "1990-03-07")
        #expect(id.age(on: Fixtures.date("2025-03-06")) == 34)
        #expect(id.age(on: Fixtures.date("2025-03-07")) == 35)
    }

    @Test func full_width_digits_normalise_to_the_same_id() throws {
        #expect(try ResidentID("１１０１０５１９９００３０７１０２８").value == "110105199003071028")
        #expect(try ResidentID("\u{3000}110105199003071028 ").value == "110105199003071028")
    }

    @Test func thirty_february_is_rejected() {
        #expect(throws: FieldError(field: "residentID", message: "公民身份号码中的出生日期不存在")) {
            try ResidentID("110105199002301231")
        }
    }

    @Test func fifteen_and_seventeen_digits_name_the_field() {
        #expect(throws: FieldError(field: "residentID", message: "请填写 18 位公民身份号码（15 位旧号码已停止使用）")) {
            try ResidentID("110105201003070")
        }
        #expect(throws: FieldError(field: "applicant.residentID", message: "公民身份号码应为 18 位，现在是 17 位")) {
            try ResidentID("11010519900307102", field: "applicant.residentID")
        }
    }

    @Test func a_wrong_check_character_is_rejected() {
        #expect(throws: FieldError(field: "residentID", message: "公民身份号码校验位不正确，请核对")) {
            try ResidentID("110105199003071029")
        }
        #expect(throws: FieldError.self) { try ResidentID("11010519900307102A") }
    }
}

@Suite struct CreditCodeTests {
    @Test func a_valid_code_passes() throws {
        #expect(try CreditCode("91110105MA00005840").value == "91110105MA00005840")
        #expect(try CreditCode(" 91421223ma4f2xy10n ").value == "91421223MA4F2XY10N")
    }

    @Test func wrong_check_and_forbidden_letters_are_rejected() {
        #expect(throws: FieldError(field: "creditCode", message: "统一社会信用代码校验位不正确，请核对")) {
            try CreditCode("91110105MA00005841")
        }
        #expect(throws: FieldError(field: "creditCode", message: "统一社会信用代码含有不允许的字符“I”（不使用 I、O、S、V、Z）")) {
            try CreditCode("91110105MI00005840")
        }
        #expect(throws: FieldError(field: "creditCode", message: "统一社会信用代码应为 18 位，现在是 17 位")) {
            try CreditCode("91110105MA0000584")
        }
    }
}

@Suite struct MobileNumberTests {
    @Test func prefixes_spaces_and_hyphens_are_dropped() throws {
        #expect(try MobileNumber("+86 138-0013-8000").value == "13800138000")
        #expect(try MobileNumber("8613800138000").value == "13800138000")
        #expect(try MobileNumber("１９９ ０００ ０００００").value == "19900000000")
    }

    @Test func numbers_that_are_not_mobiles_are_rejected() {
        for bad in ["12800138000", "1380013800", "138001380001", "0715-3321234", "abc"] {
            #expect(throws: FieldError(field: "phone", message: "请填写 11 位手机号码（以 13–19 开头）")) { try MobileNumber(bad) }
        }
    }
}

@Suite struct LicenceIDTests {
    let valid = "1.2.156.3005.2.11100000000013338W001.91110105MA00005840.000123.001.4"

    @Test func mod_37_36_check_character() throws {
        let id = try LicenceID(valid)
        #expect(id.typeCode == "11100000000013338W001")
        #expect(id.issuer.value == "91110105MA00005840")
        #expect(id.serial == "000123")
        #expect(LicenceID.make(typeCode: "11100000000013338W001", issuer: id.issuer, serial: "000123", version: "001") == valid)
        #expect(LicenceID.checkCharacter(for: "") == "1")
        #expect(LicenceID.checkCharacter(for: "abc") == nil)
    }

    @Test func a_wrong_check_or_shape_is_rejected() {
        #expect(throws: FieldError(field: "licenceID", message: "电子证照标识校验位不正确，请核对")) {
            try LicenceID("1.2.156.3005.2.11100000000013338W001.91110105MA00005840.000123.001.5")
        }
        #expect(throws: FieldError(field: "licenceID", message: "电子证照标识应以 1.2.156.3005.2. 开头")) {
            try LicenceID("1.2.156.3005.3.11100000000013338W001.91110105MA00005840.000123.001.4")
        }
        #expect(throws: FieldError.self) { try LicenceID("1.2.156.3005.2.111.91110105MA00005840.001.4") }
    }
}

@Suite struct MaskingTests {
    @Test func names_ids_phones_and_addresses() {
        #expect(Masking.name("张三") == "张*")
        #expect(Masking.name("张小明") == "张*明")
        #expect(Masking.name("欧阳小明") == "欧**明")
        #expect(Masking.name("张") == "*")
        #expect(Masking.residentID("421223199001011234") == "4212**********1234")
        #expect(Masking.phone("13800138000") == "138****8000")
        #expect(Masking.address("崇阳县天城镇桃溪大道88号3栋") == "崇阳县天城镇****")
        #expect(String(describing: try! ResidentID("11010519900307101x")) == "1101**********101X")
    }

    @Test func redact_masks_mobiles_in_groups_emails_and_ids_in_prose() {
        #expect(Masking.redact("电话13800138000，身份证421223199001011234") == "电话138****8000，身份证4212**********1234")
        #expect(Masking.redact("请回电 138-0013-8000 或 138 0013 8000。") == "请回电 138****8000 或 138****8000。")
        #expect(Masking.redact("+86 138 0013 8000") == "+86 138****8000")
        #expect(Masking.redact("电话１３８－００１３－８０００") == "电话138****8000")
        #expect(Masking.redact("邮箱zhangsan@example.com。") == "邮箱zh***@example.com。")
        #expect(Masking.redact("写信给 ab@qq.com 或 a@mail.example.cn") == "写信给 a***@qq.com 或 ***@mail.example.cn")
        #expect(Masking.redact("13800138000@163.com") == "13***@163.com")
        // Dates, landlines, house numbers and a lone @ stay as typed.
        #expect(Masking.redact("2025-03-05 来电 0715-3321234，桃溪大道 88 号 3 栋 @物业") == "2025-03-05 来电 0715-33*****，桃溪大道 88 号 3 栋 @物业")
        // Landlines (with or without the area code), 15-digit ID numbers; dates and amounts stay.
        #expect(Masking.redact("电话 0715 3321777，或07153321888、3321999") == "电话 0715 33*****，或071533*****、33*****")
        #expect(Masking.redact("旧身份证号420102800101123") == "旧身份证号4201********123")
        #expect(Masking.redact("20190425 补缴 2700000元，010-12345678") == "20190425 补缴 2700000元，010-12******")
        #expect(Masking.redact("2 138 0013 8000") == "2 138****8000")
    }

    @Test func nfkc_trims_ideographic_spaces_and_folds_full_width() {
        #expect(TextNormalization.normalize("\u{3000}１２３ＡＢ\u{3000}") == "123AB")
        #expect(TextNormalization.normalizedOrNil(" \u{3000} ") == nil)
    }
}

@Suite struct RegionCodeTests {
    @Test func codes_pad_to_twelve_digits_with_their_ancestors() throws {
        let county = try RegionCode("421223")
        #expect(county.value == "421223000000")
        #expect(county.level == .county)
        #expect(county.ancestors.map(\.value) == ["421200000000", "420000000000"])
        #expect(try RegionCode("421223100").level == .township)
        #expect(try RegionCode("42").ancestors.isEmpty)
        #expect(throws: FieldError(field: "regionCode", message: "行政区划代码应为 12 位数字（如 421223000000）")) { try RegionCode("4212233") }
    }

    @Test func public_text_masks_the_known_name_and_phone_and_cuts_only_after_masking() {
        let text = "王建国反映：电话13900139000，身份证号110105199003071028。"
        #expect(Masking.redact(text, name: "王建国", phone: "13900139000") == "王*国反映：电话139****9000，身份证号1101**********1028。")
        #expect(Masking.redact(text, name: "王建国", phone: nil, maxLength: 22) == "王*国反映：电话139****9000，身份")
        // One character is no name: it would mask that character everywhere.
        #expect(Masking.redact("王先生来电", name: "王", phone: nil) == "王先生来电")
        // A title cut from the text at intake is cut again after masking; a title of its own is masked whole.
        #expect(Masking.redactTitle("王建国反映：电话139001", of: text, name: "王建国", phone: nil) == "王*国反映：电话139***")
        #expect(Masking.redactTitle("路灯不亮 13900139000", of: text, name: nil, phone: nil) == "路灯不亮 139****9000")
    }

    @Test func control_characters_are_removed_on_input_and_line_breaks_kept_in_prose() {
        #expect(TextNormalization.normalize("abc\u{0}def") == "abcdef")
        // Limits count code points (JSON Schema's maxLength), not grapheme clusters: é written as e + U+0301 is two.
        #expect(TextNormalization.length("e\u{301}") == 2)
        #expect(TextNormalization.length("诉求\r\n") == 4)
        #expect(TextNormalization.normalize(" ＡＢ\u{7F}１２\u{1B} ") == "AB12")
        #expect(TextNormalization.trimmed("第一行\n第二行\t\u{0}完") == "第一行\n第二行\t完")
        #expect(TextNormalization.withoutControls("\u{85}x\u{9F}") == "x")
        #expect(TextNormalization.withoutControls("没有控制字符") == "没有控制字符")
    }

    @Test func several_known_names_are_masked_longest_first_and_one_character_is_left() {
        #expect(
            Masking.redact("欧阳小明和欧阳、王五（13800138000）", names: ["欧阳", "欧阳小明", "王五", "李"])
                == "欧**明和欧*、王*（138****8000）")
        #expect(Masking.redact("张三丰说", names: ["张三丰", "张三丰"], maxLength: 3) == "张*丰")
    }
}
