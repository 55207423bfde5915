"""Scale benchmark harness for supplysim (issue 7). Not part of the test suite.

Builds a generated scale scenario in memory from the flagship ``scenarios/jlr_2025.yaml``: the same
plants, systems, outage (31 Aug 2025, plants back 8-13 Oct: ~38-43 days) and phased restart, parts
centre, payables, sales, treasury and interventions, 365 days; only the supplier counts change. The
eight tier-1 supplier families are rescaled so they total N (largest remainder, family mix kept
proportional, at least one per family); the tier-2 population is N2 (``--tier2``, default 0 = removed).
Nothing is written to disk: the data dict is validated with ``sim.scenario.loader.validate_data``.

Commands (run from the repository root)::

    .venv/bin/python benchmarks/scale.py       # no arguments (`make bench`): --startup --suppliers 100 1000 5000
    .venv/bin/python benchmarks/scale.py --suppliers 100 1000 5000 [20000]   # scaling table
    .venv/bin/python benchmarks/scale.py --peer 100 500                      # side by side with SupplyNetPy
    .venv/bin/python benchmarks/scale.py --startup                           # `supplysim --help` start-up
    .venv/bin/python benchmarks/scale.py --profile 5000                      # cProfile one simulate()

How things are counted (see benchmarks/README.md):
  * one ``sim.simulate(scenario, seed)`` call (``sim.simulation.simulate``) runs TWO worlds: the outage run
    and its no-outage baseline (plus realising the draws, the daily tables and the KPIs).
    "per world" = simulate / 2.
  * supplier-days per simulate() = (N + N2) * 365 * 2 (both worlds). The conservative figure credits
    one world only: (N + N2) * 365.
  * each N runs in a fresh subprocess: one warm-up simulate(), then best of ``--repeats`` (3) timed
    simulate() calls; peak memory is that subprocess's peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "jlr_2025.yaml"
PEER_SCRIPT_DIR = Path(__file__).resolve().parent
PEER_PYTHON = "/tmp/peervenv/bin/python"
TIER2_ENTRY = "tier2_suppliers"


# ----------------------------------------------------------------------------------------------------
# Scenario construction
# ----------------------------------------------------------------------------------------------------


def proportional_counts(weights: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over ``weights`` proportionally (largest remainder), at least 1 each."""
    if total < len(weights):
        raise ValueError(f"need at least {len(weights)} tier-1 suppliers (one per family), got {total}")
    wsum = sum(weights.values())
    exact = {k: total * w / wsum for k, w in weights.items()}
    counts = {k: max(1, int(v)) for k, v in exact.items()}
    while sum(counts.values()) > total:  # only when a tiny family was lifted to 1
        big = max(counts, key=lambda k: (counts[k] - exact[k], counts[k]))
        counts[big] -= 1
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:left]:
        counts[k] += 1
    assert sum(counts.values()) == total
    return counts


_SCALED_KEYS = ("value", "low", "high", "mode", "mean", "sd", "median")


