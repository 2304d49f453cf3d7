"""disclosures.importing.forms against seeds 000 (晋中 2022, 43 standalone forms) and 001 (晋城 2026, 33 forms
inside the budget disclosure, watermark 仅供内部审核). DOMAIN §1.3, §4.1–4.7, Q9–Q13, Q19, Q20. No database."""

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from disclosures.importing.forms import parse_target_forms, parse_targets_document
from disclosures.importing.parsed import ParsedDocument, ParsedFunds, ParsedTargetForm

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_000 = SEEDS / "000_c39a960be00f8cec.txt"
SEED_001 = SEEDS / "001_49b48d5cdbcf261b.txt"
LEVEL1 = {"产出指标", "效益指标", "满意度指标"}


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def doc000() -> ParsedDocument:
    return parse_targets_document(SEED_000.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def forms000(doc000: ParsedDocument) -> list[ParsedTargetForm]:
    return doc000.target_forms


@pytest.fixture(scope="module")
def forms001() -> list[ParsedTargetForm]:
    return parse_target_forms(lines_of(SEED_001))


def form(forms: list[ParsedTargetForm], name: str) -> ParsedTargetForm:
    (found,) = [f for f in forms if f.project_name == name]
    return found


def grid(f: ParsedTargetForm, period: str) -> list[tuple[str, str, str, str]]:
    return [(i.level1, i.level2, i.name, i.value) for i in f.indicators if i.period == period]


def messages(f: ParsedTargetForm) -> list[str]:
    return [issue.message for issue in f.issues]


def funds(*values: str | None) -> ParsedFunds:
    return ParsedFunds(*(None if v is None else Decimal(v) for v in values))


# -- counts -----------------------------------------------------------------------------------------------------


def test_form_counts(forms000: list[ParsedTargetForm], forms001: list[ParsedTargetForm]) -> None:
    assert len(forms000) == 43
    assert len(forms001) == 33
    # The budget importer passes the embedded region only; titles outside [start, end) are not parsed.
    lines = lines_of(SEED_001)
    assert len(parse_target_forms(lines, start=509, end=2266)) == 33
    assert [f.line for f in parse_target_forms(lines, start=553, end=620)] == [554, 619]


def test_indicator_counts(forms000: list[ParsedTargetForm], forms001: list[ParsedTargetForm]) -> None:
    def count(forms: list[ParsedTargetForm]) -> Counter:
        return Counter(i.period for f in forms for i in f.indicators)

    # 000: 公用经费项目, 人员类项目 (9 each) and 煤矿执法装备经费 (6) have no 年度 column; 煤矿特种人员考核经费 lacks 2.
    assert count(forms000) == {"period": 281, "annual": 255}
    # 001: 特种作业人员安全技术考试 has no 年度 时效 indicator (Q11).
    assert count(forms001) == {"period": 300, "annual": 299}


def test_every_indicator_is_complete_and_points_at_its_line(
    forms000: list[ParsedTargetForm], forms001: list[ParsedTargetForm]
) -> None:
    for path, forms in ((SEED_000, forms000), (SEED_001, forms001)):
        lines = lines_of(path)
        for f in forms:
            for i in f.indicators:
                assert i.level1 in LEVEL1, (f.project_name, i)
                assert i.level2, (f.project_name, i)
                assert i.name or i.value, (f.project_name, i)
                assert i.name in lines[i.line - 1] and i.value in lines[i.line - 1], (f.project_name, i)
            assert not [issue for issue in f.issues if issue.severity == "error"], f.project_name


def test_annual_total_of_001_is_2176_09_wan(forms001: list[ParsedTargetForm]) -> None:
    # Narrative: 33 projects 2,186.09万元; 慰问款 (10万) prints a blank 年度资金总额, so the forms add up to 2,176.09万.
    # Checked against the seed: the 32 non-blank 年度资金总额 cells sum to 21,760,900.
    annual = [f.funds_annual.total for f in forms001]
    assert annual.count(None) == 1
    assert sum(t for t in annual if t is not None) == Decimal("21760900")
    assert all(f.funds_unit == "元" for f in forms001)


# -- 000 --------------------------------------------------------------------------------------------------------


def test_000_document(doc000: ParsedDocument) -> None:
    assert (doc000.kind, doc000.fiscal_year) == ("targets", 2022)
    assert (doc000.department_code, doc000.department_name) == ("206", "晋中市应急管理局")
    assert (doc000.unit_code, doc000.unit_name) == ("206001", "晋中市应急管理局")
    assert (doc000.region, doc000.region_level, doc000.province) == ("晋中市", "city", "山西省")
    assert doc000.title == "山西省省级预算部门（单位）项目支出绩效目标申报表"
    assert doc000.lines_read == len(lines_of(SEED_000))
    assert doc000.issues == []


def test_000_safety_inspection(forms000: list[ParsedTargetForm]) -> None:
    f = form(forms000, "安全检查费用")
    assert (f.line, f.title, f.year_label) == (3, "山西省省级预算部门（单位）项目支出绩效目标申报表", "（2022年度）")
    assert (f.department_label, f.implementing_unit) == ("206-晋中市应急管理局", "晋中市应急管理局")
    assert (f.attribute, f.period_label, f.funds_unit) == ("经常性项目（长期开展）", "3年", "元")
    assert f.funds_period == funds("4500000", "0", "0", "4500000", "0", None)
    assert f.funds_annual == funds("1500000", "0", "0", "1500000", "0", None)
    assert f.overview.startswith("通过认真履行安全监管职责,加大行政执法力度")
    assert f.basis.startswith("晋中市安全生产监督管理局关于印发2022年度安全生产监督检查计划的通知 中共晋中市委")
    assert f.necessity.endswith("促进全市安全生产形势持续稳定好转。")
    assert f.safeguards == (
        "严格按照晋中市安全生产监督管理局关于印发2018年度安全生产监督检查计划的通知(晋安监发[2018]6号)文件执行"
    )
    assert f.plan == "晋中市应急管理局2022年度安全生产监督检查计划"
    assert f.goal_period == f.goal_annual
    assert f.goal_period.startswith("通过认真履行安全监管职责")
    assert f.goal_period.endswith("完成市政府下达的各项考核指标。")
    common = [
        ("产出指标", "数量指标", "检查企业数", "≥200家"),
        ("产出指标", "质量指标", "安全检查覆盖率", "≥90%"),
        ("产出指标", "时效指标", "安全检查工作开展时间", "全年开展"),
    ]
    tail = [
        ("效益指标", "社会效益指标", "有效解决安全生产工作的", "长效"),
        ("效益指标", "可持续影响指标", "项目持续发挥作用的期限", "全年"),
        ("满意度指标", "服务对象满意度", "被检查企业满意度", "≥90%"),
    ]
    assert grid(f, "period") == [*common, ("产出指标", "成本指标", "安全生产检查费用", "≤450万元"), *tail]
    assert grid(f, "annual") == [*common, ("产出指标", "成本指标", "安全生产检查费用", "≤150万元"), *tail]
    assert [i.line for i in f.indicators if i.period == "annual"] == [24, 25, 26, 27, 29, 31, 32]
    assert (f.responsible, f.handler, f.phone, f.filled_at) == ("", "赵军", "3026350", "20211208102338")
    assert f.issues == []


def test_000_office_costs_have_no_annual_half(forms000: list[ParsedTargetForm]) -> None:
    f = form(forms000, "公用经费项目")  # Q11: basic expenditure presented as a project, 年度 column empty
    assert f.funds_period == f.funds_annual == funds("3495374.96", "0", "0", "3495374.96", "0", None)
    assert f.goal_annual == "" and f.goal_period.startswith("在支出标准范围内合理开支会议费")
    assert grid(f, "annual") == []
    assert grid(f, "period") == [
        ("产出指标", "数量指标", "购置办公设备数量", "≥56台(套)"),
        ("产出指标", "数量指标", "保障公务用车运维数量", "≥0辆"),
        ("产出指标", "质量指标", "办公设备验收合格率", "≥99%"),
        ("产出指标", "成本指标", "行政参公单位公务用车运维", "≤29000元/车年"),
        ("产出指标", "成本指标", "事业单位公务用车运维费", "≤20000元/车年"),  # name printed in the 一级 column
        ("效益指标", "社会效益指标", "单位正常运转保障度", "100%"),
        ("效益指标", "社会效益指标", "确保各项日常工作正常开展", "100%"),
        ("效益指标", "社会效益指标", "工作效能提升程度", "逐步提升"),
        ("满意度指标", "服务对象满意度", "工作人员满意度", "≥99%"),
    ]
    assert (f.handler, f.phone, f.filled_at) == ("", "", "20211031161020")


def test_000_coal_experts_misplaced_labels(forms000: list[ParsedTargetForm]) -> None:
    f = form(forms000, "市政府聘请煤炭专家费1(共2)")  # Q13: the grid with the most misplaced cells of 000
    assert grid(f, "period") == [
        ("产出指标", "数量指标", "开展安全检查和技术监督等专项服务的煤炭企业数", "≥126座"),
        ("产出指标", "数量指标", "常驻专家组人数", "40人"),
        (
            "产出指标",
            "质量指标",  # printed in the 一级 column, 工作标准 is its 三级 name
            "工作标准",
            "1.具有中高级职称.2熟悉安全法和有关技术标准,具有较高水平,在安全领域有一定声誉.3具有5年以上从事安全生产"
            "技术与管理工作经验.4有较强现场发现分析和解决问题的能力。",
        ),
        ("产出指标", "成本指标", "市政府聘请煤炭专家费", "48840000元"),
        ("效益指标", "经济效益指标", "煤炭产业优化升级", "煤炭效益提高"),
        ("效益指标", "社会效益指标", "确保政策落实", "有利于煤矿企业安全发展"),
        ("效益指标", "生态效益指标", "淘汰落后工艺技术", "提高生产效率,减少污染"),
        ("效益指标", "可持续影响指", "发挥作用", "一年内"),
        ("满意度指标", "服务对象满意度", "", "≥90%"),
    ]
    assert grid(f, "annual")[:2] == [
        ("产出指标", "数量指标", "常驻专家组人数", "40人"),
        ("产出指标", "数量指标", "开展安全检查和技术监督等专项服务的煤炭企业数", "≥126座"),
    ]
    assert grid(f, "annual")[4] == ("效益指标", "经济效益指标", "煤炭产业优化升级", "")  # truncated cell (Q30)
    assert [issue.line for issue in f.issues] == [902, 904, 906, 907, 908]
    assert "多余的单元格“全年随时”" in f.issues[0].message
    assert "含多个指标级别名称" in f.issues[3].message


def test_000_satisfaction_label_on_sustainability_row(forms000: list[ParsedTargetForm]) -> None:
    f = form(forms000, "救护大队聘用人员经费4(共4)")  # Q13: 满意度指标 printed beside 可持续影响指标
    assert grid(f, "period")[-2:] == [
        ("满意度指标", "可持续影响指标", "是否按规定按标准发放工资津补贴", "是"),
        ("满意度指标", "服务对象满意度指标", "聘用合同制人员对单位财务人员满意度", "100%"),
    ]
    assert messages(f) == ["二级指标“可持续影响指标”不属于一级指标“满意度指标”，按原样保留"]


def test_000_footer_on_two_lines(forms000: list[ParsedTargetForm]) -> None:
    f = form(forms000, "救护大队聘用人员经费1(共4)")  # 填报日期 printed on the line after the signatures
    assert (f.handler, f.phone, f.filled_at) == ("曹毓芳", "13935408239", "20211215110345")
    f = form(forms000, "残疾人就业保障金")  # “填报日期： 20211207160952” in one cell
    assert (f.handler, f.phone, f.filled_at) == ("林高桥", "15934406566", "20211207160952")


# -- 001 --------------------------------------------------------------------------------------------------------


def test_001_emergency_work_form(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "应急工作专项业务费")  # DOMAIN §4.7
    assert (f.line, f.title, f.year_label) == (510, "晋城市市级预算部门（单位）项目支出绩效目标表", "(2026年度)")
    assert (f.department_label, f.implementing_unit) == ("222-晋城市应急管理局", "晋城市应急管理局")
    assert (f.attribute, f.period_label, f.funds_unit) == ("经常性项目（长期开展）", "99年", "元")
    assert f.funds_period == f.funds_annual == funds("1930000", "0", "0", "1930000", "0", None)
    assert f.overview.startswith("为保障安委会及其他专项工作正常开展,2026年应急工作专项业务费预算资金193万元")
    assert "<p>" not in f.overview + f.basis and f.basis.startswith("1、《中华人民共和国安全生产法》")
    assert f.necessity == "保障安委会及其他专项工作的正常开展,确保年度的工作目标按时完成。"
    assert f.safeguards.startswith("由煤矿综合科牵头")
    assert f.plan.startswith("1、预计于2026年6月底前组织召开一次安全生产工作会")  # after three watermark lines
    assert f.goal_period == f.goal_annual and f.goal_period.startswith("通过开展安委会工作会议")
    expected = [
        ("产出指标", "数量指标", "安全生产领域常态化督导巡查次数", "4次"),
        ("产出指标", "数量指标", "安委会工作例会召开次数", "12次"),
        ("产出指标", "数量指标", "维保系统种类", "4类"),
        ("产出指标", "数量指标", "安全生产领域常态化督导组数量", "4组"),
        ("产出指标", "质量指标", "督导检查整改率", "≥85%"),
        ("产出指标", "质量指标", "系统维保合格率", "100%"),
        ("产出指标", "时效指标", "安委会工作例会召开时间", "每月"),
        ("产出指标", "时效指标", "专用设备系统维保合同签订完成时间", "2026年10月底前"),
        ("产出指标", "时效指标", "安全生产领域常态化督导时间", "每季度"),
        ("产出指标", "时效指标", "安全生产工作会召开时间", "2026年6月底前"),
        ("产出指标", "成本指标", "应急工作专项业务费", "≤193万元"),  # 成本指标 printed at the 一级 position
        ("效益指标", "社会效益", "推进安全生产形势持续稳定好转", "有效推进"),
        ("效益指标", "社会效益", "保障单位正常运转", "保障"),
        ("满意度指标", "服务对象满意度", "单位人员满意度", "≥90%"),
    ]
    assert grid(f, "period") == grid(f, "annual") == expected
    for period in ("period", "annual"):
        levels = Counter(i.level1 for i in f.indicators if i.period == period)
        assert levels == {"产出指标": 11, "效益指标": 2, "满意度指标": 1}
    assert [i.line for i in f.indicators if i.period == "period"] == [*range(535, 546), 547, 548, 551]
    assert (f.responsible, f.handler, f.phone, f.filled_at) == ("", "", "", "20260108105222")
    assert f.issues == []


def test_001_condolence_blank_annual_funds(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "慰问款")  # Q12; 实施单位 label missing, 99年 wrapped onto the next line
    assert f.funds_period == funds("100000", "0", "0", "100000", "0", None)
    assert f.funds_annual == ParsedFunds()
    assert f.funds_annual.total is None
    assert (f.implementing_unit, f.attribute, f.period_label) == ("晋城市应急管理局", "经常性项目（长期开展）", "99年")
    assert messages(f) == ["缺少“实施单位”标签，按位置将“晋城市应急管理局”读作实施单位"]
    assert len(grid(f, "period")) == len(grid(f, "annual")) == 8  # rows 1945–1955


def test_001_unit_label_wan_but_yuan(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "市级监管煤矿安全监管专员履职经费项目")  # Q20
    assert f.funds_unit == "元"
    assert f.funds_period == f.funds_annual == funds("750000", "0", "0", "750000", "0", None)
    assert [(i.line, i.cell) for i in f.issues] == [(1451, "项目资金")]
    assert "万元" in f.issues[0].message


def test_001_malformed_fill_dates(forms001: list[ParsedTargetForm]) -> None:
    flagged = {
        (issue.line, f.filled_at) for f in forms001 for issue in f.issues if issue.cell == "填报日期"
    }  # Q19, kept as printed
    assert flagged == {
        (953, "202601161"),
        (1591, "20260109 15:10"),
        (1637, "2026011611300"),
        (1546, "20261209154958"),  # 14 digits, but December of the budget year itself
    }
    # Spaces inserted by the extraction are kept; 14 digits once removed, so not flagged.
    assert form(forms001, "晋城市安全教育培训管理平台尾款及质保金").filled_at == "202601081 70151"


def test_001_hazardous_chemicals_labels_printed_below(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "危化、工贸行业安全专项整治服务项目")  # 产出指标 label printed mid-block after a page break
    assert grid(f, "period")[:3] == [
        ("产出指标", "数量指标", "危险化学品老旧装置企业数量", "5家"),
        ("产出指标", "数量指标", "涉及一重点一重大的危险化学品企业数量", "25家"),
        ("产出指标", "质量指标", "冶金工贸重点企业数量", "≤16家"),
    ]
    assert grid(f, "annual")[1] == ("产出指标", "数量指标", "涉及一重点一重大的危险化学品企业数量", "")  # Q11
    f = form(forms001, "全省森林草原防灭火应急演练(后调整为全省防汛演练)")  # first row above its 数量指标 label
    assert grid(f, "period")[0] == ("产出指标", "数量指标", "场地平整面积", "11680平方米")


def test_001_shifted_and_doubled_level_columns(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "应急预案修订及应急演练")  # Q13: 数量指标 in the 一级 column, rows in different order per half
    assert grid(f, "period")[:2] == [
        ("产出指标", "数量指标", "修订预案数量", "≤5个"),
        ("产出指标", "数量指标", "应急演练开展次数", "2次"),
    ]
    assert grid(f, "annual")[:2] == [
        ("产出指标", "数量指标", "应急演练开展次数", "2次"),
        ("产出指标", "数量指标", "修订预案数量", "≤5个"),
    ]
    assert "二级指标“数量指标”印在一级指标栏，按二级指标读取" in messages(f)
    # “生态效益\t\t\t生态效益” and “经济效益\t经济效益\t\t\t经济效益” template rows are no indicators.
    level2 = {i.level2 for i in f.indicators}
    assert level2 == {"数量指标", "质量指标", "时效指标", "成本指标", "社会效益", "服务对象满意度"}

    f = form(forms001, "市级应急管理能力和能力现代化建设专题培训")  # junk rows 成本指标 ×7 and 经济效益 ×8
    assert [m for m in messages(f) if m.startswith("异常行")] == [
        "异常行：7个单元格均为“成本指标”，已忽略",
        "异常行：8个单元格均为“经济效益”，已忽略",
    ]
    assert grid(f, "period")[6] == ("效益指标", "社会效益", "提升应急管理干部业务素质和能力", "提升")
    assert f.goal_annual == ""  # Q11

    f = form(forms001, "遗属补助")  # irregular 二级 经济目标; vertical label fragment “指标” at the row start
    assert grid(f, "period")[4:8] == [
        ("产出指标", "成本指标", "遗属冬季取暖补助发放标准2", "3920元/人/年"),
        ("产出指标", "成本指标", "遗属生活困难补助发放标准", "524至1349元/人/月"),
        ("产出指标", "经济目标", "遗属冬季取暖补助发放标准1", "3360元/人/年"),
        ("产出指标", "经济目标", "遗属冬季取暖补助发放标准3", "4480元/人/年"),
    ]
    assert "不规范的二级指标名称“经济目标”，按原样保留" in messages(f)


def test_001_annual_half_from_the_other_column(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "十四五规划总结评估及十五五规划编制应支未支尾款")  # 时效指标 printed in the 年度 half only
    assert grid(f, "period")[3:5] == [
        ("产出指标", "时效指标", "编制工作完成时间", "2026年5月底前"),
        ("产出指标", "时效指标", "部分编制费用支付时间", "2026年6月底前"),
    ]
    assert grid(f, "annual")[3:5] == [
        ("产出指标", "时效指标", "部分编制费用支付时间", ""),
        ("产出指标", "时效指标", "编制工作完成时间", "2026年5月底前"),
    ]
    f = form(forms001, "特种作业人员安全技术考试")  # Q11: no 年度 时效 indicator
    assert [row[1] for row in grid(f, "annual")].count("时效指标") == 0
    assert ("产出指标", "时效指标", "考试点经费拨付时间", "2026年8月底前") in grid(f, "period")


def test_001_one_half_header_repeats_rows_for_the_annual_half(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "森林消防专业队伍技能比武")
    quantity = [("产出指标", "数量指标", "每支队伍参赛人数", "15人"), ("产出指标", "数量指标", "参赛队伍数量", "9支")]
    assert grid(f, "period")[:2] == grid(f, "annual")[:2] == quantity
    assert len(grid(f, "period")) == len(grid(f, "annual")) == 8
    assert messages(f) == ["绩效指标表头只有实施期一栏", "年度列缺失，与实施期相同的重复行按年度指标读取"]


def test_001_doubled_cells(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "应急抢险通信对讲机终端、云平台业务服务费、设备维护等通信保障")
    assert ("产出指标", "时效指标", "卫星电话通信服务合同签订时间", "2026年8月底前") in grid(f, "annual")
    assert f.goal_annual == "" and f.goal_period.startswith("实施抢险通信对讲机终端云平台")  # Q11
    f = form(forms001, "安全生产、防灾减灾等宣传")  # every level label printed twice
    assert grid(f, "annual")[0] == ("产出指标", "数量指标", "《安全晋城》微信平台全年更新内容", "≥1000条")
    assert len(grid(f, "period")) == len(grid(f, "annual")) == 19


def test_001_missing_head_labels(forms001: list[ParsedTargetForm]) -> None:
    f = form(forms001, "应急避难场所维护")  # 实施单位 and 项目期 labels not printed
    assert (f.implementing_unit, f.period_label) == ("晋城市应急管理局", "99年")
    assert [i.cell for i in f.issues] == ["实施单位", "项目期"]
    f = form(forms001, "应急管理和安全生产等专题培训项目")  # “项目期 99年”, “年度资金总额: 800,000” in one cell
    assert f.period_label == "99年"
    assert f.funds_annual == funds("800000", "0", "0", "800000", "0", None)
    f = form(forms001, "2026年其他项目应支未支款项")  # “项目资金” … “(元)” split over two lines
    assert f.funds_unit == "元" and f.funds_annual.local == Decimal("1173000")
