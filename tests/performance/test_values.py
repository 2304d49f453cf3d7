"""performance.values — 指标值 parser and category labels. Plain pytest, no database (run with -p no:django).

SEED_VALUES are real 指标值 taken from the seeds' indicator grids (000/001 实施期 and 年度 指标值 columns, 003
年初指标值/实际完成值, 004 items), covering every form of DOMAIN §4.2.
"""

import random
import string
from decimal import Decimal

import pytest

from performance.values import IndicatorValue, normalise_level1, normalise_level2, parse_indicator_value

# (raw, kind, operator, number, unit, flags)
SEED_VALUES = [
    ("≥200家", "quantity", "≥", "200", "家", ()),
    ("≥90%", "quantity", "≥", "90", "%", ()),
    ("全年开展", "qualitative", "", None, "", ()),
    ("≤450万元", "quantity", "≤", "450", "万元", ()),
    ("长效", "qualitative", "", None, "", ()),
    ("全年", "date", "", None, "", ()),
    ("4次", "quantity", "", "4", "次", ()),
    ("12次", "quantity", "", "12", "次", ()),
    ("4类", "quantity", "", "4", "类", ()),
    ("4组", "quantity", "", "4", "组", ()),
    ("≥85%", "quantity", "≥", "85", "%", ()),
    ("100%", "quantity", "", "100", "%", ()),
    ("每月", "date", "", None, "", ()),
    ("2026年10月底前", "date", "", None, "", ()),
    ("每季度", "date", "", None, "", ()),
    ("2026年6月底前", "date", "", None, "", ()),
    ("≤193万元", "quantity", "≤", "193", "万元", ()),
    ("有效推进", "qualitative", "", None, "", ()),
    ("保障", "qualitative", "", None, "", ()),
    ("1套", "quantity", "", "1", "套", ()),
    ("合格", "qualitative", "", None, "", ()),
    ("2026年12月底前", "date", "", None, "", ()),
    ("≤64.71万元", "quantity", "≤", "64.71", "万元", ()),
    ("提升", "qualitative", "", None, "", ()),
    ("5家", "quantity", "", "5", "家", ()),
    ("25家", "quantity", "", "25", "家", ()),
    ("≤16家", "quantity", "≤", "16", "家", ()),
    ("2026年7月底前", "date", "", None, "", ()),
    ("≤80万元", "quantity", "≤", "80", "万元", ()),
    ("提高", "qualitative", "", None, "", ()),
    ("2025年7月", "date", "", None, "", ()),
    ("≤114.97万元", "quantity", "≤", "114.97", "万元", ()),
    ("=100%", "quantity", "=", "100", "%", ()),
    ("11月", "date", "", None, "", ()),
    ("≤500元", "quantity", "≤", "500", "元", ()),
    ("≤30万元", "quantity", "≤", "30", "万元", ()),
    ("减少", "qualitative", "", None, "", ()),
    ("≥99%", "quantity", "≥", "99", "%", ()),
    ("≥100条", "quantity", "≥", "100", "条", ()),
    ("=10万元", "quantity", "=", "10", "万元", ()),
    ("=500元/天", "quantity", "=", "500", "元/天", ()),
    ("≤1000元/天", "quantity", "≤", "1000", "元/天", ()),
    ("≤1775元/天", "quantity", "≤", "1775", "元/天", ()),
    ("≤20000元/车年", "quantity", "≤", "20000", "元/车年", ()),
    ("≤333人/次", "quantity", "≤", "333", "人/次", ()),
    ("≤1万元/个", "quantity", "≤", "1", "万元/个", ()),
    ("=80万元/年", "quantity", "=", "80", "万元/年", ()),
    ("≥15天/年", "quantity", "≥", "15", "天/年", ()),
    ("12次/年", "quantity", "", "12", "次/年", ()),
    ("1次/年", "quantity", "", "1", "次/年", ()),
    ("≥6期/年", "quantity", "≥", "6", "期/年", ()),
    ("3360元/人/年", "quantity", "", "3360", "元/人/年", ()),
    ("1000元/人/月", "quantity", "", "1000", "元/人/月", ()),
    ("120元/人", "quantity", "", "120", "元/人", ()),
    ("26台(套)", "quantity", "", "26", "台(套)", ()),
    ("6个(套)", "quantity", "", "6", "个(套)", ()),
    ("50立方", "quantity", "", "50", "立方", ()),
    ("11680平方米", "quantity", "", "11680", "平方米", ()),
    ("≥1991.59平方米", "quantity", "≥", "1991.59", "平方米", ()),
    ("≥24.3小时", "quantity", "≥", "24.3", "小时", ()),
    ("小于1小时", "quantity", "<", "1", "小时", ()),
    ("≤1小时", "quantity", "≤", "1", "小时", ()),
    ("365天", "quantity", "", "365", "天", ()),
    ("≥3年", "quantity", "≥", "3", "年", ()),
    ("≥3月", "quantity", "≥", "3", "月", ()),
    ("≥12个月", "quantity", "≥", "12", "个月", ()),
    ("≤400万", "quantity", "≤", "400", "万", ()),
    ("≤60万 元", "quantity", "≤", "60", "万元", ()),
    ("60万条", "quantity", "", "60", "万条", ()),
    ("≥5万份", "quantity", "≥", "5", "万份", ()),
    ("3.2 万户", "quantity", "", "3.2", "万户", ()),
    ("20万", "quantity", "", "20", "万", ()),
    ("1.2万", "quantity", "", "1.2", "万", ()),
    ("10元/每户", "quantity", "", "10", "元/每户", ()),
    ("≥0", "quantity", "≥", "0", "", ()),
    ("0%", "quantity", "", "0", "%", ()),
    ("≥0%", "quantity", "≥", "0", "%", ()),
    ("0次", "quantity", "", "0", "次", ()),
    ("≥0辆", "quantity", "≥", "0", "辆", ()),
    ("≥0米", "quantity", "≥", "0", "米", ()),
    ("≤0.1%", "quantity", "≤", "0.1", "%", ()),
    ("≤53.77%", "quantity", "≤", "53.77", "%", ()),
    ("96.38%", "quantity", "", "96.38", "%", ()),
    ("4070400元", "quantity", "", "4070400", "元", ()),
    ("48840000元", "quantity", "", "48840000", "元", ()),
    ("≤1198200元", "quantity", "≤", "1198200", "元", ()),
    ("44名", "quantity", "", "44", "名", ()),
    ("500盘", "quantity", "", "500", "盘", ()),
    ("72块", "quantity", "", "72", "块", ()),
    ("24期", "quantity", "", "24", "期", ()),
    ("7项", "quantity", "", "7", "项", ()),
    ("190组", "quantity", "", "190", "组", ()),
    ("3支", "quantity", "", "3", "支", ()),
    ("10架", "quantity", "", "10", "架", ()),
    ("1部", "quantity", "", "1", "部", ()),
    ("1座", "quantity", "", "1", "座", ()),
    ("168米", "quantity", "", "168", "米", ()),
    ("≥1156人", "quantity", "≥", "1156", "人", ()),
    ("≥350人次", "quantity", "≥", "350", "人次", ()),
    ("≥28场/次", "quantity", "≥", "28", "场/次", ()),
    ("=0场", "quantity", "=", "0", "场", ()),
    ("≧99%", "quantity", "≥", "99", "%", ("malformed_operator",)),
    ("≧0%", "quantity", "≥", "0", "%", ("malformed_operator",)),
    ("≧1000000条", "quantity", "≥", "1000000", "条", ("malformed_operator",)),
    ("≧70块", "quantity", "≥", "70", "块", ("malformed_operator",)),
    ("≠0场/次", "quantity", "≠", "0", "场/次", ("malformed_operator",)),
    ("≠1场/次", "quantity", "≠", "1", "场/次", ("malformed_operator",)),
    ("10000—20000人", "range", "", None, "人", ()),
    ("524至1349元/人/月", "range", "", None, "元/人/月", ()),
    ("5-11月", "range", "", None, "月", ()),
    ("4-7月", "range", "", None, "月", ()),
    ("6-11月", "range", "", None, "月", ()),
    ("2022年", "date", "", None, "", ()),
    ("2025年8月12日", "date", "", None, "", ()),
    ("2024年8月26日", "date", "", None, "", ()),
    ("2023年5月份", "date", "", None, "", ()),
    ("2023年10月份之前", "date", "", None, "", ()),
    ("10月底前", "date", "", None, "", ()),
    ("10月前", "date", "", None, "", ()),
    ("11月之前", "date", "", None, "", ()),
    ("12月31日前", "date", "", None, "", ()),
    ("12月31日前完成", "date", "", None, "", ()),
    ("12月底完成", "date", "", None, "", ()),
    ("年底前", "date", "", None, "", ()),
    ("年底前完成", "date", "", None, "", ()),
    ("年底统一支付", "date", "", None, "", ()),
    ("一年内", "date", "", None, "", ()),
    ("全年内", "date", "", None, "", ()),
    ("每周", "date", "", None, "", ()),
    ("每天", "date", "", None, "", ()),
    ("每半月", "date", "", None, "", ()),
    ("每年1次", "date", "", None, "", ()),
    ("6月前、11月前", "date", "", None, "", ()),
    ("八一建军节、春节期间", "date", "", None, "", ()),
    ("八一、春节", "date", "", None, "", ()),
    ("5·12宣传周", "date", "", None, "", ()),
    ("第一、二、三、四季度", "date", "", None, "", ()),
    ("防火期内发布", "date", "", None, "", ()),
    ("1月1日--12月31日XX月XX日-XX月XX日", "date", "", None, "", ("placeholder",)),
    ("1月1日-12月31日之间XX月XX日-XX月XX日", "date", "", None, "", ("placeholder",)),
    ("12月31日前XX月XX日前", "date", "", None, "", ("placeholder",)),
    ("12月31日前完成XX月XX日-XX月XX日", "date", "", None, "", ("placeholder",)),
    ("2022年12月31日前XX月XX日-XX月XX日", "date", "", None, "", ("placeholder",)),
    ("全年持续开展", "qualitative", "", None, "", ()),
    ("增强", "qualitative", "", None, "", ()),
    ("改善", "qualitative", "", None, "", ()),
    ("有效防范", "qualitative", "", None, "", ()),
    ("属实", "qualitative", "", None, "", ()),
    ("及时", "qualitative", "", None, "", ()),
    ("及时发放", "qualitative", "", None, "", ()),
    ("健全", "qualitative", "", None, "", ()),
    ("完备", "qualitative", "", None, "", ()),
    ("合理", "qualitative", "", None, "", ()),
    ("稳定", "qualitative", "", None, "", ()),
    ("降低", "qualitative", "", None, "", ()),
    ("是", "qualitative", "", None, "", ()),
    ("高", "qualitative", "", None, "", ()),
    ("优秀", "qualitative", "", None, "", ()),
    ("良好", "qualitative", "", None, "", ()),
    ("显著", "qualitative", "", None, "", ()),
    ("按标准", "qualitative", "", None, "", ()),
    ("按合同约定支付", "qualitative", "", None, "", ()),
    ("根据实际情况执行", "qualitative", "", None, "", ()),
    ("有效降 低", "qualitative", "", None, "", ()),
    ("得到保障", "qualitative", "", None, "", ()),
    ("总体稳定", "qualitative", "", None, "", ()),
    ("增强保障", "qualitative", "", None, "", ()),
    ("持续提高", "qualitative", "", None, "", ()),
    ("有所提高", "qualitative", "", None, "", ()),
    ("逐步提升", "qualitative", "", None, "", ()),
    ("达成预期指标", "qualitative", "", None, "", ()),
    ("达成预 期指标", "qualitative", "", None, "", ()),
    ("部分达成预期指标并略有偏差", "qualitative", "", None, "", ()),
    ("未完成预期指标", "qualitative", "", None, "", ()),
    ("高质量完成", "qualitative", "", None, "", ()),
    ("以政府批复报告为准", "qualitative", "", None, "", ()),
    ("3*300", "text", "", None, "", ("unparsed",)),
    ("≥2022年依法维权次数", "text", "≥", None, "", ("unparsed",)),
    ("2021年计算机考核1938人次，实际操作考核1731人次", "text", "", None, "", ("unparsed",)),
    ("优秀20人,不合格2人", "text", "", None, "", ("unparsed",)),
    ("保证抢险救灾工作顺利完成。", "text", "", None, "", ("unparsed",)),
    ("2022年完成统一着装任务", "text", "", None, "", ("unparsed",)),
    ("综合和专项演练各一次", "text", "", None, "", ("unparsed",)),
    ("≤ 0.7万元", "quantity", "≤", "0.7", "万元", ()),
]