def scale_param(value: Any, factor: float) -> Any:
    """A scenario parameter (number or ``{dist: ...}``) with its magnitude multiplied by ``factor``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * factor
    if isinstance(value, dict):
        out = dict(value)
        for k in _SCALED_KEYS:
            if isinstance(out.get(k), (int, float)):
                out[k] = out[k] * factor
        if isinstance(out.get("values"), list):
            out["values"] = [v * factor for v in out["values"]]
        return out
    raise TypeError(f"cannot scale {value!r}")


def scale_data(n_suppliers: int, tier2: int = 0, same_business: bool = False) -> dict[str, Any]:
    """The flagship's plain data with N tier-1 suppliers (family mix kept) and ``tier2`` tier-2 suppliers.

    ``same_business``: also keep the business the flagship's size. Tier-1 unit prices are multiplied by
    N_flagship / N (bought-in spend per vehicle stays ~GBP 40k) and the automated invoicing rate and the
    manual payment team by N / N_flagship (the same invoice-processing headroom per supplier). Without
    it only the counts change, so spend per vehicle and invoices per day grow with N (as the brief asks).
    """
    from sim import read_yaml

    raw, _lines = read_yaml(FLAGSHIP)
    data: dict[str, Any] = copy.deepcopy(raw)
    data["name"] = f"scale_{n_suppliers}" + (f"_t2_{tier2}" if tier2 else "") + ("_same" if same_business else "")
    sups: dict[str, Any] = data["suppliers"]
    tier1 = {k: int(v.get("count", 1)) for k, v in sups.items() if int(v.get("tier", 1)) == 1}
    flagship_n = sum(tier1.values())
    for k, c in proportional_counts(tier1, n_suppliers).items():
        sups[k]["count"] = c
        if same_business:
            sups[k]["unit_price_gbp"] = scale_param(sups[k]["unit_price_gbp"], flagship_n / n_suppliers)
    if same_business:
        pay = data["payables"]
        grow = n_suppliers / flagship_n
        pay["automated_invoices_per_day"] = scale_param(pay["automated_invoices_per_day"], grow)
        for team in pay.get("manual_teams", {}).values():
            team["staff"] = scale_param(team["staff"], grow)
    t2_names = [k for k, v in sups.items() if int(v.get("tier", 1)) == 2]
    for k in t2_names:
        if tier2 > 0:
            sups[k]["count"] = max(1, round(tier2 / len(t2_names)))
        else:
            del sups[k]
    return data


def build_scale(n_suppliers: int, tier2: int = 0, same_business: bool = False) -> Any:
    """A validated :class:`sim.scenario.schema.Scenario` for the scale benchmark."""
    from sim import validate_data

    return validate_data(scale_data(n_suppliers, tier2, same_business), f"scale({n_suppliers})")


def outage_window(data: dict[str, Any]) -> dict[str, Any]:
    """Outage start (day index) and days until the plants' systems first come back (min and max)."""
    start_date = _as_date(data["start_date"])
    (outage,) = data["outages"].values()
    start = _as_date(outage["start"])
    plant_systems = set()
    for p in data["plants"].values():
        plant_systems.update(p.get("systems", []))
        plant_systems.update(p.get("call_off_systems", []))
    back = []
    for sysname, steps in outage.get("restore", {}).items():
        if sysname in plant_systems and steps and not isinstance(steps[0]["date"], dict):
            back.append((_as_date(steps[0]["date"]) - start).days)
    return {
        "start_day": (start - start_date).days,
        "start": start.isoformat(),
        "days_min": min(back),
        "days_max": max(back),
        "horizon_days": int(data["horizon_days"]),
    }


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


# ----------------------------------------------------------------------------------------------------
# Our engine: one N in one process
# ----------------------------------------------------------------------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def measure_ours(
    n_suppliers: int,
    tier2: int = 0,
    repeats: int = 3,
    seed: int = 1,
    warmup: bool = True,
    same_business: bool = False,
    keep_going: Callable[[], bool] | None = None,
    max_repeats: int = 500,
) -> dict[str, Any]:
    """Warm-up + best of ``repeats`` timed ``simulate()`` calls at N (in the calling process).

    ``keep_going``: after the first ``repeats`` runs, go on timing while it returns True (up to
    ``max_repeats``), so that a side-by-side competitor never runs alone.
    """
    t0 = time.perf_counter()
    from sim import simulate

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    scenario = build_scale(n_suppliers, tier2, same_business)
    build_s = time.perf_counter() - t0
    rss_before = _rss_mib()
    warm_s = None
    if warmup:
        t0 = time.perf_counter()
        simulate(scenario, seed)
        warm_s = time.perf_counter() - t0
    walls: list[float] = []
    events: list[int] = []
    while len(walls) < repeats or (keep_going is not None and len(walls) < max_repeats and keep_going()):
        t0 = time.perf_counter()
        result = simulate(scenario, seed)
        walls.append(time.perf_counter() - t0)
        events.append(int(result.work.get("events", -1)))
    assert len(set(events)) == 1, f"work counter not deterministic: {events}"
    n_all = n_suppliers + tier2
    best = min(walls)
    days = scenario.horizon_days
    return {
        "n": n_suppliers,
        "tier2": tier2,
        "same_business": same_business,
        "days": days,
        "seed": seed,
        "import_s": import_s,
        "build_s": build_s,
        "warmup_s": warm_s,
        "walls_s": walls,
        "best_s": best,
        "median_s": statistics.median(walls),
        "per_world_s": best / 2,
        "supplier_days_per_simulate": n_all * days * 2,
        "supplier_days_per_s": n_all * days * 2 / best,
        "supplier_days_per_s_one_world": n_all * days / best,
        "events": events[0],
        "rss_before_sim_mib": rss_before,
        "peak_rss_mib": _rss_mib(),
        "pid": os.getpid(),
        **_economics(result),
    }


