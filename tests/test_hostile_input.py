"""Hostile and careless input: every mistake is one paragraph naming file, line, field and rule, with exit 2 and
no traceback; nothing is silently wrong; nothing hangs or grows without bound; nothing pre-existing is changed.

Signals and races with real processes are in tests/test_signals_and_races.py.
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from sim.runner import redraw_in_place
from sim.scenario import limits, yaml_input
from sim.scenario.errors import ScenarioError, line_of
from sim.scenario.frozen import FrozenDict, FrozenList
from sim.scenario.loader import (
    MAX_BASE_CHAIN,
    apply_overrides,
    load_scenario,
    read_scenario_data,
    read_yaml,
    scenario_to_data,
    validate_data,
)
from sim.simulation import simulate
from tests.hostile import ROOT, TINY, cli, refused, snapshot, supplysim

TINY_TEXT = TINY.read_text(encoding="utf-8")
TINY_DATA, TINY_LINES = read_yaml(TINY)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def scenario_file(folder: Path, text: str = TINY_TEXT, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **kwargs: Any) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    return str(info.value)


def leaf_paths(data: Any, prefix: str = "") -> list[str]:
    """Every dotted path to a value in plain scenario data."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in leaf_paths(v, f"{prefix}.{i}")] or [prefix]
    return [prefix]


# ------------------------------------------------------------------------------------ silently wrong results


TINY_PATHS = leaf_paths(TINY_DATA)


def typo(word: str, data: st.DataObject) -> str:
    """One deletion, insertion, substitution or swap in ``word``."""
    i = data.draw(st.integers(0, len(word) - 1))
    kind = data.draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"))
    if kind == "delete" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    if kind == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + letter + word[i + 1 :]


@FAST
@given(st.data())
def test_a_misspelt_dotted_path_is_refused_with_the_nearest_names(data: st.DataObject) -> None:
    """A typo anywhere in a path to an existing value names the path and suggests the name it was meant to be;
    it never adds an entry, and the data it was applied to is unchanged."""
    path = data.draw(st.sampled_from(TINY_PATHS))
    parts = path.split(".")
    k = data.draw(st.sampled_from([i for i, p in enumerate(parts) if not p.isdigit()]))
    wrong = typo(parts[k], data)
    assume(wrong != parts[k] and wrong)
    bad = ".".join([*parts[:k], wrong, *parts[k + 1 :]])
    assume(bad not in TINY_PATHS)
    original = copy.deepcopy(TINY_DATA)
    try:
        apply_overrides(TINY_DATA, {bad: 7}, str(TINY), TINY_LINES)
    except ScenarioError as exc:
        message = str(exc)
        assert bad in message and ("unknown" in message or "list with" in message), message
        assert str(TINY) in message and ("line " in message or k == 0)  # the line of the deepest part that exists
    else:  # a typo that lands on another real field of the schema (e.g. 'systems' inside a plant) is legitimate
        assert wrong in _schema_field_names()
    assert TINY_DATA == original


def _schema_field_names() -> set[str]:
    from sim.scenario.paths import _schema

    schema = _schema()
    names = set(schema["properties"])
    for model in schema["$defs"].values():
        names |= set(model.get("properties", {}))
    return names


def test_misspelt_entry_in_set_sweep_and_sensitivity_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """The red-team case: `plants.solihul.daily_rate` (the plant is solihull) never adds a plant, in any command."""
    before = snapshot(tmp_path)
    for args in (
        ("run", str(TINY), "--no-figures", "--set", "plants.plant_aa.daily_rate=1200"),
        ("sweep", str(TINY), "--set", "plants.plant_aa.daily_rate=1,2"),
        ("sensitivity", str(TINY), "--param", "plants.plant_aa.daily_rate=1:2"),
    ):
        message = refused(cli(*args, "--out", str(tmp_path / "out")))
        assert "plants.plant_aa.daily_rate" in message and "did you mean 'plant_a'" in message
    assert snapshot(tmp_path) == before