# 002 extraction artifacts (DOMAIN Q4, Q9)
ARTIFACTS = [
    ("100100%", "quantity", "", "100", "%", ("doubled",)),
    ("≥100100%", "quantity", "≥", "100", "%", ("doubled",)),
    ("17100%", "quantity", "", "17", "", ("doubled",)),
    ("3100%", "quantity", "", "3", "", ("doubled",)),
    ("100XX月XX日前", "date", "", None, "", ("placeholder", "doubled")),
    ("XX月XX日前", "date", "", None, "", ("placeholder",)),
    ("XX月XX日-XX月XX日", "date", "", None, "", ("placeholder",)),
    ("××", "text", "", None, "", ("placeholder",)),
    ("某某", "text", "", None, "", ("placeholder",)),
    ("XX万元", "quantity", "", None, "万元", ("placeholder",)),
]

# operator words and full-width forms (DOMAIN §4.2 operator row)
OPERATOR_FORMS = [
    ("＝100%", "=", "100", "%", ()),
    ("≧90%", "≥", "90", "%", ("malformed_operator",)),
    ("不少于5次", "≥", "5", "次", ()),
    ("不低于95%", "≥", "95", "%", ()),
    ("不超过10万元", "≤", "10", "万元", ()),
    ("不高于5%", "≤", "5", "%", ()),
    ("小于1小时", "<", "1", "小时", ()),
    ("低于3%", "<", "3", "%", ()),
    ("大于90%", ">", "90", "%", ()),
    ("高于80%", ">", "80", "%", ()),
    ("超过3次", ">", "3", "次", ()),
    ("95%以上", "≥", "95", "%", ()),
    ("2小时以内", "≤", "2", "小时", ()),
    ("＜５％", "<", "5", "%", ()),
    ("≥1,000人", "≥", "1000", "人", ()),
]


