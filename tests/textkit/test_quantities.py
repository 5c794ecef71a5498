"""Quantities and references read alike from English and Chinese text (textkit.quantities)."""

import pytest

from textkit.quantities import chinese_numeral, list_items, mention_counts, mentions


def values(text: str, kind: str) -> list[str]:
    return [m.value for m in mentions(text) if m.kind == kind]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a capital of HK$5 million", ["5000000"]),
        ("HK$5,000,000 of paid-up capital", ["5000000"]),
        ("HK$2.5m and HKD 300k", ["2500000", "300000"]),
        ("最低資本為500萬港元", ["5000000"]),
        ("港幣5億元", ["500000000"]),
        ("5,000,000港元", ["5000000"]),
    ],
)
def test_money_in_either_language_is_one_value(text, expected):
    assert values(text, "money") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48% agreed", ["48"]),
        ("48.5 per cent agreed", ["48.5"]),
        ("百分之四十八的回應者", ["48"]),
        ("百分之48.5", ["48.5"]),
        ("約四成回應者", ["40"]),
        ("四成五", ["45"]),
        ("４８％同意", ["48"]),
    ],
)
def test_percentages(text, expected):
    assert values(text, "percent") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("closes on 31 March 2026", ["2026-03-31"]),
        ("closes on March 31, 2026", ["2026-03-31"]),
        ("by 2026-03-31", ["2026-03-31"]),
        ("於2026年3月31日截止", ["2026-03-31"]),
        ("from June 2027", ["2027-06"]),
        ("由2027年6月起", ["2027-06"]),
    ],
)
def test_dates(text, expected):
    assert values(text, "date") == expected


def test_question_codes_and_paragraph_references():
    english = "See Q7 and paragraph 3.2; para. 4.1 too."
    chinese = "見問題7及第3.2段，亦見第4.1段。"
    assert values(english, "question") == ["Q7"]
    assert values(chinese, "question") == ["Q7"]
    assert values(english, "paragraph") == ["3.2", "4.1"]
    assert values(chinese, "paragraph") == ["3.2", "4.1"]
    assert values("第7題", "question") == ["Q7"]
    assert values("大部分回應者同意Q1。", "question") == ["Q1"]
    assert values("大部分回應者同意Q1。", "number") == []


def test_plain_numbers_words_and_chinese_counts():
    assert values("1,234 responses and twelve months", "number") == ["1234", "12"]
    assert values("十二個月的過渡期，共3萬份", "number") == ["12", "30000"]
    # A number inside an amount, a percentage or a date is not counted again as a number.
    assert values("HK$5 million, 48% and 31 March 2026", "number") == []
    assert values("一些回應者", "number") == []


def test_chinese_numerals():
    assert chinese_numeral("十二") == 12
    assert chinese_numeral("四十八") == 48
    assert chinese_numeral("一百零五") == 105
    assert chinese_numeral("二〇二六") == 2026
    assert chinese_numeral("些") is None


def test_the_two_languages_of_one_text_give_the_same_counts():
    english = (
        "48% of the 1,234 respondents agreed that the minimum capital of HK$5 million under "
        "paragraph 3.2 should apply from 1 June 2027 (Q7)."
    )
    chinese = (
        "1,234名回應者中有48%同意，第3.2段下500萬港元的最低資本應由2027年6月1日起適用（問題7）。"
    )
    assert mention_counts(english) == mention_counts(chinese)
    changed = chinese.replace("500萬", "600萬")
    assert mention_counts(english)["money"] != mention_counts(changed)["money"]


def test_list_items_in_both_languages():
    english = "We will:\n- raise the limit;\n- publish a list;\n(c) review in a year."
    chinese = "我們將：\n（一）提高上限；\n（二）公布名單。"
    assert list_items(english) == 3
    assert list_items(chinese) == 2
    assert list_items("No list here. 1 sentence.") == 0
