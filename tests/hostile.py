"""Helpers for the hostile-input, signal and race tests: the command line in-process and as a real process,
snapshots of a folder tree (to prove nothing pre-existing changed), process trees, and read-only folders."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"


def cli(*args: str) -> Result:
    """``supplysim ARGS`` in this process (quick, for error paths); SIGTERM's handling is put back afterwards."""
    before = signal.getsignal(signal.SIGTERM)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=True)
    finally:
        signal.signal(signal.SIGTERM, before)


def refused(result: Result, code: int = 2) -> str:
    """The message of a command that must have stopped with ``code``, one paragraph and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # stopped on purpose, not by an error
    assert "Traceback" not in result.output
    return result.output


def supplysim(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``supplysim ARGS`` as its own process."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def start(*args: str, cwd: Path = ROOT) -> subprocess.Popen[str]:
    """``supplysim ARGS`` started as its own process, not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
    )


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every path below ``folder`` with its mode and (for files) a hash of its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        out[str(path.relative_to(folder))] = (info.st_mode, digest)
    return out


def unchanged_except(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]], *new: str) -> None:
    """Everything in ``before`` is still there and the same; only paths under ``new`` were added."""
    assert {k: v for k, v in after.items() if k in before} == before
    added = set(after) - set(before)
    assert all(any(a == n or a.startswith(f"{n}/") for n in new) for a in added), added


def children(pid: int) -> list[int]:
    """Every live process below ``pid`` (zombies left out)."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)], states[int(entry)] = int(fields[1]), fields[0]
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, parent in parents.items() if parent in frontier]
        found += kids
        frontier = kids
    return [p for p in found if states.get(p) != "Z"]


def alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` cannot be written into while the block runs, even by root (immutable where root ignores modes)."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            import pytest

            pytest.skip("running as root on a file system without immutable folders")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
