"""Reading amounts as printed: full-width digits, thousands separators, blanks and placeholders."""

import re
from decimal import Decimal, InvalidOperation

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_AMOUNT = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
BLANK_MARKS = {"", "-", "——", "—", "－", "/", "无"}


class AmountError(ValueError):
    """A cell that should hold an amount holds something else."""


def normalize_digits(text: str) -> str:
    """Full-width digits and punctuation to ASCII; strips spaces (incl. U+3000) and NBSP."""
    return text.translate(_FULL_WIDTH).replace("\u3000", "").replace("\xa0", "").strip()


def parse_amount(text: str | None) -> Decimal | None:
    """'3,306.81' → Decimal('3306.81'); '' or '——' → None (blank is not zero). Raises AmountError otherwise."""
    if text is None:
        return None
    cleaned = normalize_digits(text).replace(" ", "")
    if cleaned in BLANK_MARKS:
        return None
    if not _AMOUNT.match(cleaned):
        raise AmountError(f"无法识别的金额“{text.strip()}”")
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid decimals
        raise AmountError(f"无法识别的金额“{text.strip()}”") from exc


def is_amount(text: str) -> bool:
    try:
        return parse_amount(text) is not None
    except AmountError:
        return False
