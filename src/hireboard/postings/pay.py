"""Pay ranges: annualised with documented factors, and checked for plausible values.

Factors (per year): hour 2,080 (40 h x 52 weeks), day 260 (5 x 52), week 52, month 12,
year 1. A posting may override any of them (``annualisation_factors``), for example 1,950
hours for a 37.5-hour week.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_FACTORS: dict[str, float] = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}

# Plausible amounts per period in major units of a currency worth roughly a US dollar or a
# euro; currencies with many units to the dollar get their bounds scaled up.
BOUNDS: dict[str, tuple[float, float]] = {
    "hour": (1, 2_000),
    "day": (8, 20_000),
    "week": (40, 100_000),
    "month": (100, 500_000),
    "year": (1_000, 10_000_000),
}
_SCALE_100 = frozenset(
    [
        "JPY",
        "KRW",
        "HUF",
        "CLP",
        "ISK",
        "PKR",
        "LKR",
        "NGN",
        "KZT",
        "AMD",
        "RSD",
        "XOF",
        "XAF",
        "KES",
        "INR",
        "RUB",
        "ARS",
        "DZD",
        "MWK",
        "RWF",
        "BIF",
        "DJF",
        "GNF",
        "KMF",
        "MGA",
        "JMD",
        "CRC",
        "YER",
        "SOS",
        "TZS",
        "UGX",
        "MMK",
        "IQD",
    ]
)
_SCALE_10000 = frozenset(
    ["IDR", "VND", "IRR", "LAK", "LBP", "PYG", "SLE", "SLL", "SYP", "UZS", "MNT", "KHR", "COP"]
)


def scale(currency: str) -> float:
    if currency in _SCALE_10000:
        return 10_000
    if currency in _SCALE_100:
        return 100
    return 1


def implausible(amount: float, period: str, currency: str) -> str | None:
    """Why ``amount`` is not a believable pay for ``period`` in ``currency``, or None."""
    low, high = BOUNDS[period]
    factor = scale(currency)
    if amount < low * factor:
        return f"{amount:g} {currency} per {period} is implausibly low"
    if amount > high * factor:
        return f"{amount:g} {currency} per {period} is implausibly high"
    return None


def annual(amount: float | None, period: str, factors: Mapping[str, float]) -> float | None:
    if amount is None:
        return None
    return round(amount * {**DEFAULT_FACTORS, **factors}[period], 2)
