"""What the incident cost, and who bore it, as readers see it: tables by stakeholder, component and country,
suppliers affected, and the OEM's profit by quarter beside its cash, for the report and the README.

``python -m sim.report.economics SCENARIO [--replications N --workers W] [--readme README.md]`` prints the
README's flagship tables from a run at the scenario's seed (and the band over N replications), or writes them
into the README between its ``economics`` markers, so they are regenerated whenever the scenario changes.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.results.economics import FINANCING, STAKEHOLDERS
from sim.results.formats import money_text
from sim.results.kpis import STATISTICS, label, text

STAKEHOLDER_LABELS = {
    "oem": "OEM",
    "tier1_suppliers": "Tier-1 suppliers",
    "tier2_suppliers": "Tier-2 suppliers",
    "supplier_staff": "Suppliers' staff (wages)",
    "government": "Government (grants)",
    "downstream": "Downstream (dealers, logistics)",
}
# what was lost: the components that are not transfers, which add up to the same total as the stakeholders
LOST = (
    ("OEM: lost contribution", "oem", ("contribution",)),
    ("OEM: incident costs", "oem", ("incident_costs",)),
    ("OEM: tooling moves", "oem", ("tooling_moves",)),
    ("OEM: extra financing", "oem", FINANCING),
    ("Tier-1 suppliers: lost value added", "tier1_suppliers", ("value_added",)),
    ("Tier-2 suppliers: lost value added", "tier2_suppliers", ("value_added",)),
    ("Downstream", "downstream", ("downstream",)),
)
PROFIT = (
    ("lost contribution", "oem_contribution", -1),
    ("incident costs", "oem_incident_costs", 1),
    ("supplier support", "oem_supplier_support", 1),
    ("EBIT lost", "oem_operating_profit", -1),
    ("extra financing", "oem_financing_costs", 1),
    ("free cash flow lost", "oem_free_cash_flow", -1),
)
BEGIN, END = "<!-- economics: begin", "<!-- economics: end -->"
TOTAL = "total"


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["unit"] == "gbp"]


def _spread(rows: pd.DataFrame, countries: Sequence[str]) -> dict[str, float]:
    """A group of rows' loss in each country and in total (GBP)."""
    by = rows.groupby("country", sort=False)["value"].sum()
    out = {k: float(by.get(k, 0.0)) for k in countries}
    out[TOTAL] = float(rows["value"].sum())
    return out


def countries_of(frame: pd.DataFrame) -> list[str]:
    """The countries of an economics table, in its order."""
    return list(dict.fromkeys(frame["country"].tolist()))


def stakeholder_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Who bore the loss: one row per stakeholder (and the total), one column per country and the total (GBP)."""
    money, countries = _money(frame), countries_of(frame)
    rows = {
        STAKEHOLDER_LABELS[s]: _spread(money[money["stakeholder"] == s], countries)
        for s in STAKEHOLDERS
        if (money["stakeholder"] == s).any()
    }
    rows["Economic loss"] = _spread(money, countries)
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*countries, TOTAL])


def component_table(frame: pd.DataFrame) -> pd.DataFrame:
    """What was lost: the components that are not transfers (and the total), by country (GBP)."""
    money, countries = _money(frame), countries_of(frame)
    rows = {}
    for name, stakeholder, components in LOST:
        picked = money[(money["stakeholder"] == stakeholder) & money["component"].isin(components)]
        if len(picked):
            rows[name] = _spread(picked, countries)
    rows["Economic loss"] = _spread(money[~money["transfer"]], countries)
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*countries, TOTAL])


def affected_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Suppliers affected (lost more than the scenario's share of their revenue) of all, by tier and country."""
    counts = frame[frame["unit"] == "suppliers"]
    countries = countries_of(counts)
    rows = {}
    for stakeholder in ("tier1_suppliers", "tier2_suppliers"):
        mine = counts[counts["stakeholder"] == stakeholder]
        if len(mine) == 0:
            continue
        cells = {}
        for k in [*countries, TOTAL]:
            here = mine if k == TOTAL else mine[mine["country"] == k]
            affected = int(here.loc[here["component"] == "affected", "value"].sum())
            every = int(here.loc[here["component"] == "all", "value"].sum())
            cells[k] = f"{affected:,} of {every:,}" if every else "–"
        rows[STAKEHOLDER_LABELS[stakeholder]] = cells
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*countries, TOTAL])


def profit_table(quarters: pd.DataFrame, basis: str = "fiscal") -> pd.DataFrame:
    """The OEM's profit lost by quarter beside its cash: lost contribution, incident costs, supplier support, EBIT lost,
    extra financing and free cash flow lost, against the baseline (GBP; a cost counts as lost when it rises)."""
    rows = quarters[quarters["basis"] == basis]
    table = {}
    for name, measure, sign in PROFIT:
        mine = rows[rows["measure"] == measure].set_index("quarter")["difference"]
        table[name] = sign * mine
    return pd.DataFrame(table)


