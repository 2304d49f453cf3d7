"""Money: Decimal in 元, exact to the fen; shown in 万元 where the official table says so."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

YUAN_PER_WAN = Decimal(10000)
CENT = Decimal("0.01")
ZERO = Decimal("0")


def amount_field(verbose_name: str, **kwargs) -> models.DecimalField:
    """Money in 元 (blank = NULL, distinct from zero)."""
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    return models.DecimalField(verbose_name, max_digits=15, decimal_places=2, **kwargs)


def yuan_from_wan(wan_amount: Decimal | None) -> Decimal | None:
    return None if wan_amount is None else (wan_amount * YUAN_PER_WAN).quantize(CENT)


def wan(yuan: Decimal) -> Decimal:
    """元 → 万元 with two decimals, half-up (the published tables' rounding)."""
    return (yuan / YUAN_PER_WAN).quantize(CENT, ROUND_HALF_UP)


def format_wan(yuan: Decimal | None) -> str:
    """'' for blank, never '0.00' for blank; thousands separators as in the published tables."""
    return "" if yuan is None else f"{wan(yuan):,.2f}"


def format_yuan(yuan: Decimal | None) -> str:
    if yuan is None:
        return ""
    return f"{yuan:,.0f}" if yuan == yuan.to_integral_value() else f"{yuan:,.2f}"


def add(*values: Decimal | None) -> Decimal | None:
    """Sum that keeps blank blank: None when every addend is None."""
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole × 100 with two decimals, half-up; None when whole is blank or zero."""
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(CENT, ROUND_HALF_UP)