def test_a_new_entry_is_added_only_whole() -> None:
    """Setting the whole of a new entry adds it (the documented way); a field of a missing entry does not."""
    facility = {"size_gbp": 1e6, "available_from": "2025-01-10"}
    scenario = load_scenario(TINY, {"treasury.facilities.new_line": facility})
    assert list(scenario.treasury.facilities) == ["new_line"]
    with pytest.raises(ScenarioError, match="unknown entry 'new_line'"):
        load_scenario(TINY, {"treasury.facilities.new_line.size_gbp": 1e6})


MONEY = (
    "suppliers.seat_co.unit_price_gbp",
    "sales.price_per_vehicle_gbp",
    "parts_centre.order_value_gbp",
    "treasury.opening_cash_gbp",
    "treasury.fixed_costs_gbp_per_day",
    "treasury.other_cost_per_unit_gbp",
)
MONEY_KPIS = (
    "revenue_lost_gbp",
    "oem_cash_trough_gbp",
    "supplier_cash_trough_gbp",
    "invoice_backlog_peak_gbp",
    "supplier_cash_shortfall_gbp",
    "oem_cash_gap_end_gbp",
)


@settings(max_examples=20, deadline=None)
@given(
    money=st.tuples(*[st.integers(4, 13) for _ in MONEY]),
    rate=st.integers(0, 9),
    orders=st.integers(0, 9),
    cash_days=st.sampled_from([0, 10, 1e4, 1e7]),
    share=st.sampled_from([1e-6, 1e-3, 1.0]),
    count=st.sampled_from([1, 20]),
    margin=st.sampled_from([0.25, 1e3]),
    horizon=st.sampled_from([40, 400]),
)
def test_extreme_valid_money_is_exact_or_refused(
    money: tuple[int, ...], rate: int, orders: int, cash_days: float, share: float, count: int, margin: float, horizon: int
) -> None:
    """Money and volumes up to 1e13 each, brought down tenfold at a time until the 64-bit bound accepts them (so
    that what runs is within a factor of ten of the bound): every refusal names a field and the limit, and what
    runs is exact: its money KPIs are 1000 times those of the same scenario with every amount divided by 1000
    (integer pence that wrapped around would break that)."""
    fixed = {
        "suppliers.seat_co.cash_days": cash_days,
        "suppliers.seat_co.oem_revenue_share": share,
        "suppliers.seat_co.count": count,
        "suppliers.seat_co.capacity_margin": margin,
        "horizon_days": horizon,
        "outages.attack.start": "2025-01-20",
    }
    for down in range(10):
        overrides: dict[str, Any] = {path: 10.0 ** max(4, e - down) for path, e in zip(MONEY, money, strict=True)}
        overrides.update(
            {
                "plants.plant_a.daily_rate": 10 ** max(0, rate - down),
                "sales.max_wholesale_per_day": 2 * 10 ** max(0, rate - down),
                "parts_centre.orders_per_day": 10 ** max(0, orders - down),
                **fixed,
            }
        )
        try:
            big = validate_data(apply_overrides(TINY_DATA, overrides, "big"), "big")
            break
        except ScenarioError as exc:
            assert re.search(r"[a-z_]+\.[a-z_.]+: this scenario could (move|count) up to", str(exc)), str(exc)
    else:
        assume(False)  # refused even at the smallest amounts (e.g. a week of cash at a millionth share)
    event(f"ran after dividing by 10**{down}")
    small = validate_data(apply_overrides(TINY_DATA, {**overrides, **{p: overrides[p] / 1000 for p in MONEY}}, "small"), "small")
    a, b = simulate(big, 1).summary, simulate(small, 1).summary
    for kpi in MONEY_KPIS:
        assert math.isclose(a[kpi], 1000 * b[kpi], rel_tol=1e-3, abs_tol=1e-3 * max(overrides[p] for p in MONEY)), kpi


def test_money_beyond_the_bound_names_the_field_that_carries_it() -> None:
    """A price times a volume past the bound: refused at the price, with the limit, before anything runs."""
    message = str(_refusal({"sales.price_per_vehicle_gbp": 1e12, "plants.plant_a.daily_rate": 1e6}))
    assert "sales.price_per_vehicle_gbp" in message and f"{limits.MONEY_LIMIT_GBP:g}" in message


def _refusal(overrides: dict[str, Any]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        validate_data(apply_overrides(TINY_DATA, overrides, "x"), "x")
    return info.value


def every_container(value: Any) -> list[Any]:
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return [c for name in type(value).model_fields for c in every_container(getattr(value, name))]
    if isinstance(value, dict):
        return [value, *[c for v in value.values() for c in every_container(v)]]
    if isinstance(value, list):
        return [value, *[c for v in value for c in every_container(v)]]
    return []


def test_a_loaded_scenario_is_frozen_all_the_way_down() -> None:
    """Every mapping and list inside the flagship refuses change; dumping, copying, pickling and writing still work."""
    scenario = load_scenario(ROOT / "scenarios" / "jlr_2025.yaml")
    containers = every_container(scenario)
    assert len(containers) > 50
    for container in containers:
        assert isinstance(container, (FrozenDict, FrozenList))
        with pytest.raises(TypeError, match="read-only"):
            if isinstance(container, dict):
                container["x"] = 1
            else:
                container.append(1)
    with pytest.raises(TypeError):
        scenario.plants["solihull"].working_days.sort()
    data = scenario_to_data(scenario)
    assert type(data["plants"]) is dict and yaml.safe_load(yaml.safe_dump(data)) == data
    assert pickle.loads(pickle.dumps(scenario)) == scenario == copy.deepcopy(scenario)
    changed = scenario.model_copy(update={"horizon_days": 10})
    assert changed.horizon_days == 10 and changed.plants == scenario.plants


# ------------------------------------------------------------------------------- hangs and unbounded memory


def alias_bomb(fan_out: int, levels: int) -> str:
    """A mapping whose last key repeats ``fan_out ** levels`` scalars through anchors and aliases."""
    lines = ["name: x", "a0: &a0 [" + ", ".join(["v"] * fan_out) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan_out) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@FAST
@given(fan_out=st.integers(2, 40), levels=st.integers(1, 12))
def test_aliases_repeat_but_never_multiply_without_bound(tmp_path: Path, fan_out: int, levels: int) -> None:
    """Alias fan-outs: a document that expands past the node limit is refused at once with its line; below it,
    aliases are read as usual (and counted at their full size)."""
    sizes = [1 + fan_out]  # each list: itself and its items, an alias counted at the size of what it repeats
    for _ in range(1, levels):
        sizes.append(1 + fan_out * sizes[-1])
    total = 1 + 2 + sum(1 + size for size in sizes)  # the top mapping, name: x, and each key with its list
    text = alias_bomb(fan_out, levels)
    path = scenario_file(tmp_path, text, "bomb.yaml")
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert time.perf_counter() - started < 2
    message = str(info.value)
    if total > yaml_input.MAX_NODES:
        assert "once its aliases are expanded" in message and "line " in message
    else:
        assert "expanded" not in message and yaml_input.measure(text) == total


@FAST
@given(depth=st.integers(1, 2000), flow=st.booleans())
def test_nesting_is_bounded_in_depth(tmp_path: Path, depth: int, flow: bool) -> None:
    """Generated nesting depths, flow and block style: past MAX_DEPTH refused with a line, quickly; else read (and
    refused for its unknown key only)."""
    if flow:
        text = "name: x\nx-deep: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "name: x\nx-deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, depth)) + "  " * depth + "v: 1\n"
    path = scenario_file(tmp_path, text, "deep.yaml")  # 1 + depth levels: the top mapping, then x-deep's
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    elapsed = time.perf_counter() - started
    message = str(info.value)
    assert ("levels deep" in message) == (1 + depth > yaml_input.MAX_DEPTH), message
    assert elapsed < 2, elapsed


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    message = error_of(scenario_file(tmp_path, "name: &a [x, *a]\n"))
    assert "line 1" in message and "cycle" in message


