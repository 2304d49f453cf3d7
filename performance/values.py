"""指标值 — parse a printed indicator target value and normalise indicator category labels.

Grammar (DOMAIN §4.2): ``value := [operator] number [unit] | qualitative | date-phrase | range | free text``.
``parse_indicator_value`` never raises: whatever it cannot read comes back as kind "text" with flag "unparsed".

Decisions
- number and unit are kept as printed: ``60万条`` → number 60, unit "万条"; ``≤193万元`` → 193, "万元";
  ``3.2 万户`` → 3.2, "万户". ``IndicatorValue.scaled`` applies the 万/亿 multiplier when it is needed.
- Operators are normalised (＝→=, ≧→≥, 不少于→≥ …); ``≧``, ``≦`` and ``≠`` (used for "=" in 003) keep their
  meaning but are flagged "malformed_operator"; ``≠`` stays "≠" because it is what the form says.
- Suffix words 以上 / 以下 / 以内 after a quantity act as ≥ / ≤.
- The 002 extraction artifact ``<v>100%`` (Q4) becomes number v, flag "doubled": ``100100%`` → 100 %,
  ``17100%`` → 17, ``3100%`` → 3 (unit unknown, so ""). A plain ``100%`` is not doubled.
- Placeholders (``XX月XX日``, ``XX``, ``××``, ``某某``; Q9) are removed before parsing the rest and flagged
  "placeholder": ``12月31日前XX月XX日前`` → date 12月31日前. A lone placeholder date is kind "date" with no text;
  in ``100XX月XX日前`` the leftover ``100`` is the Q4 artifact and is dropped (flag "doubled").
- Without an operator a year/month/day phrase is a date (``11月``, ``2022年``); with one it is a quantity (``≥3月``).
- Ranges (``10000—20000人``, ``524至1349元/人/月``, ``5-11月``) fill low/high; number stays None.
- ``text`` holds the qualitative / date / free-text phrase with extraction spaces removed, "" otherwise.
- kind "text" always carries flag "unparsed": free sentences, ``3*300``, ``≥2022年依法维权次数`` … are kept,
  never rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("quantity", "qualitative", "date", "range", "text", "blank")
FLAG_PLACEHOLDER = "placeholder"
FLAG_DOUBLED = "doubled"
FLAG_MALFORMED_OPERATOR = "malformed_operator"
FLAG_UNPARSED = "unparsed"

_MULTIPLIERS = {"万": Decimal(10000), "亿": Decimal(100000000)}


@dataclass(frozen=True)
class IndicatorValue:
    raw: str  # exactly as given
    operator: str = ""  # ≥ ≤ = < > ≠ or ""
    number: Decimal | None = None  # as printed (before any 万 multiplier)
    unit: str = ""  # as printed, spaces removed: 次, 万元, 元/人/月, 台(套) …
    kind: str = "text"  # one of KINDS
    low: Decimal | None = None  # ranges only
    high: Decimal | None = None
    flags: tuple[str, ...] = ()
    text: str = ""  # qualitative / date / free-text phrase

    @property
    def multiplier(self) -> Decimal:
        """10000 for units printed with 万 (万元, 万条, 万), 1 otherwise."""
        return _MULTIPLIERS.get(self.unit[:1], Decimal(1))

    @property
    def base_unit(self) -> str:
        """The unit without its 万/亿 prefix: 万元 → 元, 万户 → 户, 万 → ""."""
        return self.unit[1:] if self.unit[:1] in _MULTIPLIERS else self.unit

    @property
    def scaled(self) -> Decimal | None:
        """number × multiplier, e.g. ≤193万元 → 1930000 (元)."""
        return None if self.number is None else self.number * self.multiplier


# --- character clean-up -------------------------------------------------------------------------------------------

_TRANSLATE = str.maketrans(
    "０１２３４５６７８９．％＝＞＜（）／－～：；，Ｘｘ",
    "0123456789.%=><()/-~:;,Xx",
)
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef≥≤≧≦≠—·"
_SPACE_NEAR_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")


def _compact(text: str) -> str:
    """Collapse extraction spaces (``有效降 低`` → ``有效降低``) and strip list punctuation at the end."""
    text = text.replace("\u3000", " ").replace("\xa0", " ").strip()
    text = _SPACE_NEAR_CJK.sub("", re.sub(r"\s+", " ", text))
    return text.rstrip("。.;；,，、:：").strip()


# --- grammar pieces -----------------------------------------------------------------------------------------------

_OPERATOR_FORMS = {
    "≥": "≥ >= ≧ 大于等于 大于或等于 不少于 不低于 不小于 不得少于 不得低于 至少",
    "≤": "≤ <= ≦ 小于等于 小于或等于 不超过 不高于 不大于 不多于 不得超过",
    "=": "= == 等于",
    "<": "< 小于 低于 少于",
    ">": "> 大于 高于 超过 多于",
    "≠": "≠",
}
_MALFORMED_OPERATORS = frozenset("≧≦≠")
_OPERATORS = sorted(
    ((form, op) for op, forms in _OPERATOR_FORMS.items() for form in forms.split()), key=lambda item: -len(item[0])
)
_SUFFIX_OPERATORS = (("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤"), ("以内", "≤"))

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT_ATOMS = sorted(
    """平方公里 平方米 立方米 立方 公里 千米 厘米 米 人次 台次 架次 场次 户次 批次 个月 小时 分钟 学时 课时 工日
    次 家 个 人 名 条 套 台 块 部 期 项 类 种 组 座 支 盘 架 天 日 周 场 年 月 元 户 份 辆 车 件 起 批 篇 本 册 张 处 所
    间 宗 吨 公斤 千克 亩 公顷 棵 株 页 幅 根 盒 箱 双 副 把 顶 艘 只 枚 分 秒 度 台套 盏 节 段 片 册次 人日
    """.split(),
    key=len,
    reverse=True,
)
_ATOM = "(?:" + "|".join(map(re.escape, _UNIT_ATOMS)) + ")"
_UNIT = rf"(?:%|‰|[万亿](?:{_ATOM}{{1,3}})?|{_ATOM}{{1,3}})(?:\({_ATOM}\))?(?:/每?{_ATOM}{{1,3}})*"
_QUANTITY_RE = re.compile(rf"^(?P<num>-?(?:{_NUMBER}))(?P<unit>{_UNIT})?$")
_UNIT_RE = re.compile(rf"^{_UNIT}$")
_RANGE_RE = re.compile(rf"^(?P<low>{_NUMBER})(?P<u1>{_UNIT})?(?:-+|—+|~|至|到)(?P<high>{_NUMBER})(?P<u2>{_UNIT})?$")
_DOUBLED_RE = re.compile(r"^(?P<num>\d+(?:\.\d+)?)100%$")

_YEAR = r"(?:19|20)\d{2}年度?"
_MONTH = r"\d{1,2}月份?"
_DAY = r"\d{1,2}[日号]"
_POS = r"(?:底|末|初|中|上旬|中旬|下旬)"
_POINT = (
    rf"(?:(?:{_YEAR}(?:{_MONTH}(?:{_DAY})?)?|{_MONTH}(?:{_DAY})?){_POS}?"
    r"|(?:本|当|全)?年(?:底|末|初|中|内|度内)|上半年|下半年|全年内?|一年内|年内|当月|次月)"
)
_REL = r"(?:之前|以前|前后|前|之内|以内|内|止|为止|左右)?"
_SPAN = rf"{_POINT}{_REL}(?:(?:-+|—+|~|至|到){_POINT}{_REL})?(?:之间|期间)?"
_FESTIVAL = (
    r"(?:八一(?:建军节)?|建军节|春节|元旦|国庆节?|中秋节?|端午节?|清明节?|五一|劳动节|两会|节假日|重要节日|"
    r"主汛期|汛期|森林防火期|防火期|安全生产月|\d{1,2}·\d{1,2}(?:宣传周)?|宣传周|宣传月)"
)
_VERB = r"(?:完成|开展|支付|统一支付|发放|发布|召开|实施|验收|执行|上报)?"
_DATE_RES = (
    re.compile(rf"^{_SPAN}(?:[、,和及]{_SPAN})*{_VERB}$"),
    re.compile(rf"^{_FESTIVAL}(?:[、,和及]{_FESTIVAL})*(?:期间|期内|前后|前|内)?{_VERB}$"),
    re.compile(r"^第[一二三四1-4](?:[、,][一二三四1-4]|[、,]第[一二三四1-4])*季度$"),
    re.compile(r"^(?:每(?:个)?(?:天|日|周|旬|月|季度|季|半月|半年|年|学期)(?:[一1]次|\d+次)?[、,]?)+$"),
)

_PLACEHOLDER_ATOM = r"(?:X{2,}|x{2,}|×{2,}|某某|X(?=[年月日号]))"
_PLACEHOLDER_RE = re.compile(
    rf"{_PLACEHOLDER_ATOM}(?:[年月日号]{_PLACEHOLDER_ATOM}?)*[年月日号]?"
    rf"(?:(?:-+|—+|~|至){_PLACEHOLDER_ATOM}(?:[年月日号]{_PLACEHOLDER_ATOM}?)*[年月日号]?)?(?:前|之前|以前)?"
)

_QUALITATIVE_WORDS = frozenset(
    """全年开展 全年持续开展 持续开展 提升 提高 保障 增强 改善 推进 防范 合格 属实 及时 及时发放 及时发布 及时发布接收
    长效 健全 完备 完善 合理 稳定 减少 降低 是 否 高 较高 优 优秀 良 良好 显著 明显 按标准 按合同约定支付
    根据实际情况执行 促进 保护 加强 鼓励 有效 能够 达标 达到 满足 完成 已完成 高质量完成 按时完成 按期完成
    达成预期指标 未完成预期指标 未达成预期指标 部分达成预期指标 长期 长期影响 持续 正常 准确 规范 无 有 好
    满意 基本满意 确保 保证 按时 按月足额发放 按标准发放到位 落实 到位 充足 齐全 安全 畅通 准时 全覆盖
    逐年提高 不断提高 大幅提升""".split()
)
_ADVERBS = tuple(
    "进一步 有效 持续 逐步 有所 明显 稳步 不断 显著 大幅 得到 总体 全面 基本 切实 均 全部 已 较 很 非常 稳定".split()
)
_PHRASE_STARTS = ("按", "根据", "依据", "依照", "以")


def _is_qualitative(text: str) -> bool:
    """A vocabulary word, optionally after an adverb (有效降低, 得到保障) or two words run together (增强保障)."""
    if text in _QUALITATIVE_WORDS or text.startswith("部分达成预期指标"):
        return True
    rest = next((text[len(a) :] for a in _ADVERBS if text.startswith(a) and len(text) > len(a)), text)
    if rest in _QUALITATIVE_WORDS:
        return True
    if any(rest[:i] in _QUALITATIVE_WORDS and rest[i:] in _QUALITATIVE_WORDS for i in range(2, len(rest) - 1)):
        return True
    # short procedural phrases: 按合同约定支付, 以政府批复报告为准, 根据实际情况执行
    return text.startswith(_PHRASE_STARTS) and len(text) <= 12 and not re.search(r"\d", text)


def _is_date(text: str) -> bool:
    return any(pattern.match(text) for pattern in _DATE_RES)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _split_operator(text: str) -> tuple[str, str, bool]:
    for printed, normal in _OPERATORS:
        if text.startswith(printed):
            return normal, text[len(printed) :].lstrip(), printed in _MALFORMED_OPERATORS
    return "", text, False


def _quantity(body: str) -> tuple[Decimal, str] | None:
    match = _QUANTITY_RE.match(body.replace(" ", ""))
    if not match:
        return None
    number = _decimal(match["num"])
    return (number, match["unit"] or "") if number is not None else None


# --- public API ---------------------------------------------------------------------------------------------------


def parse_indicator_value(raw: str) -> IndicatorValue:
    """Parse one printed 指标值 (see the module docstring). Never raises."""
    try:
        return _parse(raw)
    except Exception:  # noqa: BLE001 - the contract is "never raise"; a bug here must not stop an import
        return IndicatorValue(raw=raw, kind="text", text=str(raw), flags=(FLAG_UNPARSED,))


def _parse(raw: str) -> IndicatorValue:
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    text = _compact(raw.translate(_TRANSLATE))
    flags: list[str] = []

    def result(kind: str, **fields: object) -> IndicatorValue:
        if kind == "text":
            flags.append(FLAG_UNPARSED)
        return IndicatorValue(raw=raw, kind=kind, flags=tuple(dict.fromkeys(flags)), **fields)  # type: ignore[arg-type]

    if text in ("", "-", "--", "—", "——", "/", "\\"):
        return result("blank")

    placeholder_date = False
    if _PLACEHOLDER_RE.search(text):
        placeholder_date = any(ch in match for match in _PLACEHOLDER_RE.findall(text) for ch in "年月日号")
        text = _compact(_PLACEHOLDER_RE.sub("", text))
        flags.append(FLAG_PLACEHOLDER)
        if placeholder_date and text in ("100", "100%"):  # 002: the neighbour column's 100% glued on (Q4)
            flags.append(FLAG_DOUBLED)
            text = ""
        if not text:
            return result("date") if placeholder_date else IndicatorValue(raw=raw, kind="text", flags=tuple(flags))

    operator, body, malformed = _split_operator(text)
    if malformed:
        flags.append(FLAG_MALFORMED_OPERATOR)
    body = body.replace(" ", "")

    doubled = _DOUBLED_RE.match(body)
    if doubled:
        flags.append(FLAG_DOUBLED)
        number = _decimal(doubled["num"])
        return result("quantity", operator=operator, number=number, unit="%" if doubled["num"] == "100" else "")

    if not operator:
        if _is_qualitative(body):
            return result("qualitative", text=body)
        if _is_date(body):
            return result("date", text=body)

    if FLAG_PLACEHOLDER in flags and _UNIT_RE.match(body):  # XX万元: the number itself is the placeholder
        return result("quantity", operator=operator, unit=body)
    quantity = _quantity(body)
    if quantity is None and not operator:
        for suffix, suffix_operator in _SUFFIX_OPERATORS:
            if body.endswith(suffix) and (quantity := _quantity(body[: -len(suffix)])) is not None:
                operator = suffix_operator
                break
    if quantity is not None:
        return result("quantity", operator=operator, number=quantity[0], unit=quantity[1])

    span = _RANGE_RE.match(body)
    if span and (not span["u1"] or not span["u2"] or span["u1"] == span["u2"]):
        low, high = _decimal(span["low"]), _decimal(span["high"])
        if low is not None and high is not None and low <= high:
            return result("range", operator=operator, low=low, high=high, unit=span["u2"] or span["u1"] or "")

    if operator and _is_date(body):
        return result("date", operator=operator, text=body)
    if operator and _is_qualitative(body):
        return result("qualitative", operator=operator, text=body)
    return result("text", operator=operator, text=_compact(raw))


# --- indicator levels ---------------------------------------------------------------------------------------------

_LEVEL2 = {
    "数量": "quantity",
    "质量": "quality",
    "时效": "timeliness",
    "成本": "cost",
    "经济效益": "economic",
    "社会效益": "social",
    "生态效益": "ecological",
    "可持续影响": "sustainability",
    "服务对象满意度": "satisfaction",
    "满意度": "satisfaction",
    "服务对象满意": "satisfaction",
}
# irregular 二级 labels seen in the seeds (DOMAIN §4.1) → nearest category, always flagged
_LEVEL2_IRREGULAR = {
    "经济目标": "cost",  # 001 遗属补助: holds cost standards in the 产出/成本 position
    "工作标准": "quality",  # 000 聘请煤炭专家费1: quality criteria
}
_LEVEL1 = {"产出": "output", "效益": "outcome", "满意度": "satisfaction"}
LEVEL2_PARENT = {
    "quantity": "output",
    "quality": "output",
    "timeliness": "output",
    "cost": "output",
    "economic": "outcome",
    "social": "outcome",
    "ecological": "outcome",
    "sustainability": "outcome",
    "satisfaction": "satisfaction",
}
_NUMBERING = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]+[)）、.．]|[一二三四五六七八九十]+、)\s*")


def _label_stem(label: str) -> str:
    stem = re.sub(r"\s+", "", (label or "").translate(_TRANSLATE))
    stem = _NUMBERING.sub("", stem).rstrip(":：")
    for suffix in ("指标", "指"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def normalise_level2(label: str) -> tuple[str, bool]:
    """Printed 二级 label → (Level2 code, flagged). 数量指标/数量 → ("quantity", False); 经济目标 → ("cost", True)."""
    stem = _label_stem(label)
    if stem in _LEVEL2:
        return _LEVEL2[stem], False
    if stem in _LEVEL2_IRREGULAR:
        return _LEVEL2_IRREGULAR[stem], True
    return "other", True


def normalise_level1(label: str) -> tuple[str, bool]:
    """Printed 一级 label → (Level1 code, flagged).

    产出/效益/满意度(指标) are regular. 成本指标 printed at 一级 (2026 template, DOMAIN §4.1) → ("output", False).
    A 二级 name in the 一级 column → its parent, flagged. Anything else → ("other", True).
    """
    stem = _label_stem(label)
    if stem in _LEVEL1:
        return _LEVEL1[stem], False
    if stem == "成本":
        return "output", False
    level2, _ = normalise_level2(label)
    if level2 in LEVEL2_PARENT:
        return LEVEL2_PARENT[level2], True
    return "other", True
