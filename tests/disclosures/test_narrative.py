"""情况说明 generated from the data, checked against the narrative the seed documents publish (DOMAIN §6, §7)."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from disclosures.models import Balance, Disclosure, FunctionLine, OperatingCost, ThreePublicLine
from disclosures.narrative import (
    FILL,
    NO_PREVIOUS,
    REASON,
    differing_numbers,
    find_previous,
    generate_narrative,
    numbers_in,
)

D = Decimal


def _set(*values: str) -> set[Decimal]:
    return {D(v) for v in values}


# key → (seed numbers the data cannot give, numbers the data gives that the seed does not print).
# External: previous-year Δ/p, free-text facts (项目类别, 年初预算, 出国/接待 counts, 政府购买服务), seed errors.
BUDGET_001 = {
    "budget.revenue_change": (_set("2444.08", "42.50"), set()),  # YoY vs 2025 (no 2025 disclosure stored)
    "budget.income": (set(), set()),
    "budget.expenditure": (set(), set()),
    "budget.fiscal": (set(), set()),
    "budget.general": (set(), set()),
    "budget.general.scale": (_set("864.36", "20.97"), set()),  # YoY
    "budget.general.structure": (set(), set()),
    "budget.basic": (set(), set()),
    "budget.three_public": (set(), set()),  # 0.50 and 0s; "与2025年预算数相同" is YoY wording → placeholder
    "budget.operating_cost": (_set("4.31", "3.11"), set()),  # YoY
    "budget.procurement": (set(), set()),
    "budget.performance": (_set("28", "1349.29", "5", "836.80"), set()),  # 其他运转类/特定目标类 not stored
    "budget.assets": (set(), set()),  # 编制0辆 is not stored (placeholder), its 0 occurs anyway
    "budget.other": (set(), set()),
    "budget.other.purchase_services": (_set("5", "625.00"), set()),  # 政府购买服务 not stored
    "budget.other.misc": (None, set()),  # free text (reprinted catalogue): nothing generated
}
FINAL_003 = {
    "final.overall": (_set("543.16", "18.44"), set()),
    "final.income": (set(), set()),
    "final.expenditure": (set(), set()),
    "final.fiscal": (_set("1069.04", "49.69"), set()),
    "final.general": (set(), set()),
    "final.general.total": (_set("1069.04", "49.69"), set()),
    "final.general.structure": (set(), set()),
    # 年初预算 and completion rates are not stored; 灾害 3295.91 is 公开03 where 公开05 says 3031.29 (INV-F17).
    "final.general.detail": (
        _set(
            *"4727.11 68.13 120.20 53.07 4.73 8 53.73 99.48 2.28 4.45 76.79 93.78 7.94 12.39 3925.38 "
            "3295.91 83.96 792.62 24.04".split()
        ),
        _set("3031.29"),
    ),
    "final.basic": (set(), set()),
    "final.gov_fund": (set(), set()),
    "final.state_capital": (set(), set()),
    "final.three_public": (set(), set()),
    "final.three_public.total": (_set("0.96", "3.41", "0.94", "3.35", "0.02", "16.67"), set()),
    "final.three_public.detail": (_set("10", "1", "11"), set()),  # 保有量, 接待批次/人次 not stored
    "final.other": (set(), set()),
    "final.other.operating_cost": (_set("1.19", "0.76"), set()),
    "final.other.procurement": (set(), set()),
    "final.other.assets": (set(), set()),
    # INV-F19: the seed says 24 projects / 6 良 / 1964.55万; the 23 attached forms give 23 / 5 良 / Σ 全年预算数.
    "final.other.performance": (_set("24", "1964.55", "6"), _set("23", "5", "1841.72")),
}


def _load(import_seed, name: str):
    disclosure = Disclosure.objects.get(pk=import_seed(name).disclosure_id)
    return disclosure, generate_narrative(disclosure)


def _text(item) -> str:
    return "\n".join(item.paragraphs)


def _seed_lines(body: str) -> list[str]:
    """The section body without chart captions (收入预算图…)."""
    return [line for line in body.split("\n") if line.strip() and not line.endswith("图")]


def _shares(text: str) -> list[Decimal]:
    return [D(v) for v in re.findall(r"占(?:比)?([\d.]+)%", text)]


def _compare(items, sections, expectations) -> list[str]:
    problems = []
    for item, section in zip(items, sections, strict=True):
        external, extra = expectations[item.key]
        generated, seed = set(numbers_in(_text(item))), set(numbers_in(section.body))
        if external is None:  # free text only
            if generated:
                problems.append(f"{item.key}: generated numbers {generated} for a free-text item")
            continue
        if missing := seed - external - generated:
            problems.append(f"{item.key}: seed numbers not generated {sorted(missing)}")
        if invented := generated - seed - extra:
            problems.append(f"{item.key}: generated numbers not in the seed {sorted(invented)}")
        if leaked := generated & external:
            problems.append(f"{item.key}: external numbers generated {sorted(leaked)}")
    return problems


# ---------------------------------------------------------------- 001 budget 2026


def test_budget_items_follow_the_official_headings(import_seed):
    disclosure, items = _load(import_seed, "001")
    sections = list(disclosure.sections.filter(part="narrative").order_by("order"))
    assert [i.heading for i in items] == [s.heading for s in sections]
    assert [i.key for i in items] == list(BUDGET_001)
    assert [(i.number, i.level) for i in items if i.key in ("budget.general.scale", "budget.assets")] == [
        ("（一）", 2),
        ("十一", 1),
    ]


def test_budget_numbers_match_the_seed(import_seed):
    disclosure, items = _load(import_seed, "001")
    sections = list(disclosure.sections.filter(part="narrative").order_by("order"))
    assert _compare(items, sections, BUDGET_001) == []


def test_budget_sentences_reproduce_the_seed_verbatim(import_seed):
    disclosure, items = _load(import_seed, "001")
    by_key = {i.key: i for i in items}
    bodies = {s.heading: s.body for s in disclosure.sections.filter(part="narrative")}
    for key in ("budget.income", "budget.fiscal", "budget.general.structure", "budget.procurement"):
        item = by_key[key]
        assert item.paragraphs == _seed_lines(bodies[item.heading]), key


def test_budget_item_figures(import_seed):
    _, items = _load(import_seed, "001")
    text = {i.key: _text(i) for i in items}
    assert text["budget.income"].startswith(
        "2026年度晋城市应急管理局预算收入3,306.81万元，主要包括一般公共预算拨款收入3,257.54万元，占98.51%；"
    )
    assert "政府性基金预算拨款收入0万元，占0%" in text["budget.income"]
    assert "上年结转49.27万元，占1.49%。" in text["budget.income"]
    assert "基本支出1,071.45万元，占32.40%；项目支出2,235.36万元，占67.60%。" in text["budget.expenditure"]
    assert _shares(text["budget.general.structure"]) == [D(v) for v in ("0.06", "6.83", "1.71", "2.18", "89.22")]
    assert "灾害防治及应急管理支出2,906.39万元" in text["budget.general.structure"]  # current year only
    assert "灾害防治及应急管理支出2,955.66万元" in text["budget.fiscal"]  # incl. carry-over
    assert "人员经费928.56万元" in text["budget.basic"] and "公用经费142.89万元" in text["budget.basic"]
    assert "退休费" in text["budget.basic"] and "公务接待费" in text["budget.basic"]
    assert "846.53万元" in text["budget.procurement"]
    assert "货物预算99.82万元、政府采购工程预算0万元、政府采购服务预算746.71万元" in text["budget.procurement"]
    assert "二级项目33个，共计金额2,186.09万元" in text["budget.performance"]
    assert (
        "公开项目绩效目标33个，涉及项目金额2,186.09万元，占部门（单位）项目支出总额的100.00%"
        in text["budget.performance"]
    )
    assert "办公用房建筑总面积1624.42平方米" in text["budget.assets"]


def test_budget_shares_add_up_without_adjustment(import_seed):
    _, items = _load(import_seed, "001")
    for item in items:
        if item.key in ("budget.income", "budget.expenditure", "budget.general.structure"):
            assert sum(_shares(_text(item))) == 100, item.key
            assert item.notes == []


def test_budget_without_previous_year_leaves_placeholders(import_seed):
    _, items = _load(import_seed, "001")
    text = {i.key: _text(i) for i in items}
    for key in ("budget.revenue_change", "budget.general.scale", "budget.three_public", "budget.operating_cost"):
        assert NO_PREVIOUS in text[key], key
        assert not re.search("比上年|比2025年|与2025年|相同|增长|下降", text[key]), key
    assert text["budget.revenue_change"].count(REASON) == 2
    assert FILL in text["budget.performance"] and FILL in text["budget.other.purchase_services"]


# ---------------------------------------------------------------- 003 final accounts 2023


def test_final_items_follow_the_official_headings(import_seed):
    disclosure, items = _load(import_seed, "003")
    sections = list(disclosure.sections.filter(part="narrative").order_by("order"))
    assert [i.heading for i in items] == [s.heading for s in sections]
    assert [i.key for i in items] == list(FINAL_003)


def test_final_numbers_match_the_seed(import_seed):
    disclosure, items = _load(import_seed, "003")
    sections = list(disclosure.sections.filter(part="narrative").order_by("order"))
    assert _compare(items, sections, FINAL_003) == []


def test_final_sentences_reproduce_the_seed_verbatim(import_seed):
    disclosure, items = _load(import_seed, "003")
    bodies = {s.heading: s.body for s in disclosure.sections.filter(part="narrative")}
    verbatim = (
        "final.income",
        "final.expenditure",
        "final.general.structure",
        "final.gov_fund",
        "final.state_capital",
        "final.other.procurement",
    )
    for item in items:
        if item.key in verbatim:
            assert item.paragraphs == _seed_lines(bodies[item.heading]), item.key


def test_final_item_figures(import_seed):
    _, items = _load(import_seed, "003")
    text = {i.key: _text(i) for i in items}
    notes = {i.key: i.notes for i in items}
    assert "收入总计3,487.99万元，支出总计3,487.99万元" in text["final.overall"]
    assert "财政拨款收入3,220.54万元，占比99.99%" in text["final.income"]
    assert "其他收入0.21万元，占比0.01%" in text["final.income"]
    assert "基本支出985.02万元，占比28.26%" in text["final.expenditure"]
    assert "项目支出2,500.14万元，占比71.74%" in text["final.expenditure"]
    assert "决算支出3,220.54万元，占本年支出合计的92.41%" in text["final.general.total"]
    assert _shares(text["final.general.structure"]) == [D("1.98"), D("1.66"), D("2.24"), D("94.12")]
    assert "人员经费829.99万元" in text["final.basic"] and "公用经费155.03万元" in text["final.basic"]
    assert "支出全年预算29.14万元，支出决算29.14万元，完成全年预算的100.00%" in text["final.three_public.total"]
    assert "政府采购支出总额516.42万元" in text["final.other.procurement"]
    assert "中小企业合同金额304.15万元，占政府采购支出总额的58.90%" in text["final.other.procurement"]
    assert "小微企业合同金额206.85万元，占政府采购支出总额的40.05%" in text["final.other.procurement"]
    # 十(四): counts come from the attached self-evaluations; the blank grade (94.86) is inferred as 优
    assert "绩效自评个数23个" in text["final.other.performance"]
    assert "18个项目自评等级为“优”，5个项目自评等级为“良”" in text["final.other.performance"]
    assert any("按总分推定" in n for n in notes["final.other.performance"])
    assert "本年度无此项支出。" == text["final.gov_fund"] == text["final.state_capital"]
    for key in ("final.overall", "final.fiscal", "final.general.total", "final.other.operating_cost"):
        assert NO_PREVIOUS in text[key], key
        assert not re.search("增长|下降", text[key]), key


# ---------------------------------------------------------------- year over year


def _copy(disclosure: Disclosure, year: int, *, version: int = 1, status: str = Disclosure.Status.DRAFT, edit=None):
    """The disclosure's facts as another year's disclosure; ``edit(line)`` may change copied function lines."""
    copy = Disclosure.objects.create(
        unit=disclosure.unit, fiscal_year=year, kind=disclosure.kind, version=version, status=status
    )
    lines = []
    for line in disclosure.lines.select_related("function"):
        line.pk, line.disclosure = None, copy
        if edit:
            edit(line)
        lines.append(line)
    FunctionLine.objects.bulk_create(lines)
    for balance in disclosure.balances.all():
        Balance.objects.create(disclosure=copy, item=balance.item, fund=balance.fund, amount=balance.amount)
    return copy


def _set_project(code: str, amount: Decimal):
    def edit(line):
        if line.function and line.function.code == code and not line.carryover:
            line.project = amount

    return edit


def _percent(delta: Decimal, base: Decimal) -> Decimal:
    return (delta * 100 / base).quantize(D("0.01"), ROUND_HALF_UP)


def test_budget_year_over_year_decrease(import_seed):
    current = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
    # 2025: 应急管理 1,199.00 + 2,444.08 万元 → 收入总计 5,750.89, the seed's prior year (DOMAIN §6.1 worked example)
    previous = _copy(current, 2025, edit=_set_project("2240109", D("36430800.00")))
    for cost in current.operating_costs.all():
        OperatingCost.objects.create(
            disclosure=previous, unit_name=cost.unit_name, fund=cost.fund, amount=D("1385800.00"), order=cost.order
        )
    for line in current.three_public.all():
        ThreePublicLine.objects.create(
            disclosure=previous, stage=line.stage, fund=line.fund, item=line.item, amount=line.amount
        )
    assert find_previous(current) == previous
    text = {i.key: _text(i) for i in generate_narrative(current)}

    assert text["budget.revenue_change"].count("比上年减少2,444.08万元，下降42.50%") == 2  # the seed's figures
    general_before = D("3257.54") + D("2444.08")
    assert f"比上年减少2,444.08万元，下降{_percent(D('2444.08'), general_before)}%" in text["budget.general.scale"]
    assert "比2025年预算增加4.31万元，增长3.11%，主要原因是：（请填写）" in text["budget.operating_cost"]  # seed
    assert "与2025年预算数相同" in text["budget.three_public"]
    assert "公务接待费0.50万元，与上年预算数相同" in text["budget.three_public"]
    assert REASON not in text["budget.three_public"]
    assert all(NO_PREVIOUS not in t for t in text.values())


def test_budget_year_over_year_increase_with_explicit_previous(import_seed):
    current = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
    previous = _copy(current, 2025, edit=_set_project("2240109", D("10990000.00")))  # 100.00 万元 less
    text = {i.key: _text(i) for i in generate_narrative(current, previous=previous)}
    assert f"比上年增加100.00万元，增长{_percent(D('100'), D('3206.81'))}%" in text["budget.revenue_change"]
    assert "增长3.12%" in text["budget.revenue_change"]
    assert f"比上年增加100.00万元，增长{_percent(D('100'), D('3157.54'))}%" in text["budget.general.scale"]
    # no operating costs stored for 2025: blank counts as zero, no rate against a zero base
    assert "比2025年预算增加142.89万元，主要原因是" in text["budget.operating_cost"]


def test_find_previous_prefers_the_published_version(import_seed):
    current = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
    assert find_previous(current) is None
    first = _copy(current, 2025, version=1)
    draft = _copy(current, 2025, version=2)
    assert find_previous(current) == draft  # no published version: the latest one
    Disclosure.objects.filter(pk=first.pk).update(status=Disclosure.Status.PUBLISHED)  # reached by an UPDATE
    assert find_previous(current) == first


def test_final_year_over_year_reproduces_the_seed_sentences(import_seed):
    current = Disclosure.objects.get(pk=import_seed("003").disclosure_id)
    previous = _copy(current, 2022)
    OperatingCost.objects.create(
        disclosure=previous, unit_kind=OperatingCost.UnitKind.ADMINISTRATIVE, amount=D("1562200.00")
    )
    for stage in ThreePublicLine.Stage:
        for item, amount in (("vehicle_operation", "280600.00"), ("reception", "1200.00")):
            ThreePublicLine.objects.create(
                disclosure=previous, stage=stage, fund="general", item=item, amount=D(amount)
            )
    text = {i.key: _text(i) for i in generate_narrative(current)}
    assert "比2022年减少1.19万元，下降0.76%" in text["final.other.operating_cost"]
    three = text["final.three_public.total"]
    assert "完成全年预算的100.00%，比上年度增加0.96万元，增长3.41%" in three
    assert "公务用车运行维护费支出29.00万元，完成全年预算的100.00%，比上年度增加0.94万元，增长3.35%" in three
    assert "公务接待费支出0.14万元，完成全年预算的100.00%，比上年度增加0.02万元，增长16.67%" in three
    assert (
        "因公出国（境）费支出0万元，完成全年预算的0%，与上年相同，主要原因是：2023年度本单位无因公出国（境）费支出"
        in three
    )
    assert "与上年相比，收入总计与上年持平，支出总计与上年持平。" in text["final.overall"]
    assert REASON not in text["final.overall"]


# ---------------------------------------------------------------- numbers in a text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("预算收入3,306.81万元，占98.51%；政府性基金0万元，占0%", ["3306.81", "98.51", "0", "0"]),
        ("比上年减少2444.08万元，下降42.50%", ["2444.08", "42.50"]),
        ("截至2025年12月31日，共有车辆10辆", ["10"]),
        ("1、车辆情况：实有3辆；2、房屋情况", ["3"]),
        ("A0407 法律援助服务", []),
        ("合计1,234,567.5元", ["1234567.5"]),
        ("2023年度二级项目24个，涉及资金1964.55万元", ["24", "1964.55"]),
        ("本年度无此项支出。", []),
    ],
)
def test_numbers_in(text, expected):
    assert numbers_in(text) == [D(v) for v in expected]


def test_differing_numbers():
    generated = "预算收入3,306.81万元，（上年数据未入库，增减情况待补充），占100.00%"
    edited = "预算收入3306.81万元，比上年减少2,444.08万元，下降42.50%，占100%，再减少2444.08万元"
    assert differing_numbers(edited, generated) == [D("2444.08"), D("42.50")]
    assert differing_numbers(generated, generated) == []
    assert differing_numbers("2026年度，1、", "") == []