@pytest.mark.parametrize("length", [2, MAX_BASE_CHAIN, MAX_BASE_CHAIN + 1, 300])
def test_base_chains_are_bounded(tmp_path: Path, length: int) -> None:
    """A chain of ``length`` files, each extending the next: up to MAX_BASE_CHAIN read, longer refused at once."""
    scenario_file(tmp_path, TINY_TEXT, f"c{length - 1}.yaml")
    for i in range(length - 1):
        scenario_file(tmp_path, f"base: c{i + 1}.yaml\n", f"c{i}.yaml")
    started = time.perf_counter()
    if length <= MAX_BASE_CHAIN:
        assert load_scenario(tmp_path / "c0.yaml").name == "tiny"
    else:
        message = error_of(tmp_path / "c0.yaml")
        assert f"c{MAX_BASE_CHAIN - 1}.yaml, line 1, base: a chain of more than {MAX_BASE_CHAIN}" in message
    assert time.perf_counter() - started < 2


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    """A file over the limit (sparse: nothing is written), /dev/zero and a pipe are refused at once, unread."""
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(yaml_input.MAX_FILE_BYTES + 1)
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    for path, words in ((big, "over the"), (Path("/dev/zero"), "not a regular file"), (pipe, "not a regular file")):
        started = time.perf_counter()
        assert words in error_of(path)
        assert time.perf_counter() - started < 1


def test_supplier_population_is_bounded_by_memory() -> None:
    """Entries each within the schema's count but too many members in all: refused, saying how memory sets it."""
    sups = {f"s{i}": {"part_family": "seats", "unit_price_gbp": 1, "count": 150_000} for i in range(3)}
    message = str(_refusal({"suppliers": sups}))
    assert "suppliers.s0.count" in message and "450,000 members" in message and "GB" in message


# --------------------------------------------------------------------------------- tracebacks instead of messages


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("start_date: 2025-01-06", "start_date: 2025-09-31", None, "cannot read '2025-09-31' as a date"),
        ("daily_rate: 100", "daily_rate: !!int abc", None, "cannot read 'abc' as an integer"),
        ("daily_rate: 100", "daily_rate: " + "9" * 5000, None, "as an integer"),
        ("daily_rate: 100", "daily_rate: .nan", "plants.plant_a.daily_rate", "finite"),
        ("daily_rate: 100", "daily_rate: {dist: uniform, low: .nan, high: 5}", "plants.plant_a.daily_rate.low", "finite"),
        ("daily_rate: 100", "daily_rate: {dist: normal, mean: 1, sd: .inf, low: 0}", "plants.plant_a.daily_rate.sd", "finite"),
        ("start_date: 2025-01-06", "start_date: 2999-12-01", "horizon_days", "must end by 2999-12-31"),
        ("start_date: 2025-01-06", "start_date: 9999-12-30", "start_date", "between 1900-01-01 and 2999-12-31"),
        ("start_date: 2025-01-06", "start_date: 0001-01-01", "start_date", "between 1900-01-01 and 2999-12-31"),
        ("start: 2025-01-20", "start: {dist: uniform, low: 2025-01-20, high: 9999-12-31}", "outages.attack.start.high", "between"),
    ],
)
def test_values_that_crashed_are_refused_at_their_line(tmp_path: Path, old: str, new: str, field: str | None, words: str) -> None:
    """Impossible dates, failed tags, over-long integers, NaN and infinity, dates near the calendar's ends: validate
    refuses each with the file, line and field, so run never meets them."""
    text = TINY_TEXT.replace(old, new, 1)
    path = scenario_file(tmp_path, text)
    before = snapshot(tmp_path)
    message = refused(cli("validate", str(path)))
    line = (
        line_of(TINY_LINES, tuple(field.split("."))) if field else next(i for i, x in enumerate(text.splitlines(), 1) if new in x)
    )
    assert words in message and f"line {line}" in message and str(path) in message
    assert field is None or field in message
    message = refused(cli("run", str(path), "--out", str(tmp_path / "out"), "--no-figures"))
    assert words in message
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "{dist: uniform, low: 1, high: .nan}"])
def test_nan_and_infinity_through_set_are_refused(tmp_path: Path, value: str) -> None:
    message = refused(
        cli("run", str(TINY), "--out", str(tmp_path / "out"), "--no-figures", "--set", f"plants.plant_a.daily_rate={value}")
    )
    assert "plants.plant_a.daily_rate" in message and "finite" in message
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_suppliers_runs() -> None:
    """Plants with no bill of materials and no suppliers: valid, and it runs."""
    data = copy.deepcopy(TINY_DATA)
    data["suppliers"], data["part_families"] = {}, {}
    data["plants"]["plant_a"]["part_families"] = []
    result = simulate(validate_data(data, "no suppliers"), 1)
    assert result.summary["vehicles_lost"] == 700


