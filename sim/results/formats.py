"""How numbers read: pounds scaled (``£14.0k``, ``£2.01bn``), dates spelled out (``3 Feb 2025``).

Shared by the console, the report and the figures, so a value reads the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def as_timestamp(value: Any) -> pd.Timestamp | None:
    """A date from a ``datetime.date``, an ISO string (as in summary.json) or a Timestamp; None if missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (str, date, datetime, np.datetime64, pd.Timestamp)):
        try:
            ts = pd.Timestamp(value)
        except ValueError:
            return None
        return None if pd.isna(ts) else ts
    return None


def day_text(ts: pd.Timestamp, year: bool = True) -> str:
    """``3 Feb 2025`` (no platform-specific strftime flags)."""
    return f"{ts.day} {ts:%b %Y}" if year else f"{ts.day} {ts:%b}"


def money_text(value: float) -> str:
    """Pounds as ``£14.0k``, ``£1,234.5m`` or ``£2.01bn``."""
    sign, v = ("-" if value < 0 else ""), abs(value)
    if v >= 1e9:
        return f"{sign}£{v / 1e9:,.2f}bn"
    if v >= 1e6:
        return f"{sign}£{v / 1e6:,.1f}m"
    if v >= 1e3:
        return f"{sign}£{v / 1e3:,.1f}k"
    return f"{sign}£{v:,.0f}"
