"""The flagship's Monte Carlo, read as the README reports it: what the replications' summaries do not hold
(quarters, suppliers' runway at the outage start, the events of each run) comes from each run.

    .venv/bin/python benchmarks/flagship_tables.py --replications 200 --workers 2 [--json out.json]

Each replication runs at child i of ``SeedSequence(seed)``, as ``supplysim run --replications`` does, so its
KPIs equal that command's row i. Prints markdown tables: outcomes (p05, median, mean, p95), the share of
replications in which a supplier failure stopped a line and the events across replications, supplier runway
at the outage start, and quarters (run and baseline, medians). Works on any commit that has quarters.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = [
    ("vehicles_lost", "vehicles lost against the baseline", "count"),
    ("vehicles_lost_outage", "... to the outage and restart", "count"),
    ("vehicles_lost_supplier_failure", "... to supplier failures", "count"),
    ("revenue_lost_gbp", "wholesale revenue lost", "gbp"),
    ("production_recovered_date", "production back to 95% of baseline", "date"),
    ("invoice_backlog_peak_gbp", "invoice backlog peak", "gbp"),
    ("invoice_backlog_cleared_date", "invoice backlog cleared", "date"),
    ("oem_cash_trough_gbp", "OEM cash trough", "gbp"),
    ("facilities_drawn_peak_gbp", "facilities drawn (peak)", "gbp"),
    ("suppliers_insolvent", "supplier insolvencies", "count"),
    ("suppliers_kept_trading", "suppliers kept trading by the OEM", "count"),
    ("tools_moved", "suppliers' tooling moved", "count"),
    ("supplier_support_gbp", "support paid to suppliers kept trading", "gbp"),
    ("lines_stopped_by_supplier_failure", "lines stopped by supplier failure", "count"),
    ("suppliers_runway_under_7_days_peak", "suppliers under 7 days of runway (peak)", "count"),
    ("suppliers_runway_under_14_days_peak", "suppliers under 14 days of runway (peak)", "count"),
    ("supplier_jobs_short_time_peak", "supplier jobs on short time (peak, temporary)", "count"),
    ("supplier_jobs_lost", "supplier jobs lost for good (redundancy, insolvency)", "count"),
    ("share_of_suppliers_on_short_time", "share of suppliers cutting hours", "share"),
    ("share_of_suppliers_making_redundancies", "share of suppliers making redundancies", "share"),
]


def one(args: tuple[str, int, int]) -> dict[str, Any]:
    """One replication's summary, quarters, runway at the outage start and event counts."""
    from sim import load_scenario, simulate
    from sim.scenario.streams import replication_seeds

    path, seed, i = args
    child = replication_seeds(seed, i + 1)[i]
    result = simulate(load_scenario(path), child)
    survive = result.suppliers["time_to_survive_days"].to_numpy(dtype=float)  # idle runway at the outage start
    quarters = result.quarters
    events = result.events
    return {
        "summary": {k: result.summary.get(k) for k, _, _ in OUTCOMES},
        "runway": {
            **{f"p{q:02d}": float(np.percentile(survive, q)) for q in (5, 25, 50)},
            "under 7 days": int((survive < 7).sum()),
            "under 14 days": int((survive < 14).sum()),
        },
        "quarters": quarters[quarters["basis"] == "calendar"][["quarter", "measure", "run", "baseline"]].to_dict("records"),
        "events": dict(Counter(events["kind"].astype(str))),
    }


def _stat(values: list[Any], unit: str) -> list[str]:
    clean = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if not clean:
        return ["-"] * 4
    if unit == "date":
        days = np.array([pd.Timestamp(v).toordinal() for v in clean], dtype=float)
        out = [np.percentile(days, 5), np.median(days), days.mean(), np.percentile(days, 95)]
        return [pd.Timestamp.fromordinal(round(x)).strftime("%-d %b %Y") for x in out]
    x = np.array(clean, dtype=float)
    out = [np.percentile(x, 5), np.median(x), x.mean(), np.percentile(x, 95)]
    if unit == "gbp":
        return [f"GBP {v / 1e9:.2f}bn" if abs(v) >= 1e9 else f"GBP {v / 1e6:.0f}m" for v in out]
    if unit == "share":
        return [f"{v:.1%}" for v in out]
    return [f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2g}" for v in out]


def tables(rows: list[dict[str, Any]]) -> str:
    n = len(rows)
    lines = [f"{n} replications", "", "| outcome | p05 | median | mean | p95 |", "|---|---:|---:|---:|---:|"]
    for key, label, unit in OUTCOMES:
        values = [r["summary"].get(key) for r in rows]
        if all(v is None for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(_stat(values, unit)) + " |")
    stops = sum(1 for r in rows if (r["summary"].get("lines_stopped_by_supplier_failure") or 0) > 0)
    lost = sum(1 for r in rows if (r["summary"].get("vehicles_lost_supplier_failure") or 0) > 0)
    lines += [
        "",
        f"Replications in which a supplier failure stopped a line: {stops} of {n} ({stops / n:.0%}); "
        f"in which supplier failures cost vehicles: {lost} of {n} ({lost / n:.0%}).",
        "",
    ]
    kinds = sorted({k for r in rows for k in r["events"]})
    lines += ["| event | replications with it | mean per replication |", "|---|---:|---:|"]
    for kind in kinds:
        counts = [r["events"].get(kind, 0) for r in rows]
        lines.append(f"| {kind} | {sum(c > 0 for c in counts)} | {np.mean(counts):.1f} |")
    lines += [
        "",
        "Supplier runway at the outage start (days their cash and credit last on idle costs):",
        "",
        "| suppliers | p05 over replications | median | p95 |",
        "|---|---:|---:|---:|",
    ]
    for key in rows[0]["runway"]:
        x = np.array([r["runway"][key] for r in rows], dtype=float)
        label = f"{key} of suppliers" if key.startswith("p") else f"suppliers {key}"
        lines.append(f"| {label} | {np.percentile(x, 5):,.1f} | {np.median(x):,.1f} | {np.percentile(x, 95):,.1f} |")
    q = pd.DataFrame([{**rec, "rep": i} for i, r in enumerate(rows) for rec in r["quarters"]])
    if len(q):
        lines += [
            "",
            "Calendar quarters, median over replications (run / no-outage baseline):",
            "",
            "| quarter | production | wholesale | OEM cash at the end | facilities drawn at the end |",
            "|---|---:|---:|---:|---:|",
        ]
        med = q.groupby(["quarter", "measure"])[["run", "baseline"]].median()
        for quarter in sorted(q["quarter"].unique()):

            def cell(measure: str, money: bool, quarter: str = quarter) -> str:
                if (quarter, measure) not in med.index:
                    return "-"
                run, base = med.loc[(quarter, measure)]
                if money:
                    return f"GBP {run / 1e9:.2f}bn / {base / 1e9:.2f}bn"
                return f"{run:,.0f} / {base:,.0f}"

            lines.append(
                f"| {quarter} | {cell('production', False)} | {cell('wholesale', False)} | "
                f"{cell('oem_cash_end', True)} | {cell('facilities_drawn_end', True)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "jlr_2025.yaml"))
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    parser.add_argument("--json", type=Path, default=None, help="also write every replication's numbers here")
    args = parser.parse_args(argv)
    from sim import load_scenario

    seed = load_scenario(args.scenario).seed if args.seed is None else args.seed
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(one, [(args.scenario, seed, i) for i in range(args.replications)], chunksize=4))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, default=str), encoding="utf-8")
    print(tables(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