def _check(value: IndicatorValue, kind: str, operator: str, number: str | None, unit: str, flags: tuple) -> None:
    assert (value.kind, value.operator, value.unit, value.flags) == (kind, operator, unit, flags)
    assert value.number == (None if number is None else Decimal(number))
    assert value.number is None or isinstance(value.number, Decimal)


def test_sample_is_broad() -> None:
    raws = [row[0] for row in SEED_VALUES]
    assert len(set(raws)) == len(raws) >= 80
    assert {row[1] for row in SEED_VALUES} == {"quantity", "qualitative", "date", "range", "text"}


@pytest.mark.parametrize(("raw", "kind", "operator", "number", "unit", "flags"), SEED_VALUES + ARTIFACTS)
def test_seed_value(raw: str, kind: str, operator: str, number: str | None, unit: str, flags: tuple) -> None:
    _check(parse_indicator_value(raw), kind, operator, number, unit, flags)


@pytest.mark.parametrize(("raw", "operator", "number", "unit", "flags"), OPERATOR_FORMS)
def test_operator_forms(raw: str, operator: str, number: str, unit: str, flags: tuple) -> None:
    _check(parse_indicator_value(raw), "quantity", operator, number, unit, flags)


@pytest.mark.parametrize(
    ("raw", "low", "high", "unit"),
    [
        ("10000—20000人", "10000", "20000", "人"),
        ("524至1349元/人/月", "524", "1349", "元/人/月"),
        ("5-11月", "5", "11", "月"),
        ("4-7月", "4", "7", "月"),
        ("10～20次", "10", "20", "次"),
    ],
)
def test_ranges(raw: str, low: str, high: str, unit: str) -> None:
    value = parse_indicator_value(raw)
    assert (value.kind, value.low, value.high, value.unit, value.number) == (
        "range",
        Decimal(low),
        Decimal(high),
        unit,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("全年开展", "全年开展"),
        ("有效降 低", "有效降低"),
        ("达成预 期指标", "达成预期指标"),
        ("2026年12月底前", "2026年12月底前"),
        ("12月31日前XX月XX日前", "12月31日前"),
        ("1月1日--12月31日 XX月XX日-XX月XX日", "1月1日--12月31日"),
        ("6月前、11月前", "6月前、11月前"),
        ("每季度", "每季度"),
        ("保证抢险救灾工作顺利完成。", "保证抢险救灾工作顺利完成"),
    ],
)
def test_text_is_the_phrase(raw: str, text: str) -> None:
    assert parse_indicator_value(raw).text == text


