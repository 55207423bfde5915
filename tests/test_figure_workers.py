"""Figures drawn by a forked figure worker and its helper: the same files as drawn in one process, and a
failure, a killed process or Ctrl-C that leaves no results folder and no process behind."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"
FILES = ("invoice_backlog.png", "parts_backlog.png", "production_recovery.png", "cash.png", "report.html")
# `supplysim run` in a fresh process: drawn by the worker, drawn in one process (a second thread rules
# forking out), or with one figure failing ("figure:raise", "figure:killed" or "figure:hang")
SCRIPT = """
import os, signal, sys, threading, time
from pathlib import Path

how, scenario, out = sys.argv[1:]
if how == "in one process":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
elif how != "by the worker":
    from sim.report import html as report

    figure, failure = how.split(":")

    def failing(*args, **kwargs):
        with open(out + ".pids", "a") as pids:
            pids.write(f"{os.getpid()}\\n")
        if failure == "raise":
            raise ValueError("out of ink")
        if failure == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)

    report.RUN_FIGURES[figure] = failing
from sim.cli import main

try:
    main(["run", scenario, "--out", out])
finally:
    print("matplotlib in the parent:", "matplotlib" in sys.modules)
"""
pytestmark = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="figure workers need fork"
)


def start(how: str, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, how, str(TINY), str(out)],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def running(pid: int) -> bool:
    """The process exists and has not ended (an ended one may linger unreaped as a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")


def gone(pids: list[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while any(running(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.slow
def test_worker_and_one_process_write_identical_figures(tmp_path: Path) -> None:
    """The figure worker (with its helper) writes the same bytes as drawing in one process (the report naming
    the command each run was started with), and the parent never loads matplotlib."""
    written = {}
    for how in ("by the worker", "in one process"):
        out = tmp_path / how.replace(" ", "_")
        stdout, stderr = start(how, out).communicate(timeout=120)
        assert f"matplotlib in the parent: {how == 'in one process'}" in stdout, stderr
        written[how] = {name: (out / name).read_bytes() for name in FILES}
        command = json.loads((out / "run.json").read_text())["command"]
        written[how]["report.html"] = written[how]["report.html"].replace(html.escape(command).encode(), b"COMMAND")
    assert written["by the worker"] == written["in one process"]


@pytest.mark.slow
@pytest.mark.parametrize("figure", ["invoice_backlog", "production_recovery"], ids=["worker", "helper"])
@pytest.mark.parametrize("failure", ["raise", "killed"])
def test_failing_figure_leaves_no_folder(tmp_path: Path, figure: str, failure: str) -> None:
    """A figure that fails in the worker or its helper, by an exception or a killed process, fails the run
    with one paragraph and exit code 4; no results folder, no partial folder and no process remain."""
    out = tmp_path / "run"
    proc = start(f"{figure}:{failure}", out)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 4, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert stderr.startswith("error: the figures could not be drawn, so no results were written: ")
    if failure == "raise":
        assert f"{figure}.png: ValueError: out of ink" in stderr
    pids = [int(p) for p in Path(f"{out}.pids").read_text().split()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pids"]
    assert gone(pids)


@pytest.mark.parametrize("figure", ["invoice_backlog", "production_recovery"], ids=["worker", "helper"])
def test_ctrl_c_while_drawing_leaves_no_folder_and_no_process(tmp_path: Path, figure: str) -> None:
    """Ctrl-C while a figure is being drawn stops the run at once: the worker ends its helper, and neither a
    folder nor a process is left."""
    out = tmp_path / "run"
    proc = start(f"{figure}:hang", out)
    pids_file = Path(f"{out}.pids")
    deadline = time.monotonic() + 60
    while not pids_file.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids_file.exists(), proc.communicate()[1]
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pids"]
    assert gone([int(p) for p in pids_file.read_text().split()])
