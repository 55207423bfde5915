"""The report's "scenario and assumptions" section: what was run (description, period, seed, ``--set``
overrides, command, supplysim's version and commit), the key dates of the run (each outage, each system's
restore steps, manual teams, schemes and credit becoming available, each plant's restart and recovery), the
interventions and policies with their settings, and every uncertain input with the value this run drew.

Read from the resolved scenario (as saved in scenario.yaml), the draws (draws.json), the provenance
(run.json) and the run's events, daily table and KPIs, so a run and a redraw of its folder give the same text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from sim.report.events import describe_events
from sim.results.formats import as_timestamp, money_text
from sim.results.kpis import text as kpi_text

KEY_EVENTS = ("outage", "restore", "manual_team_start", "scheme_start", "facility_available")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SHARES = ("share", "share_covered", "capacity", "_interest_rate", "_cost_rate")  # fields that are fractions


def _date(value: Any) -> str:
    return kpi_text("date", value)


def _label(key: str) -> str:
    """``budget_gbp`` -> ``budget``; ``fixed_costs_gbp_per_day`` -> ``fixed costs per day``."""
    return key.replace("_gbp", "").replace("_", " ")


def value_text(key: str, value: Any) -> str:
    """A scenario value as a reader reads it, by its field's name: pounds for ``*_gbp``, a percentage for
    shares, capacities and rates, dates spelled out, yes or no, lists joined."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ISO_DATE.match(value) or not isinstance(value, (str, int, float, list, dict)):
        ts = as_timestamp(value)
        if ts is not None:
            return _date(ts)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(key, v) for v in value) if value else "none"
    if isinstance(value, Mapping):
        return distribution_text(key, value)
    if isinstance(value, (int, float)):
        if "_gbp" in key:
            return money_text(float(value))
        if key.endswith(SHARES):
            return f"{100 * value:.3g}%"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
    return str(value)


def distribution_text(key: str, dist: Mapping[str, Any]) -> str:
    """``uniform 30% to 70%``, ``triangular 6 to 16, most likely 10``, or a mapping's fields in words."""
    if "dist" not in dist:
        return "; ".join(f"{_label(k)} {value_text(k, v)}" for k, v in dist.items())
    kind = dist["dist"]
    fields = {k: value_text(key, v) for k, v in dist.items() if k != "dist"}
    if kind == "constant":
        return fields.get("value", "")
    if kind == "uniform":
        return f"uniform {fields.get('low')} to {fields.get('high')}"
    if kind == "triangular":
        return f"triangular {fields.get('low')} to {fields.get('high')}, most likely {fields.get('mode')}"
    if kind == "choice":
        return f"one of {fields.get('values')}"
    bounds = [
        f"at least {fields['low']}" if dist.get("low") is not None else "",
        f"at most {fields['high']}" if dist.get("high") is not None else "",
    ]
    centre = {k: v for k, v in fields.items() if k not in ("low", "high")}
    return ", ".join([f"{kind} " + ", ".join(f"{k} {v}" for k, v in centre.items()), *[b for b in bounds if b]])


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path of scenario data (list items by index); None where there is none."""
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _setting(path: str, key: str, value: Any, draws: Mapping[str, Any]) -> str:
    """A setting's text; a drawn one says what this run drew."""
    text = value_text(key, value)
    if isinstance(value, Mapping) and "dist" in value and path in draws:
        text += f" (this run: {value_text(key, draws[path])})"
    return text