def test_quantities_have_no_text_and_multiplier_is_applied_on_request() -> None:
    cost = parse_indicator_value("≤193万元")
    assert (cost.text, cost.base_unit, cost.scaled) == ("", "元", Decimal("1930000"))
    records = parse_indicator_value("60万条")
    assert (records.number, records.unit, records.base_unit, records.scaled) == (Decimal(60), "万条", "条", 600000)
    assert parse_indicator_value("≤400万").scaled == 4000000
    assert parse_indicator_value("4070400元").scaled == 4070400
    assert parse_indicator_value("全年").scaled is None


def test_plain_100_percent_is_not_doubled() -> None:
    for raw in ("100%", "≥100%", "=100%", "≧100%"):
        value = parse_indicator_value(raw)
        assert value.number == 100 and value.unit == "%" and "doubled" not in value.flags


@pytest.mark.parametrize("raw", ["", "   ", "\t", "——", "-", "/"])
def test_blank(raw: str) -> None:
    value = parse_indicator_value(raw)
    assert (value.kind, value.operator, value.number, value.unit, value.flags, value.raw) == (
        "blank",
        "",
        None,
        "",
        (),
        raw,
    )


def test_free_text_is_kept_and_flagged() -> None:
    raw = "对426家企业进行会诊安全技术指导服务，设计审查256家企业。"
    value = parse_indicator_value(raw)
    assert (value.kind, value.flags, value.raw, value.number) == ("text", ("unparsed",), raw, None)
    assert value.text.startswith("对426家企业")