def test_an_engine_failure_is_one_paragraph_with_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the engine fails on (here, an error the simulation raises that nobody foresaw) reaches the user
    as one paragraph with exit 3, not a traceback, and writes nothing."""
    import sim.simulation

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a defect deep in the engine")

    monkeypatch.setattr(sim.simulation, "simulate", broken)
    message = refused(cli("run", str(TINY), "--out", str(tmp_path / "out"), "--no-figures"), 3)
    assert "internal error (please report" in message and "SUPPLYSIM_TRACEBACK" in message
    assert "a defect deep in the engine" in message
    assert not (tmp_path / "out").exists()


def test_a_sweep_mixing_a_number_and_a_distribution_is_written(tmp_path: Path) -> None:
    """One axis with a constant and a distribution runs every point and writes them (as text where mixed)."""
    result = cli(
        "sweep",
        str(TINY),
        "--set",
        "plants.plant_a.daily_rate=10,{dist: uniform, low: 5, high: 20}",
        "--out",
        str(tmp_path / "sweep"),
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert table["plants.plant_a.daily_rate"].tolist() == ["10", '{"dist": "uniform", "high": 20, "low": 5}']
    assert (table["status"] == "ok").all()


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (("run", str(TINY), "--seed", "-1"), "--seed", ">= 0"),
        (("run", str(TINY), "--replications", "2", "--scheduler", "foo"), "--scheduler", "tcp://HOST"),
        (("run", str(TINY), "--replications", "2", "--scheduler", "tcp://host:99999"), "--scheduler", "tcp://HOST"),
        (("compare", str(TINY), str(TINY), "--seed", "-5"), "--seed", ">= 0"),
        (("sweep", str(TINY), "--set", "horizon_days=60", "--seed", "-1"), "--seed", ">= 0"),
        (("sensitivity", str(TINY), "--param", "payables.automated_invoices_per_day=1:.inf"), "automated_invoices", "finite"),
        (("sensitivity", str(TINY), "--param", "payables.automated_invoices_per_day=.nan:5"), "automated_invoices", "finite"),
        (("sensitivity", str(TINY), "--param", "outages.attack.start=2025-01-01:2025-02-31"), "outages.attack.start", "as a date"),
        (("run", str(TINY), "--replications", "1000000"), "--replications", "100,000"),
        (
            (
                "run",
                str(TINY),
                "--set",
                "horizon_days=["
                + ", ".join(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)).replace("*a0", "1")
                + "]",
            ),
            "--set horizon_days",
            "once its aliases are expanded",
        ),
    ],
)
def test_option_mistakes_are_one_paragraph(tmp_path: Path, args: tuple[str, ...], option: str, words: str) -> None:
    """A negative seed, a malformed scheduler, an infinite or impossible bound, a batch too big for memory: exit 2,
    naming the option, before anything is created."""
    message = refused(cli(*args, "--out", str(tmp_path / "out")))
    assert option in message and words in message
    assert list(tmp_path.iterdir()) == []


def test_schema_out_needs_a_folder_and_force(tmp_path: Path) -> None:
    """schema --out into a missing folder, or over an existing file without --force: refused, file untouched."""
    assert "does not exist" in refused(cli("schema", "--out", str(tmp_path / "missing" / "s.json")))
    mine = scenario_file(tmp_path, "keep me", "mine.json")
    assert "--force" in refused(cli("schema", "--out", str(mine)))
    assert mine.read_text() == "keep me"
    assert cli("schema", "--out", str(mine), "--force").exit_code == 0 and mine.read_text().startswith("{")
    assert "not a file" in refused(cli("schema", "--out", str(tmp_path), "--force"))


def test_an_unreadable_scenario_is_one_paragraph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = scenario_file(tmp_path)
    if os.geteuid() == 0:  # root reads any file: make opening it fail as it would for anyone else
        real = os.open

        def denied(name: Any, *args: Any, **kwargs: Any) -> int:
            if str(name) == str(path):
                raise PermissionError(13, "Permission denied", str(name))
            return real(name, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    else:
        path.chmod(0)
    message = refused(cli("validate", str(path)))
    assert str(path) in message and "cannot be read: permission denied" in message


def test_plot_refuses_what_is_not_a_readable_writable_result_folder(tmp_path: Path) -> None:
    """plot on an empty, foreign, corrupt or read-only folder: exit 2 naming why, every file as it was."""
    from tests.hostile import read_only

    good = tmp_path / "good"
    assert cli("run", str(TINY), "--out", str(good), "--no-figures").exit_code == 0
    (tmp_path / "empty").mkdir()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for f in good.iterdir():
        (corrupt / f.name).write_bytes(f.read_bytes()[:50] if f.suffix == ".parquet" else f.read_bytes())
    before = snapshot(tmp_path)
    assert "not a supplysim result folder" in refused(cli("plot", str(tmp_path / "empty")))
    assert "notes.txt" in refused(cli("plot", str(tmp_path / "foreign")))
    assert "cannot be read: daily.parquet" in refused(cli("plot", str(corrupt)))
    with read_only(good):
        assert "read-only" in refused(cli("plot", str(good)))
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_plot_that_fails_to_draw_leaves_the_figures_as_they_were(tmp_path: Path) -> None:
    """A drawing error part-way leaves no figure replaced and no scratch folder."""
    out = tmp_path / "run"
    assert supplysim("run", str(TINY), "--out", str(out)).returncode == 0  # figures are drawn by a forked worker
    before = snapshot(tmp_path)

    def half_then_fail(folder: Path) -> list[Path]:
        (folder / "cash.png").write_bytes(b"half drawn")
        raise RuntimeError("raster overflow")

    with pytest.raises(RuntimeError):
        redraw_in_place(out, half_then_fail)
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------- validation agrees with run


MENU: dict[str, list[Any]] = {
    "horizon_days": [15, 61, 400],
    "plants.plant_a.daily_rate": [0, 1e-9, 0.4, 1e6],
    "plants.plant_a.working_days": [["sun"], ["mon"]],
    "plants.plant_a.line_side_buffer_days": [0, 1e4],
    "plants.plant_a.ramp_up": [[{"after_days": 0, "capacity": 0}], [{"after_days": 30, "capacity": 0.5}]],
    "plants.plant_a.shutdowns": [[{"first": "2025-01-01", "last": "2025-12-31"}]],
    "suppliers.seat_co.count": [3, 500],
    "suppliers.seat_co.unit_price_gbp": [0, 1e-9, 1e6],
    "suppliers.seat_co.parts_per_unit": [0, 0.4, 1e3],
    "suppliers.seat_co.lead_time_days": [1, 365],
    "suppliers.seat_co.payment_terms_days": [0, 730],
    "suppliers.seat_co.cash_days": [0, 1e6],
    "suppliers.seat_co.oem_revenue_share": [1e-6],
    "suppliers.seat_co.average_wage_gbp": [0, 1e-9],
    "suppliers.seat_co.short_time_after_idle_days": [0, 3],
    "suppliers.seat_co.redundancy_below_runway_days": [1e6],
    "suppliers.seat_co.pay_late_below_runway_days": [1e6],
    "suppliers.seat_co.runway_days": [0, 1e4],
    "suppliers.seat_co.working_capital": ["normal_year"],
    "supplier_distress": [
        {"keep_trading": "all", "support_budget_gbp": 1e9, "accelerate_payment": True},
        {"move_tooling": "all", "tooling_move_days": 1, "tooling_move_cost_gbp": 1e6},
    ],
    "suppliers.seat_co.systems": [["erp"], ["invoicing"]],
    "suppliers.t2": [{"tier": 2, "customers": ["seat_co"], "customer_price_share": 0.3, "count": 5}],
    "parts_centre": [None],
    "parts_centre.patience_days": [0],
    "payables.automated_invoices_per_day": [0, 1e9],
    "payables.priority": ["least_cash_first"],
    "payables.process_invoices": ["on_receipt"],
    "payables.manual_teams": [{"t": {"start": "2025-01-06", "staff": 1e4, "invoices_per_person_per_day": 1e4}}],
    "sales.max_wholesale_per_day": [0],
    "sales.settlement_days": [0, 365],
    "treasury.facilities": [{"f": {"size_gbp": 1e9, "available_from": "2025-01-06", "draw_below_gbp": 1e9}}],
    "interventions.supplier_finance": [
        {
            "start": "2025-01-06",
            "budget_gbp": 1e9,
            "prepay_share": 1,
            "days_after_order": 365,
            "tier2_pass_through": True,
            "tiers": [1, 2],
        }
    ],
    "interventions.short_time_work": [{"start": "2025-01-06", "payroll_share_covered": 1, "min_idle_share": 0}],
    "interventions.rescue": [{"start": "2025-01-06", "budget_gbp": 1e9, "cushion_days": 1e3, "restart_critical_only": False}],
    "outages.attack.restore.erp": [[{"after_days": 3660}], [{"after_days": 0}]],
    "outages.attack.start": ["2025-01-06"],
    "systems.erp.kind": ["facility"],
}


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(MENU)), st.none(), min_size=1, max_size=6), st.data())
def test_whatever_validate_accepts_runs(keys: dict[str, None], data: st.DataObject) -> None:
    """Extreme-but-valid combinations (zero and huge rates, the longest terms, every intervention at once...): a
    scenario validation accepts runs with every conservation identity checked daily."""
    overrides = {k: data.draw(st.sampled_from(MENU[k]), label=k) for k in sorted(keys)}
    try:
        scenario = validate_data(apply_overrides(TINY_DATA, overrides, "generated"), "generated")
    except ScenarioError:
        event("refused")
        return
    event("ran")
    result = simulate(scenario, 1, check_daily=True)
    assert len(result.daily) == scenario.horizon_days


# --------------------------------------------------------------------------------------------- unclear messages


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("price_per_vehicle_gbp: 1000", "price_per_vehicle_gbp: -3", "sales.price_per_vehicle_gbp"),
        ("    daily_rate: 100", "    daily_rat: 100", "plants.plant_a.daily_rat"),
        ("systems: [erp, invoicing]", "systems: [erp, mes]", "outages.attack.systems.1"),
    ],
)
def test_a_mistake_in_a_base_file_names_that_file_and_its_line(tmp_path: Path, old: str, new: str, field: str) -> None:
    base_text = TINY_TEXT.replace(old, new, 1)
    (tmp_path / "shared").mkdir()
    scenario_file(tmp_path / "shared", base_text, "base.yaml")
    child = scenario_file(tmp_path, "base: shared/base.yaml\nname: child\n# a comment\n# and another\n", "child.yaml")
    message = error_of(child)
    line = next(i for i, text in enumerate(base_text.splitlines(), 1) if new.strip() in text)
    assert message.startswith(f"Scenario {child} is invalid: in {tmp_path / 'shared' / 'base.yaml'}, line ")
    assert f"in {tmp_path / 'shared' / 'base.yaml'}, line {line}, {field}: " in message


@pytest.mark.slow
def test_sweep_and_sensitivity_read_base_files_like_run(tmp_path: Path) -> None:
    """One loader: the shipped variant with a base: is read by sweep and sensitivity as by run."""
    shipped = ROOT / "scenarios" / "jlr_2025_no_support.yaml"
    data, where = read_scenario_data(shipped)
    assert data["name"] != load_scenario(ROOT / "scenarios" / "jlr_2025.yaml").name or "interventions" in data
    assert validate_data(data, str(shipped), where) == load_scenario(shipped)
    scenario_file(tmp_path, TINY_TEXT, "tiny.yaml")
    child = scenario_file(tmp_path, "base: tiny.yaml\nname: child\n", "child.yaml")
    result = cli("sweep", str(child), "--set", "plants.plant_a.daily_rate=100,200", "--out", str(tmp_path / "sweep"))
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert table["vehicles_lost"].tolist() == [700, 1400]
    result = cli(
        "sensitivity",
        str(child),
        "--param",
        "payables.automated_invoices_per_day=20:200",
        "--samples",
        "2",
        "--out",
        str(tmp_path / "sens"),
        "--workers",
        "1",
    )
    assert result.exit_code == 0, result.output


def test_a_base_outside_the_scenario_folder_is_refused_unless_allowed(tmp_path: Path) -> None:
    """base: may not reach outside the scenario's folder; allowed, a file that is not a scenario is named, and no
    more than its first line (60 characters of it) is echoed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("first line of a private file\nsecond line that must never be shown\n")
    (tmp_path / "scenarios").mkdir()
    child = scenario_file(tmp_path / "scenarios", "base: ../secret.txt\nname: child\n")
    message = refused(cli("validate", str(child)))
    assert "outside the scenario's folder" in message and "--allow-base-outside" in message and "line 1" in message
    message = refused(cli("validate", "--allow-base-outside", str(child)))
    assert "secret.txt" in message and "private" not in message and "second line" not in message
    secret.write_text(TINY_TEXT.replace("horizon_days: 60", "horizon_days: |\n  " + "x" * 500 + "\n  never shown\n"))
    message = refused(cli("validate", "--allow-base-outside", str(child)))
    assert "horizon_days" in message and "x" * 60 in message and "x" * 61 not in message and "never shown" not in message