def _cells(table: pd.DataFrame, money: bool = True) -> list[list[str]]:
    return [
        [str(index), *(money_text(v) if money and isinstance(v, float) else str(v) for v in row)]
        for index, row in zip(table.index, table.itertuples(index=False), strict=True)
    ]


def _html(table: pd.DataFrame, first: str, money: bool = True) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [first, *table.columns])
    body = "".join(
        "<tr>"
        + f"<td>{html.escape(cells[0])}</td>"
        + "".join(f'<td class="num">{html.escape(c)}</td>' for c in cells[1:])
        + "</tr>"
        for cells in _cells(table, money)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def html_section(folder: Path) -> str:
    """The report's section from a run folder's economics.parquet and quarters.parquet (a note when absent)."""
    folder = Path(folder)
    if not (folder / "economics.parquet").is_file():
        return "<p class='note'>No economics table in this run.</p>"
    frame = pd.read_parquet(folder / "economics.parquet")
    out = (
        "<p class='note'>Against the baseline, over the run: who bore the loss (transfers between them, such as "
        "grants, support and wages, move a loss from one to another) and what was lost; the two add up to the same "
        "economic loss. Countries are where each stakeholder is (the OEM's lost contribution where its plants lost "
        "vehicles).</p>"
    )
    out += _html(stakeholder_table(frame), "who bore it") + _html(component_table(frame), "what was lost")
    out += "<p class='note'>Suppliers affected: lost more than the scenario's share of their revenue.</p>"
    out += _html(affected_table(frame), "suppliers", money=False)
    if (folder / "quarters.parquet").is_file():
        out += "<p class='note'>The OEM's profit by fiscal quarter, beside its cash, against the baseline.</p>"
        out += _html(profit_table(pd.read_parquet(folder / "quarters.parquet")), "quarter")
    return out


# ------------------------------------------------------------------------------------------------- the README


def _markdown(table: pd.DataFrame, first: str, money: bool = True) -> str:
    cells = _cells(table, money)
    lines = ["| " + " | ".join([first, *map(str, table.columns)]) + " |", "|---|" + "---:|" * len(table.columns)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in cells)])


def band_table(summary: Mapping[str, Any], kpis: Sequence[str]) -> str:
    """KPIs over replications (p05, median, mean, p95), as markdown."""
    order = ("p05", "p50", "mean", "p95")
    assert set(order) == set(STATISTICS)
    lines = ["| outcome | p05 | median | mean | p95 |", "|---|---:|---:|---:|---:|"]
    for key in kpis:
        stats = summary.get(key) or {}
        lines.append(f"| {label(key)} (`{key}`) | " + " | ".join(text(key, stats.get(s)) for s in order) + " |")
    return "\n".join(lines)


def band_kpis(summary: Mapping[str, Any]) -> list[str]:
    """The economic KPIs of a replication summary, in its order."""
    wanted = (
        "economic_loss_gbp",
        "loss_",
        "intervention_cost_oem_gbp",
        "intervention_cost_government_gbp",
        "oem_ebit_lost_gbp",
        "suppliers_affected",
    )
    return [k for k in summary if k.startswith(wanted) and isinstance(summary[k], Mapping)]


def readme_block(scenario_path: str, replications: int = 0, workers: int | None = None) -> str:
    """The README's flagship economics tables: a run at the scenario's seed and, with ``replications``, the band
    over them (markdown, between the markers)."""
    from sim import load_scenario, simulate

    spec = load_scenario(scenario_path)
    result = simulate(spec)
    frame = result.economics
    command = (
        f"python -m sim.report.economics {scenario_path}"
        + (f" --replications {replications} --workers {workers or 1}" if replications else "")
        + " --readme README.md"
    )
    parts = [
        f"{BEGIN} (generated by `{command}`) -->",
        f"A run at the scenario's seed ({result.seed}), against its baseline, over the run:\n",
        _markdown(stakeholder_table(frame), "who bore it"),
        "",
        _markdown(component_table(frame), "what was lost"),
        "",
        _markdown(affected_table(frame), "suppliers affected", money=False),
        "",
        "The OEM's profit by fiscal quarter, beside its cash (lost against the baseline):\n",
        _markdown(profit_table(result.quarters), "quarter"),
    ]
    if replications:
        from sim.experiments import run_replications

        reps = run_replications(spec, None, replications, workers=workers, progress=False)
        parts += [
            "",
            f"Over {replications} replications (every uncertain input drawn afresh):\n",
            band_table(reps.summary, band_kpis(reps.summary)),
        ]
    return "\n".join([*parts, END])


def write_readme(path: Path, block: str) -> None:
    """Replace the README's block between the economics markers with ``block``."""
    content = path.read_text(encoding="utf-8")
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{path} has no block between '{BEGIN} ... -->' and '{END}'")
    path.write_text(content[:start] + block + content[end + len(END) :], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report.economics", description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--replications", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--readme", type=Path, default=None, help="write the tables into this README's block")
    args = parser.parse_args(argv)
    block = readme_block(args.scenario, args.replications, args.workers)
    if args.readme is None:
        sys.stdout.write(block + "\n")
    else:
        write_readme(args.readme, block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
