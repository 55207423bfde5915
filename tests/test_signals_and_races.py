"""Signals and races, with real processes: concurrent runs into one folder, SIGTERM to a replication run and to a
run writing its results, a pool worker killed mid-batch, a conservation error inside a Monte Carlo run, and
output locations that cannot be written. Nothing the run did not create is ever changed or deleted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.hostile import (
    ROOT,
    TINY,
    alive,
    children,
    cli,
    read_only,
    refused,
    snapshot,
    start,
    supplysim,
    unchanged_except,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process trees from /proc")


def hidden(folder: Path) -> list[str]:
    """Scratch folders a run may have left beside its results."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def wait_for(condition: Any, timeout: float = 60, step: float = 0.01) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return False


def is_result(folder: Path) -> bool:
    from sim.runner import is_result_folder

    return is_result_folder(folder)


# --------------------------------------------------------------------------------------- data loss or overwrite


@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True])
def test_runs_started_together_never_share_a_folder(tmp_path: Path, force: bool) -> None:
    """Three runs started at once with one --out: one writes it, the others are refused (or, with --force and an
    earlier result there, replace it only one after another); the folder ends whole, nothing else is touched."""
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "out"
    if force:
        assert supplysim("run", str(TINY), "--out", str(out), "--no-figures", "--seed", "9").returncode == 0
    before = snapshot(tmp_path)
    extra = ("--force",) if force else ()
    procs = [start("run", str(TINY), "--out", str(out), "--no-figures", "--seed", str(i), *extra) for i in range(3)]
    results = [(p.wait(120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = [code for code, _ in results]
    assert all(code in (0, 2) for code in codes) and codes.count(0) >= 1, results
    assert all("Traceback" not in err for _, err in results)
    for code, err in results:
        if code == 2:
            assert "already exists" in err or "being written by another run" in err, err
    if not force:
        assert codes.count(0) == 1
    seed = json.loads((out / "run.json").read_text())["seed"]
    assert is_result(out) and codes[seed] == 0
    assert hidden(tmp_path) == [] and (tmp_path / "notes.txt").read_text() == "mine"
    unchanged_except(
        {k: v for k, v in before.items() if not k.startswith("out")},
        {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("out")},
    )


def test_something_written_into_the_claimed_folder_is_kept(tmp_path: Path) -> None:
    """A file put into the folder while the run computes: the run refuses to publish over it and keeps it."""
    out = tmp_path / "out"
    proc = start("run", str(TINY), "--out", str(out), "--replications", "150", "--workers", "1", "--no-figures")
    assert wait_for(out.exists)
    (out / "theirs.txt").write_text("written meanwhile")
    code, err = proc.wait(120), proc.stderr.read() if proc.stderr else ""
    assert code == 2 and "written into by something else" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["theirs.txt"] and hidden(tmp_path) == []


@pytest.mark.parametrize("what", ["scenario", "device", "foreign", "link"])
def test_force_replaces_only_an_earlier_result_folder(tmp_path: Path, what: str) -> None:
    """`run my.yaml --out my.yaml --force` and the like: refused, the thing at --out untouched."""
    scenario = tmp_path / "my.yaml"
    scenario.write_text(TINY.read_text())
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "thesis.tex").write_text("years of work")
    (tmp_path / "link").symlink_to(tmp_path / "foreign")
    target = {"scenario": scenario, "device": Path("/dev/null"), "foreign": tmp_path / "foreign", "link": tmp_path / "link"}[what]
    before = snapshot(tmp_path)
    message = refused(cli("run", str(scenario), "--out", str(target), "--force", "--no-figures"))
    assert "--force replaces only an earlier result folder" in message and str(target) in message
    assert snapshot(tmp_path) == before and Path("/dev/null").is_char_device()


def test_output_locations_that_cannot_be_written_fail_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent that is a file, a dangling link, the current folder, a read-only parent: exit 2 at once (nothing is
    simulated), nothing created."""
    import sim.simulation

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("simulated although the output cannot be written")

    monkeypatch.setattr(sim.simulation, "simulate", never)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "locked").mkdir()
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    cases = {"afile/out": "is not a folder", "dangling": "symbolic link", ".": "current folder", str(tmp_path): "current folder"}
    for out, words in cases.items():
        for force in ((), ("--force",)):
            assert words in refused(cli("run", str(TINY), "--out", out, "--no-figures", *force)), out
    with read_only(tmp_path / "locked"):
        message = refused(cli("run", str(TINY), "--out", str(tmp_path / "locked" / "a" / "b"), "--no-figures"))
        assert "Cannot create the output folder" in message
    assert snapshot(tmp_path) == before


def test_result_folders_follow_the_umask(tmp_path: Path) -> None:
    """Folders and files of a result are created with the permissions the umask allows (not 0700), so colleagues
    on a shared drive can open them."""
    for umask, folder_mode, file_mode in ((0o022, 0o755, 0o644), (0o027, 0o750, 0o640), (0o002, 0o775, 0o664)):
        out = tmp_path / f"u{umask:o}" / "run"
        previous = os.umask(umask)
        try:
            result = cli("run", str(TINY), "--out", str(out), "--no-figures")
        finally:
            os.umask(previous)
        assert result.exit_code == 0, result.output
        assert out.stat().st_mode & 0o777 == folder_mode and out.parent.stat().st_mode & 0o777 == folder_mode
        assert {f.stat().st_mode & 0o777 for f in out.iterdir()} == {file_mode}


# ------------------------------------------------------------------------------------------------------ signals


def test_sigterm_stops_a_replication_run_and_every_worker(tmp_path: Path) -> None:
    """SIGTERM to the command of a replication run: it exits 143 at once, no worker is left alive, nothing is
    written."""
    out = tmp_path / "out"
    proc = start("run", str(TINY), "--out", str(out), "--replications", "5000", "--workers", "2")
    assert wait_for(lambda: len(children(proc.pid)) >= 2)
    time.sleep(0.5)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    code, err = proc.wait(30), proc.stderr.read() if proc.stderr else ""
    assert code == 128 + signal.SIGTERM and "Traceback" not in err and "SIGTERM" in err
    assert wait_for(lambda: not alive(workers), timeout=5), alive(workers)
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_writing_leaves_no_partial_folder(tmp_path: Path) -> None:
    """SIGTERM once the results are being assembled (the hidden folder exists, figures drawing): exit 143, no
    hidden folder, no result folder, no figure process left."""
    out = tmp_path / "out"
    proc = start("run", str(TINY), "--out", str(out))
    assert wait_for(lambda: any(p.name.startswith(".out.partial-") for p in tmp_path.iterdir()), step=0.002)
    helpers = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    code, err = proc.wait(30), proc.stderr.read() if proc.stderr else ""
    if code == 0 or "written whole" in err:  # published in the instant between seeing the folder and the signal
        assert is_result(out) and [p.name for p in tmp_path.iterdir()] == ["out"]
        return
    assert code == 128 + signal.SIGTERM and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    assert wait_for(lambda: not alive(helpers), timeout=5)


SIGNAL_AFTER = """
import os, signal, sys
import sim.runner as runner
real = runner.{name}

def {name}(*args, **kwargs):
    done = real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)  # the signal comes the instant after
    return done

runner.{name} = {name}
from sim.cli import main
sys.argv[0] = "supplysim"
main()
"""


@pytest.mark.parametrize("after", ["_identity", "_scratch", "_publish"])
def test_sigterm_the_instant_a_folder_is_made_or_published(tmp_path: Path, after: str) -> None:
    """SIGTERM the instant after the output folder is made (as its identity is read), or the hidden folder (before the
    code that removes it knows of it): exit 143 and nothing left. The instant after the results are published:
    exit 143, the results whole, and the command says they were written (not that nothing was)."""
    out = tmp_path / "out"
    script = SIGNAL_AFTER.format(name=after)
    proc = subprocess.run(
        [sys.executable, "-c", script, "run", str(TINY), "--out", str(out), "--no-figures"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in proc.stderr, proc.stderr
    if after in ("_identity", "_scratch"):
        assert list(tmp_path.iterdir()) == [] and "nothing was written" in proc.stderr
    else:
        assert [p.name for p in tmp_path.iterdir()] == ["out"] and is_result(out)
        assert f"written whole to {out}" in proc.stderr


@pytest.mark.parametrize("always", [False, True])
def test_a_killed_pool_worker_loses_no_finished_replication(tmp_path: Path, always: bool) -> None:
    """The worker running replication 5 is killed (SIGKILL) mid-batch: the command says so, runs again what was
    lost, and every replication is in the table, each the same as without the kill. A replication that kills its
    worker every time it runs is recorded as failed, and no other with it."""
    marker = tmp_path / "killed"
    once = "" if always else " and not m.exists()"
    body = (
        f"import os, signal, pathlib; m = pathlib.Path({str(marker)!r})\n"
        f"    if seed.spawn_key == (5,){once}: m.write_text('killed'); os.kill(os.getpid(), signal.SIGKILL)"
    )
    out = tmp_path / "out"
    proc = patched(body, "run", str(TINY), "--out", str(out), "--replications", "40", "--workers", "2", "--no-figures")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    table = pd.read_parquet(out / "replications.parquet")
    failed = table[table["status"] == "failed"]
    assert len(table) == 40 and failed["replication"].tolist() == ([5] if always else [])
    assert (table.loc[table["status"] == "ok", "vehicles_lost"] == 700).all()
    assert failed["error"].str.startswith("lost with the worker running it, every time it ran").all()
    rerun = json.loads((out / "run.json").read_text())["replications_rerun"]
    assert rerun > 0 and f"the {rerun} replications not yet finished then were run on fresh workers" in proc.stderr
    assert marker.exists()


# ----------------------------------------------------------------------------------------- model defects, exit 3


PATCHED = """
import sys
import sim.simulation as simulation
real, checks = simulation.simulate, simulation.violations

def simulate(scenario, seed=None, **kwargs):
    {body}
    return real(scenario, seed, **kwargs)

simulation.simulate = simulate
from sim.cli import main
sys.argv[0] = "supplysim"
main()
"""


def patched(body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """supplysim ARGS in a process whose simulate() first runs ``body`` (one statement)."""
    return subprocess.run(
        [sys.executable, "-c", PATCHED.format(body=body), *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_a_conservation_error_in_a_monte_carlo_run_exits_3_naming_replication_and_seed(tmp_path: Path) -> None:
    """A broken identity in replication 2 of 4 is a model defect: exit 3 naming the replication, its seed and how
    to reproduce it; no results are written and no worker is left."""
    body = "simulation.violations = (lambda world: ['money (OEM): a penny went missing']) if seed.spawn_key == (2,) else checks"
    proc = patched(
        body,
        "run",
        str(TINY),
        "--out",
        str(tmp_path / "out"),
        "--replications",
        "4",
        "--workers",
        "2",
        "--seed",
        "7",
        "--no-figures",
    )
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "model error (please report)" in proc.stderr and "replication 2 of tiny (seed 7" in proc.stderr
    assert "--seed 7 --replications 3" in proc.stderr and "a penny went missing" in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        ("RuntimeError('engine fault')", 3, "model error (please report): every one of the 3 runs of tiny failed"),
        (
            "__import__('sim.scenario.errors', fromlist=['x']).ScenarioError('tiny', [])",
            2,
            "error: every one of the 3 runs of tiny failed",
        ),
    ],
)
def test_every_replication_failing_is_one_paragraph(tmp_path: Path, error: str, code: int, words: str) -> None:
    """Every replication failing writes nothing and says why: exit 2 if the scenario's draws are to blame, else 3."""
    proc = patched(
        f"raise {error}", "run", str(TINY), "--out", str(tmp_path / "out"), "--replications", "3", "--workers", "1", "--no-figures"
    )
    assert proc.returncode == code and "Traceback" not in proc.stderr and words in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []
