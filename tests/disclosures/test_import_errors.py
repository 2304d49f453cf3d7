"""Bad input gets a clear Chinese error naming file and line, and nothing is written."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from disclosures.importing.loader import ImportFailed, detect_kind
from disclosures.importing.numbers import AmountError, parse_amount
from disclosures.models import Disclosure, FunctionLine, SourceDocument
from performance.models import Indicator, TargetForm
from tests.conftest import SEED_FILES, seed_text


def counts():
    return (
        Disclosure.objects.count(),
        FunctionLine.objects.count(),
        SourceDocument.objects.count(),
        TargetForm.objects.count(),
        Indicator.objects.count(),
    )


def corrupt(text: str, line_no: int, old: str, new: str) -> str:
    lines = text.split("\n")
    assert old in lines[line_no - 1], lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    return "\n".join(lines)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if line.startswith(needle))


class TestAtomicImport:
    def test_a_corrupted_amount_fails_with_file_line_and_cell_and_writes_nothing(self, import_seed):
        text = seed_text("001")
        line = line_of(text, "2240101\t行政运行\t722.10\t722.10")  # first occurrence: 表二
        before = counts()
        with pytest.raises(ImportFailed) as failure:
            import_seed("001", text=corrupt(text, line, "722.10", "72二.10"))
        message = failure.value.message
        assert "001_49b48d5cdbcf261b.txt" in message and f"第{line}行" in message and "72二.10" in message
        assert "未写入任何数据" in message
        assert counts() == before

    def test_a_failure_late_in_the_document_rolls_back_the_earlier_parts(self, import_seed):
        """An unknown economic item in 表六 is found after 表一–表五 were mapped: still nothing is written."""
        text = seed_text("001")
        line = line_of(text, "奖励金\t社会福利和救助")
        before = counts()
        with pytest.raises(ImportFailed) as failure:
            import_seed("001", text=corrupt(text, line, "奖励金", "神秘金"))
        assert "神秘金" in failure.value.message and f"第{line}行" in failure.value.message
        assert counts() == before

    def test_unknown_document_type(self, import_seed):
        with pytest.raises(ImportFailed) as failure:
            import_seed("001", text="这不是一份公开文件\n只有两行")
        assert "无法识别文件类型" in failure.value.message

    def test_full_width_digits_and_separators_are_read_on_purpose(self, import_seed):
        text = seed_text("001")
        line = line_of(text, "2240106\t安全监管\t305.40")
        report = import_seed("001", text=corrupt(text, line, "305.40\t305.40", "３０５．４０\t305.40"))
        line = FunctionLine.objects.get(disclosure_id=report.disclosure_id, function__code="2240106")
        assert line.project == Decimal("3054000")


class TestIdempotentImport:
    def test_reimporting_replaces_the_draft(self, import_seed):
        first = import_seed("001")
        before = counts()
        second = import_seed("001")
        assert second.replaced
        assert counts()[:2] == before[:2] and counts()[3:] == before[3:]
        assert not Disclosure.objects.filter(pk=first.disclosure_id).exists()
        assert Disclosure.objects.get(pk=second.disclosure_id).version == 1

    def test_a_published_disclosure_is_never_touched(self, import_seed):
        published = import_seed("001", publish=True)
        before = counts()
        with pytest.raises(ImportFailed) as failure:
            import_seed("001")
        assert "已公开" in failure.value.message and "更正" in failure.value.message
        assert counts() == before
        assert Disclosure.objects.get(pk=published.disclosure_id).status == Disclosure.Status.PUBLISHED


class TestImportCommand:
    def test_reports_per_file_and_fails_for_a_bad_one(self, db, tmp_path, capsys):
        bad = tmp_path / "坏文件.txt"
        bad.write_bytes(b"\xff\xfe\x00garbage")
        with pytest.raises(CommandError):
            call_command("import_seed", str(SEED_FILES["004"]), str(bad))
        out, err = capsys.readouterr()
        assert "门源县应急管理局 2023年度" in out and "绩效目标表8张" in out
        assert "坏文件.txt" in err
        assert TargetForm.objects.count() == 8  # the good file stays imported

    def test_missing_file(self, db, capsys):
        with pytest.raises(CommandError):
            call_command("import_seed", str(Path("/nonexistent/file.txt")))
        assert "文件不存在" in capsys.readouterr().err


class TestDetectKind:
    @pytest.mark.parametrize(
        ("seed", "kind"),
        [("000", "targets"), ("001", "budget"), ("002", "budget_noisy"), ("003", "final"), ("004", "targets_compact")],
    )
    def test_detects_every_seed(self, seed, kind):
        assert detect_kind(seed_text(seed)) == kind


class TestParseAmount:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("3,306.81", Decimal("3306.81")),
            ("３，３０６．８１", Decimal("3306.81")),
            (" 49.27 ", Decimal("49.27")),
            ("0", Decimal("0")),
            ("0.00", Decimal("0.00")),
            ("1,930,000", Decimal("1930000")),
        ],
    )
    def test_amounts(self, text, expected):
        assert parse_amount(text) == expected

    @pytest.mark.parametrize("text", ["", "  ", "——", "—", "\u3000"])
    def test_blank_is_none_not_zero(self, text):
        assert parse_amount(text) is None

    @pytest.mark.parametrize("text", ["12,34.5", "XX", "1.2.3", "72二.10", "100100%"])
    def test_garbage_is_an_error(self, text):
        with pytest.raises(AmountError) as error:
            parse_amount(text)
        assert "无法识别的金额" in str(error.value)