def _settings(path: str, fields: Mapping[str, Any], draws: Mapping[str, Any], skip: Sequence[str] = ()) -> str:
    return "; ".join(f"{_label(k)}: {_setting(f'{path}.{k}', k, v, draws)}" for k, v in fields.items() if k not in skip)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], nowrap: Sequence[int] = ()) -> str:
    """A table of text; ``head`` empty for none; the columns ``nowrap`` (a date, a name) are not broken across lines."""
    cells = "".join(
        "<tr>" + "".join(f"<td{' class=nowrap' if i in nowrap else ''}>{html.escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" if head else ""
    return "<table>" + header + cells + "</table>"


def run_rows(scenario: Mapping[str, Any], run_info: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What was run: scenario, period, seed, overrides, command, supplysim's version and commit."""
    rows = [("scenario", str(scenario.get("name", run_info.get("scenario", ""))))]
    start, days = as_timestamp(scenario.get("start_date")), scenario.get("horizon_days")
    if start is not None and isinstance(days, int):
        rows.append(("period", f"{_date(start)} to {_date(start + pd.Timedelta(days=days - 1))} ({days:,} days)"))
    seed = run_info.get("seed", scenario.get("seed"))
    rows.append(("seed", f"{seed} (the same scenario and seed give the same results)" if seed is not None else "not recorded"))
    overrides = run_info.get("overrides")
    rows.append(
        (
            "overrides (--set)",
            ", ".join(str(o) for o in overrides) if overrides else "none" if overrides is not None else "not recorded",
        )
    )
    if run_info.get("command"):
        rows.append(("command", str(run_info["command"])))
    versions = run_info.get("versions") or {}
    if versions:
        rows.append(
            ("supplysim", f"{versions.get('supplysim', 'unknown')}, commit {versions.get('supplysim_commit', 'not recorded')}")
        )
        rows.append(("Python and platform", f"{versions.get('python', '?')} on {versions.get('platform', '?')}"))
    return rows


def _restart_rows(
    daily: pd.DataFrame | None, scenario: Mapping[str, Any], summary: Mapping[str, Any]
) -> Iterator[tuple[pd.Timestamp, str]]:
    """Each plant stopped by the outage: the first day it built again, and the day it was back to 95% of normal."""
    start = as_timestamp(summary.get("outage_start_date"))
    if daily is None or daily.empty or start is None:
        return
    dates = pd.DatetimeIndex(daily["date"])
    after = dates >= start
    for plant, spec in (scenario.get("plants") or {}).items():
        column = f"production_{plant}"
        if column not in daily.columns:
            continue
        built = daily[column].to_numpy()[after]
        days = dates[after]
        stopped = (built <= 0).nonzero()[0]
        if len(stopped) == 0:
            continue
        again = (built[stopped[0] :] > 0).nonzero()[0]
        unit = "engines" if isinstance(spec, Mapping) and spec.get("kind") == "engine" else "vehicles"
        if len(again):
            yield days[stopped[0] + again[0]], f"{plant} builds again (first {unit} after the outage)"
        recovered = as_timestamp(summary.get(f"recovered_date_{plant}"))
        if recovered is not None:
            yield recovered, f"{plant} back to 95% of normal for a week"


def key_date_rows(
    events: pd.DataFrame | None, daily: pd.DataFrame | None, scenario: Mapping[str, Any], summary: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The run's key dates in order: each outage, each system's restore steps (one row each), manual teams,
    schemes and credit becoming available, and each stopped plant's restart and recovery."""
    rows: list[tuple[pd.Timestamp, int, str]] = []
    if events is not None and not events.empty:
        chosen = events[events["kind"].isin(KEY_EVENTS)]
        for (day, kind), group in chosen.groupby(["date", "kind"], sort=False):
            order = KEY_EVENTS.index(str(kind))
            if kind == "restore":  # a row per system: its own restore steps
                for i in range(len(group)):
                    rows.append((pd.Timestamp(str(day)), order, describe_events("restore", group.iloc[[i]])))
            else:
                rows.append((pd.Timestamp(str(day)), order, describe_events(str(kind), group)))
    rows += [(day, len(KEY_EVENTS), text) for day, text in _restart_rows(daily, scenario, summary)]
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(_date(day), text) for day, _, text in rows]


def intervention_rows(scenario: Mapping[str, Any], draws: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The interventions and the OEM's policies, each with its settings: support schemes, manual teams, credit
    facilities (government-guaranteed ones named so) and the draw policy, and what the OEM does for a
    supplier in distress."""
    rows = []
    for name, fields in (scenario.get("interventions") or {}).items():
        if isinstance(fields, Mapping):
            rows.append((f"{_label(name)} (intervention)", _settings(f"interventions.{name}", fields, draws)))
    payables = scenario.get("payables") or {}
    for name, fields in (payables.get("manual_teams") or {}).items():
        rows.append((f"manual team {name}", _settings(f"payables.manual_teams.{name}", fields, draws)))
    if payables:
        rows.append(("invoicing", _settings("payables", payables, draws, skip=("manual_teams",))))
    treasury = scenario.get("treasury") or {}
    for name, fields in (treasury.get("facilities") or {}).items():
        kind = "government-guaranteed loan" if fields.get("government_guaranteed") else "credit facility"
        rows.append((f"{name} ({kind})", _settings(f"treasury.facilities.{name}", fields, draws, skip=("government_guaranteed",))))
    if treasury.get("facilities") and treasury.get("draw_policy"):
        rows.append(("draw policy", _settings("treasury.draw_policy", treasury["draw_policy"], draws)))
    if scenario.get("supplier_distress"):
        rows.append(
            ("supplier in distress (the OEM's policy)", _settings("supplier_distress", scenario["supplier_distress"], draws))
        )
    return rows


def drawn_rows(scenario: Mapping[str, Any], draws: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every uncertain input: its path, its distribution and the value this run drew."""
    out = []
    for path, value in draws.items():
        key = path.rsplit(".", 1)[-1]
        dist = _at(scenario, path)
        if key.isdigit():  # a list item: named by its list
            key = path.rsplit(".", 2)[-2]
        out.append((path, value_text(key, dist) if dist is not None else "–", value_text(key, value)))
    return out


def assumptions_html(
    scenario: Mapping[str, Any] | None,
    draws: Mapping[str, Any] | None,
    run_info: Mapping[str, Any],
    events: pd.DataFrame | None,
    daily: pd.DataFrame | None,
    summary: Mapping[str, Any],
) -> str:
    """The section's HTML (see the module)."""
    scenario, draws = scenario or {}, draws or {}
    description = " ".join(str(scenario.get("description") or "").split())
    parts = [f"<p>{html.escape(description)}</p>" if description else ""]
    parts.append("<h3>The run</h3>" + _table((), run_rows(scenario, run_info), nowrap=(0,)))
    dates = key_date_rows(events, daily, scenario, summary)
    parts.append(
        "<h3>Key dates</h3>"
        + (
            _table(("date", "what happened"), dates, nowrap=(0,))
            if dates
            else "<p class='note'>No outage, restore or scheme in this run.</p>"
        )
    )
    interventions = intervention_rows(scenario, draws)
    if interventions:
        parts.append("<h3>Interventions and policies</h3>" + _table(("what", "settings"), interventions))
    drawn = drawn_rows(scenario, draws)
    if drawn:
        parts.append(
            f"<details><summary>Uncertain inputs: {len(drawn):,} drawn for this run (seed "
            f"{html.escape(str(run_info.get('seed', '?')))})</summary>"
            + _table(("field", "distribution", "this run"), drawn)
            + "</details>"
        )
    return "".join(parts)