def test_value_is_frozen() -> None:
    value = parse_indicator_value("≥90%")
    with pytest.raises(AttributeError):
        value.number = Decimal(1)  # type: ignore[misc]
    assert value == parse_indicator_value("≥90%") and hash(value) == hash(parse_indicator_value("≥90%"))


_ALPHABET = (
    string.printable
    + "≥≤≧≦≠＝＜＞０１２３４５６７８９．％（）／－—～至XX×某月日年前底后万元人次个%、，。；：·"
    + "提升保障合格每季度全年开展\u3000\xa0"
)


def _random_strings(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_never_raises_and_keeps_raw(seed: int) -> None:
    for raw in _random_strings(400, seed):
        value = parse_indicator_value(raw)
        assert value.raw is raw
        assert value.kind in {"quantity", "qualitative", "date", "range", "text", "blank"}
        assert value.operator in {"≥", "≤", "=", "<", ">", "≠", ""}
        assert value.number is None or isinstance(value.number, Decimal)
        assert set(value.flags) <= {"placeholder", "doubled", "malformed_operator", "unparsed"}
        assert len(set(value.flags)) == len(value.flags)
        assert (value.kind == "text" and value.flags and value.flags[-1] == "unparsed") or "unparsed" not in value.flags


def test_never_raises_on_mutations_of_seed_values() -> None:
    rng = random.Random(7)
    raws = [row[0] for row in SEED_VALUES]
    for _ in range(2000):
        raw = rng.choice(raws)
        cut = rng.randint(0, len(raw))
        mutated = raw[:cut] + rng.choice(_ALPHABET) + raw[cut + rng.randint(0, 2) :]
        assert parse_indicator_value(mutated).raw is mutated


@pytest.mark.parametrize("raw", ["1月" * 3000 + "x", "万元/" * 2000, "XX月" * 2000, "提高" * 3000, "1" * 5000 + "%x"])
def test_long_inputs_do_not_hang(raw: str) -> None:
    assert parse_indicator_value(raw).raw is raw


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("数量指标", ("quantity", False)),
        ("数量", ("quantity", False)),
        ("质量指标", ("quality", False)),
        ("时效", ("timeliness", False)),
        ("成本指标", ("cost", False)),
        ("经济效益指标", ("economic", False)),
        ("社会效益", ("social", False)),
        ("生态效益 指标", ("ecological", False)),
        ("可持续影响指", ("sustainability", False)),
        ("服务对象满意度", ("satisfaction", False)),
        ("服务对象满意度指标", ("satisfaction", False)),
        ("满意度指标", ("satisfaction", False)),
        ("(一) 数量指标:", ("quantity", False)),
        ("经济目标", ("cost", True)),
        ("工作标准", ("quality", True)),
        ("效益指标", ("other", True)),
        ("", ("other", True)),
    ],
)
def test_normalise_level2(label: str, expected: tuple[str, bool]) -> None:
    assert normalise_level2(label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("产出指标", ("output", False)),
        ("产出 指标", ("output", False)),
        ("效益", ("outcome", False)),
        ("满意度指标", ("satisfaction", False)),
        ("一、产出指标", ("output", False)),
        ("成本指标", ("output", False)),
        ("数量指标", ("output", True)),
        ("社会效益", ("outcome", True)),
        ("服务对象满意度指标", ("satisfaction", True)),
        ("foo", ("other", True)),
        ("", ("other", True)),
    ],
)
def test_normalise_level1(label: str, expected: tuple[str, bool]) -> None:
    assert normalise_level1(label) == expected