def test_workers_are_capped_at_the_cpus_with_a_warning(tmp_path: Path) -> None:
    result = cli("run", str(TINY), "--replications", "3", "--workers", "1000", "--out", str(tmp_path / "reps"), "--no-figures")
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: --workers 1000 is more than the \d+ CPUs", result.output)
    import json

    assert json.loads((tmp_path / "reps" / "run.json").read_text())["workers"] <= (os.cpu_count() or 1)


# ----------------------------------------------------------------------------------------------- house rules


OWNED = [
    "sim/scenario/loader.py",
    "sim/scenario/yaml_input.py",
    "sim/scenario/paths.py",
    "sim/scenario/validation.py",
    "sim/scenario/references.py",
    "sim/scenario/limits.py",
    "sim/scenario/errors.py",
    "sim/scenario/frozen.py",
    "sim/runner.py",
    "sim/cli.py",
    "sim/experiments/executors.py",
    "sim/experiments/sweeps.py",
    "sim/experiments/sensitivity.py",
    "sim/experiments/tables.py",
    "sim/experiments/replications.py",
]


def test_rules_and_guards_stay_small() -> None:
    """No function of the validation rules, loader, runner, CLI or executors above cyclomatic complexity 15."""
    ruff = Path(sys.executable).parent / "ruff"
    proc = subprocess.run(
        [str(ruff), "check", "--select", "C90", "--config", "lint.mccabe.max-complexity=15", *OWNED],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout


def test_validate_and_run_accept_the_same_committed_scenarios() -> None:
    """Every shipped scenario passes the new rules (dates, finite numbers, population and 64-bit bounds)."""
    proc = supplysim("validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml"))), str(TINY))
    assert proc.returncode == 0, proc.stderr