def _economics(result: Any) -> dict[str, Any]:
    """A few outcome figures that show whether the generated business is sane (not timed)."""
    summary, daily = result.summary, result.daily
    out: dict[str, Any] = {
        k: summary.get(k) for k in ("invoice_backlog_peak_count", "oem_cash_trough_gbp", "suppliers_insolvent", "vehicles_lost")
    }
    if "baseline_invoice_backlog_count" in daily:
        out["baseline_invoice_backlog_peak_count"] = int(daily["baseline_invoice_backlog_count"].max())
    return {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in out.items()}


def _run_child(args: list[str]) -> dict[str, Any]:
    """Run this script as a fresh subprocess and parse the JSON line it prints last."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def ours_fresh(n_suppliers: int, tier2: int, repeats: int, seed: int, same_business: bool) -> dict[str, Any]:
    return _run_child(
        [
            "--_worker",
            str(n_suppliers),
            "--tier2",
            str(tier2),
            "--repeats",
            str(repeats),
            "--seed",
            str(seed),
            *(["--same-business"] if same_business else []),
        ]
    )


# ----------------------------------------------------------------------------------------------------
# The peer (SupplyNetPy, in its own venv)
# ----------------------------------------------------------------------------------------------------

_PEER_CODE = """
import json, sys
sys.path.insert(0, {dir!r})
from peer_supplynetpy import run_peer
runs = [run_peer({n}, days={days}, outage_start_day={start}, outage_days={od}, seed={seed}) for _ in range({reps})]
best = min(runs, key=lambda r: r["wall_s"])
best["walls_s"] = [r["wall_s"] for r in runs]
print(json.dumps(best))
"""


def measure_peer(
    n_suppliers: int,
    days: int,
    start_day: int,
    outage_days: int,
    seed: int,
    repeats: int,
    python: str = PEER_PYTHON,
    done: Any = None,
) -> dict[str, Any]:
    """Run ``run_peer`` ``repeats`` times in a fresh peer-venv interpreter; the best run's stats.

    ``done``: an event (``multiprocessing.Manager().Event()``) set when the peer has finished.
    """
    code = _PEER_CODE.format(
        dir=str(PEER_SCRIPT_DIR), n=n_suppliers, days=days, start=start_day, od=outage_days, seed=seed, reps=repeats
    )
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    finally:
        if done is not None:
            done.set()
    if proc.returncode != 0:
        raise RuntimeError(f"peer run failed (N={n_suppliers}):\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _ours_task(n_suppliers: int, repeats: int, seed: int, same_business: bool, peer_done: Any) -> dict[str, Any]:
    """Ours, side by side: keep timing simulate() until the peer has finished (both compete all along)."""
    return measure_ours(n_suppliers, 0, repeats, seed, same_business=same_business, keep_going=lambda: not peer_done.is_set())


# ----------------------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------------------


def _load_note() -> str:
    try:
        l1, l5, _ = os.getloadavg()
    except OSError:
        return ""
    return f"load average {l1:.2f} (1 min) {l5:.2f} (5 min) on {os.cpu_count()} CPUs"


VARIANTS = {"counts": False, "same": True}
VARIANT_TEXT = {
    "counts": "only the supplier counts change (unit prices, invoicing capacity as in the flagship: spend per "
    "vehicle and invoices per day grow with N)",
    "same": "same business: tier-1 unit prices x 1000/N, automated invoicing rate and manual team x N/1000",
}


def report_suppliers(ns: list[int], tier2: int, repeats: int, seed: int, variant: str) -> list[dict[str, Any]]:
    same = VARIANTS[variant]
    win = outage_window(scale_data(max(ns[0], 8), tier2))
    print(f"\n== scaling, variant '{variant}': {VARIANT_TEXT[variant]}")
    print(
        f"scale scenario: flagship jlr_2025 with N tier-1 suppliers (family mix kept), tier 2 = {tier2}, "
        f"{win['horizon_days']} days; outage from {win['start']} (day {win['start_day']}), plant systems back "
        f"after {win['days_min']}-{win['days_max']} days, phased restart as in the flagship"
    )
    print("one simulate() = outage world + no-outage baseline world (+ draws, tables, KPIs); per world = half.")
    print(
        f"supplier-days per simulate() = (N + tier2) * {win['horizon_days']} * 2 worlds. Each N: fresh "
        f"subprocess, 1 warm-up, best of {repeats}. Peak RSS = that subprocess's ru_maxrss."
    )
    print(f"before: {_load_note()}")
    rows: list[dict[str, Any]] = []
    print(
        f"{'N':>7} {'tier2':>6} {'simulate s':>11} {'per world s':>12} {'supplier-days/s':>16} "
        f"{'us/supplier-day':>16} {'vs ref':>7} {'marginal us/sd':>15} {'events':>9} {'peak RSS MiB':>13} "
        f"{'inv backlog peak':>17} {'(baseline)':>11} {'OEM cash trough':>16} runs s"
    )
    ref: float | None = None
    prev: dict[str, Any] | None = None
    for n in ns:
        r = ours_fresh(n, tier2, repeats, seed, same)
        per_sd = r["best_s"] / r["supplier_days_per_simulate"]
        ref = per_sd if ref is None else ref
        r["us_per_supplier_day"] = per_sd * 1e6
        r["ratio_vs_ref"] = per_sd / ref
        r["variant"] = variant
        r["marginal_us_per_supplier_day"] = (
            None
            if prev is None
            else 1e6 * (r["best_s"] - prev["best_s"]) / max(r["supplier_days_per_simulate"] - prev["supplier_days_per_simulate"], 1)
        )
        marg = "-" if r["marginal_us_per_supplier_day"] is None else f"{r['marginal_us_per_supplier_day']:.3f}"
        prev = r
        rows.append(r)
        runs = " ".join(f"{w:.3f}" for w in r["walls_s"])
        print(
            f"{n:>7} {tier2:>6} {r['best_s']:>11.3f} {r['per_world_s']:>12.3f} {r['supplier_days_per_s']:>16,.0f} "
            f"{per_sd * 1e6:>16.3f} {r['ratio_vs_ref']:>6.2f}x {marg:>15} {r['events']:>9} "
            f"{r['peak_rss_mib']:>13.0f} "
            f"{_num(r.get('invoice_backlog_peak_count')):>17} "
            f"{_num(r.get('baseline_invoice_backlog_peak_count')):>11} {_gbp(r.get('oem_cash_trough_gbp')):>16} "
            f"[{runs}]",
            flush=True,
        )
    print(
        f"'vs ref' = time per supplier-day relative to N={ns[0]} (target: within 1.5x); 'marginal' = extra time "
        "per extra supplier-day since the previous N (fixed costs cancel). Targets: 5,000 x 365 "
        "< 1 s per replication, peak RSS < 1 GiB at 5,000."
    )
    print(f"after: {_load_note()}")
    return rows


def _num(v: Any) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _gbp(v: Any) -> str:
    return "-" if v is None else f"{v / 1e9:,.2f} bn"


def report_peer(ns: list[int], repeats: int, peer_repeats: int, seed: int, python: str, variant: str) -> None:
    win = outage_window(scale_data(max(ns[0], 8), 0))
    days, start, od = win["horizon_days"], win["start_day"], win["days_min"]
    print(
        f"\n== peer: SupplyNetPy 0.5.1 model (benchmarks/peer_supplynetpy.py) in {python}; {days} days, one "
        f"outage of {od} days from day {start}. Ours: the scale scenario with N tier-1 suppliers, no tier 2, "
        f"variant '{variant}'."
    )
    print("Each N: ours and the peer run at the same time in one ProcessPoolExecutor(2) (one task each).")
    print(
        f"ours: 1 warm-up, then simulate() timed over and over (at least {repeats}) until the peer task ends, so "
        f"neither side ever runs alone; we report the MEDIAN of our runs (best in brackets). Peer: best of "
        f"{peer_repeats} run_peer(). Both timings include building the network."
    )
    print(
        "Counting: the peer runs ONE world (with the outage): N*days supplier-days per run. Our simulate() runs TWO "
        "worlds (outage + no-outage baseline): 2*N*days per call ('fair'). 'conservative' credits our call with "
        "one world only (N*days), as if the baseline were free."
    )
    print(f"before: {_load_note()}")
    print(
        f"{'N':>6} {'ours s (best)':>16} {'ours sd/s':>12} {'peer s':>9} {'peer sd/s':>11} {'ratio fair':>11} "
        f"{'ratio conservative':>19} {'(fair, best)':>13}"
    )
    with multiprocessing.Manager() as manager, concurrent.futures.ProcessPoolExecutor(2) as pool:
        for n in ns:
            peer_done = manager.Event()
            f_ours = pool.submit(_ours_task, n, repeats, seed, VARIANTS[variant], peer_done)
            f_peer = pool.submit(measure_peer, n, days, start, od, seed, peer_repeats, python, peer_done)
            ours, peer = f_ours.result(), f_peer.result()
            sd = n * days  # supplier-days in one world
            ours_sd_s = 2 * sd / ours["median_s"]
            peer_sd_s = peer["supplier_days_per_s"]
            ratio, ratio1, ratio_best = ours_sd_s / peer_sd_s, ours_sd_s / 2 / peer_sd_s, ours["supplier_days_per_s"] / peer_sd_s
            print(
                f"{n:>6} {ours['median_s']:>7.3f} ({ours['best_s']:.3f}) {ours_sd_s:>12,.0f} {peer['wall_s']:>9.3f} "
                f"{peer_sd_s:>11,.0f} {ratio:>10.0f}x {ratio1:>18.0f}x {ratio_best:>12.0f}x",
                flush=True,
            )
            print(
                f"       peer sanity: made/day before outage {peer['produced_per_day_before_outage']:.0f}, "
                f"made in outage {peer['produced_during_outage']:.0f}, disrupted days "
                f"{peer['manufacturer_disrupted_days']:.0f}; peer runs "
                f"{' '.join(f'{w:.3f}' for w in peer['walls_s'])}; ours: {len(ours['walls_s'])} runs "
                f"{min(ours['walls_s']):.3f}-{max(ours['walls_s']):.3f} s",
                flush=True,
            )
    print("target: ratio >= 100x at N=500")
    print(f"after: {_load_note()}")


def report_startup(repeats: int = 5) -> None:
    exe = Path(sys.executable).parent / "supplysim"
    cmd = [str(exe)] if exe.exists() else [shutil.which("supplysim") or "supplysim"]
    walls: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--help"], capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    print(
        f"\n== `{cmd[0]} --help`: best of {repeats} = {min(walls):.3f} s (runs "
        f"{' '.join(f'{w:.3f}' for w in walls)}); target < 0.3 s; {_load_note()}"
    )


def report_profile(n: int, tier2: int, seed: int, top: int, variant: str) -> None:
    import cProfile
    import pstats

    from sim import simulate

    scenario = build_scale(n, tier2, VARIANTS[variant])
    simulate(scenario, seed)
    prof = cProfile.Profile()
    prof.enable()
    simulate(scenario, seed)
    prof.disable()
    print(f"\n== cProfile of one simulate() at N={n}, tier2={tier2}, variant '{variant}' (after a warm-up)")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    ap.add_argument("--suppliers", type=int, nargs="+", metavar="N", help="scaling table for these N")
    ap.add_argument("--peer", type=int, nargs="+", metavar="N", help="side by side with the SupplyNetPy peer")
    ap.add_argument("--startup", action="store_true", help="time `supplysim --help` (best of 5)")
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile one simulate() at N (after a warm-up)")
    ap.add_argument(
        "--variant",
        choices=[*VARIANTS, "both"],
        default="counts",
        help="counts: only supplier counts change (default); same: keep the business the flagship's "
        "size (unit prices x 1000/N, invoicing capacity x N/1000); both: two scaling tables",
    )
    ap.add_argument("--tier2", type=int, default=0, help="tier-2 suppliers to add (default 0)")
    ap.add_argument("--repeats", type=int, default=3, help="timed simulate() calls per N, best taken (default 3)")
    ap.add_argument(
        "--peer-repeats",
        type=int,
        default=1,
        help="run_peer() calls per N, best taken (default 1: a peer run at N=500 takes over a minute)",
    )
    ap.add_argument("--peer-python", default=PEER_PYTHON, help=f"interpreter of the peer venv ({PEER_PYTHON})")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the scaling rows to this JSON file")
    ap.add_argument("--_worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--same-business", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._worker is not None:
        print(json.dumps(measure_ours(args._worker, args.tier2, args.repeats, args.seed, same_business=args.same_business)))
        return
    if not (args.suppliers or args.peer or args.startup or args.profile):  # `make bench`: the quick set
        args.startup, args.suppliers = True, [100, 1000, 5000]
    variants = list(VARIANTS) if args.variant == "both" else [args.variant]
    if args.startup:
        report_startup()
    if args.suppliers:
        rows = [r for v in variants for r in report_suppliers(args.suppliers, args.tier2, args.repeats, args.seed, v)]
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1, default=str))
    if args.peer:
        for v in variants:
            report_peer(args.peer, args.repeats, args.peer_repeats, args.seed, args.peer_python, v)
    if args.profile:
        for v in variants:
            report_profile(args.profile, args.tier2, args.seed, 25, v)


if __name__ == "__main__":
    main()
