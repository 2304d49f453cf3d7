"""绩效 — project performance target forms (绩效目标表) and self-evaluations (绩效自评表).

Form funds are in 元 like every amount in this project (self-evaluations print 万元 with three decimals;
the importer converts). 指标值 is kept exactly as written and also parsed (performance/values.py).
"""

from django.db import models

from disclosures.amounts import amount_field
from disclosures.models import BudgetUnit, Department, Disclosure, ProjectLine, SourceDocument


class Level1(models.TextChoices):
    """一级指标."""

    OUTPUT = "output", "产出指标"
    OUTCOME = "outcome", "效益指标"
    SATISFACTION = "satisfaction", "满意度指标"
    OTHER = "other", "其他"


class Level2(models.TextChoices):
    """二级指标."""

    QUANTITY = "quantity", "数量指标"
    QUALITY = "quality", "质量指标"
    TIMELINESS = "timeliness", "时效指标"
    COST = "cost", "成本指标"
    ECONOMIC = "economic", "经济效益指标"
    SOCIAL = "social", "社会效益指标"
    ECOLOGICAL = "ecological", "生态效益指标"
    SUSTAINABILITY = "sustainability", "可持续影响指标"
    SATISFACTION = "satisfaction", "服务对象满意度指标"
    OTHER = "other", "其他"


LEVEL2_PARENT = {
    Level2.QUANTITY: Level1.OUTPUT,
    Level2.QUALITY: Level1.OUTPUT,
    Level2.TIMELINESS: Level1.OUTPUT,
    Level2.COST: Level1.OUTPUT,
    Level2.ECONOMIC: Level1.OUTCOME,
    Level2.SOCIAL: Level1.OUTCOME,
    Level2.ECOLOGICAL: Level1.OUTCOME,
    Level2.SUSTAINABILITY: Level1.OUTCOME,
    Level2.SATISFACTION: Level1.SATISFACTION,
}


class Period(models.TextChoices):
    PERIOD = "period", "实施期"
    ANNUAL = "annual", "年度"


class ParsedValueFields(models.Model):
    """指标值解析结果 — operator, number and unit parsed from the value as written."""

    class Kind(models.TextChoices):
        QUANTITY = "quantity", "定量"
        QUALITATIVE = "qualitative", "定性"
        DATE = "date", "时间"
        RANGE = "range", "区间"
        TEXT = "text", "文字"
        BLANK = "blank", "空白"

    value_operator = models.CharField("运算符", max_length=2, blank=True)
    value_number = models.DecimalField("数值", max_digits=20, decimal_places=6, null=True, blank=True)
    value_unit = models.CharField("计量单位", max_length=24, blank=True)
    value_kind = models.CharField("指标值类型", max_length=12, choices=Kind.choices, default=Kind.TEXT)
    value_flags = models.JSONField("指标值问题", default=list, blank=True)

    class Meta:
        abstract = True


class TargetForm(models.Model):
    """项目支出绩效目标表 — one project's declared targets for one fiscal year."""

    class Variant(models.TextChoices):
        STANDARD = "standard", "绩效目标表"
        COMPACT = "compact", "绩效目标公开表（简表）"

    department = models.ForeignKey(
        Department, verbose_name="主管部门", on_delete=models.PROTECT, related_name="target_forms"
    )
    unit = models.ForeignKey(
        BudgetUnit, verbose_name="实施单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    disclosure = models.ForeignKey(
        Disclosure,
        verbose_name="所属预算公开",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="target_forms",
    )
    project = models.ForeignKey(
        ProjectLine,
        verbose_name="表十二项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="target_forms",
    )
    source_document = models.ForeignKey(
        SourceDocument, verbose_name="导入文件", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    variant = models.CharField("样式", max_length=8, choices=Variant.choices, default=Variant.STANDARD)
    title = models.CharField("表名", max_length=200, blank=True)
    year_label = models.CharField("年度标注", max_length=32, blank=True)
    code = models.CharField("编号", max_length=16, blank=True)
    project_name = models.CharField("项目名称", max_length=255)
    department_label = models.CharField("主管部门及代码", max_length=128, blank=True)
    implementing_unit = models.CharField("实施单位", max_length=128, blank=True)
    attribute = models.CharField("项目属性", max_length=64, blank=True)
    period_label = models.CharField("项目期", max_length=32, blank=True)
    overview = models.TextField("项目概况", blank=True)
    basis = models.TextField("立项依据", blank=True)
    necessity = models.TextField("项目设立必要性", blank=True)
    safeguards = models.TextField("保证项目实施的制度、措施", blank=True)
    plan = models.TextField("项目实施计划", blank=True)
    goal_period = models.TextField("实施期总体目标", blank=True)
    goal_annual = models.TextField("年度总体目标", blank=True)
    responsible = models.CharField("负责人", max_length=64, blank=True)
    handler = models.CharField("经办人", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    filled_at_raw = models.CharField("填报日期（原文）", max_length=32, blank=True)
    filled_at = models.DateTimeField("填报日期", null=True, blank=True)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目支出绩效目标表"
        ordering = ["fiscal_year", "department__code", "order"]
        indexes = [models.Index(fields=["fiscal_year", "department"])]

    def __str__(self):
        return self.project_name


class TargetFunding(models.Model):
    """项目资金 — 实施期资金总额 or 年度资金总额 and its split by source (元)."""

    form = models.ForeignKey(TargetForm, verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="funding")
    period = models.CharField("期间", max_length=8, choices=Period.choices)
    total = amount_field("资金总额")
    central = amount_field("中央财政资金")
    provincial = amount_field("省级财政资金")
    local = amount_field("市县(区)财政资金")
    self_raised = amount_field("单位自筹")
    other = amount_field("其他资金")

    class Meta:
        verbose_name = verbose_name_plural = "项目资金"
        ordering = ["form", "-period"]
        constraints = [models.UniqueConstraint(fields=["form", "period"], name="target_funding_unique_period")]

    def __str__(self):
        return f"{self.form} {self.get_period_display()}"


class Indicator(ParsedValueFields):
    """绩效指标 — one 三级 indicator with its 指标值, for 实施期 or 年度, in printed order."""

    form = models.ForeignKey(TargetForm, verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="indicators")
    period = models.CharField("期间", max_length=8, choices=Period.choices)
    order = models.PositiveSmallIntegerField("顺序")
    level1 = models.CharField("一级指标", max_length=16, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=16, choices=Level2.choices)
    level1_label = models.CharField("一级指标（原文）", max_length=32, blank=True)
    level2_label = models.CharField("二级指标（原文）", max_length=32, blank=True)
    name = models.CharField("三级指标", max_length=255)
    value = models.CharField("指标值", max_length=500, blank=True)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效指标"
        ordering = ["form", "-period", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "period", "order"], name="indicator_unique_order")]

    def __str__(self):
        return f"{self.name}：{self.value}"


class SelfEvaluation(models.Model):
    """项目支出绩效自评表 — a project's year-end self-evaluation: funds, indicator results, score and grade."""

    class Grade(models.TextChoices):
        EXCELLENT = "优", "优"
        GOOD = "良", "良"
        FAIR = "中", "中"
        POOR = "差", "差"

    department = models.ForeignKey(
        Department, verbose_name="主管部门", on_delete=models.PROTECT, related_name="self_evaluations"
    )
    unit = models.ForeignKey(
        BudgetUnit, verbose_name="预算单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    disclosure = models.ForeignKey(
        Disclosure,
        verbose_name="所属决算公开",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="self_evaluations",
    )
    source_document = models.ForeignKey(
        SourceDocument, verbose_name="导入文件", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    title = models.CharField("表名", max_length=255, blank=True)
    year_label = models.CharField("年度标注", max_length=32, blank=True)
    project_name = models.CharField("项目名称", max_length=255)
    department_label = models.CharField("主管部门及代码", max_length=128, blank=True)
    unit_label = models.CharField("预算单位（原文）", max_length=128, blank=True)
    annual_goal = models.TextField("年度目标", blank=True)
    actual_result = models.TextField("实际完成情况", blank=True)
    total_score = models.DecimalField("总分", max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等级", max_length=2, choices=Grade.choices, blank=True)
    analysis = models.JSONField("项目绩效分析", default=list, blank=True, help_text='[["标题", "正文"], …]')
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目支出绩效自评表"
        ordering = ["fiscal_year", "department__code", "order"]

    def __str__(self):
        return self.project_name


class SelfEvaluationFunds(models.Model):
    """项目资金预算安排及执行进度 — one funds row (资金总额, 市县区财政资金 …) of a self-evaluation, in 元."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="绩效自评表", on_delete=models.CASCADE, related_name="funds"
    )
    order = models.PositiveSmallIntegerField("顺序")
    label = models.CharField("资金项目", max_length=64)
    initial_declared = amount_field("年初预算数（目标申报数）")
    initial_budgeted = amount_field("年初预算数（预算编制数）")
    full_year_budget = amount_field("全年预算数")
    executed = amount_field("全年执行数")
    balance = amount_field("资金结（转）余")
    execution_rate = models.DecimalField("执行率（%）", max_digits=7, decimal_places=2, null=True, blank=True)
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    deviation = models.TextField("偏差原因分析及改进措施", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "自评资金执行"
        ordering = ["evaluation", "order"]

    def __str__(self):
        return self.label


class IndicatorResult(ParsedValueFields):
    """自评指标完成情况 — one indicator of a self-evaluation: target, actual, weight and score."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="绩效自评表", on_delete=models.CASCADE, related_name="results"
    )
    order = models.PositiveSmallIntegerField("顺序")
    level1 = models.CharField("一级指标", max_length=16, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=16, choices=Level2.choices)
    level1_label = models.CharField("一级指标（原文）", max_length=32, blank=True)
    level2_label = models.CharField("二级指标（原文）", max_length=32, blank=True)
    name = models.CharField("三级指标", max_length=255)
    initial_value = models.CharField("年初指标值", max_length=500, blank=True)
    adjusted_value = models.CharField("调整后指标值", max_length=500, blank=True)
    actual_value = models.CharField("实际完成值", max_length=500, blank=True)
    weight = models.DecimalField("分值", max_digits=6, decimal_places=2, null=True, blank=True)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    deviation = models.TextField("偏差原因分析及改进措施", blank=True)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "自评指标完成情况"
        ordering = ["evaluation", "order"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "order"], name="indicator_result_unique_order")]

    def __str__(self):
        return self.name
