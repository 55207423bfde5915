"""Runs to files: a result folder claimed before the run, written aside and published whole, never overwriting
anything but an earlier result folder, and only when asked.

The folder holds the tables (parquet), the KPI summary (JSON), the resolved scenario (YAML), the
provenance (seed, versions, wall time) and the figures and report. A command claims its ``--out``
before it simulates (:func:`claim`): it creates the folder exclusively, so a second run started at
the same time, or a folder appearing there, is refused at once rather than overwritten; with
``--force`` it may replace only an earlier result folder (one whose ``run.json`` and files say so),
never a file, a link or a folder of something else, and it locks it against other runs meanwhile.
The results are assembled in a hidden sibling folder and renamed into place only when complete; a
run that fails or is stopped removes what it made and leaves everything else as it was. Folders are
created with the permissions the umask allows, like any other file.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sim.scenario.loader import scenario_to_data
from sim.scenario.schema import Scenario

try:
    import fcntl
except ImportError:  # not on Windows: folders are claimed, but not locked against a concurrent --force
    fcntl = None  # type: ignore[assignment]

RESULT_SUFFIXES = (".json", ".parquet", ".csv", ".yaml", ".png", ".html")
MAX_RUN_JSON_BYTES = 10_000_000
REDRAW_PREFIX = ".redraw-"
FIGURE_SUFFIXES = (".png", ".html")
# the signals that stop a command (Ctrl-C, SIGTERM): held back while a folder is made and not yet known to the
# code that removes it, and while results are published (see _held)
STOPPING = {signal.SIGINT, signal.SIGTERM}
WRITTEN: list[Path] = []  # result folders published by this process (the CLI names them if it is stopped after)


class OutputError(OSError):
    """The output folder cannot be claimed or written: a user's mistake or situation, never a defect."""


class OutputExistsError(OutputError, FileExistsError):
    """The output folder exists and overwriting was not asked for (or is not allowed)."""


def jsonable(value: Any) -> Any:
    """Dates to ISO strings, numpy scalars to Python, infinities and NaN to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def source_commit() -> str:
    """The git commit supplysim's code comes from (``<hash> with local changes`` when its tracked files differ
    from it), or why none is known. Only a checkout that tracks this package counts: an installed copy inside
    some other repository (a virtual environment in a project) is ``not a git checkout``."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True, timeout=5, check=False)

    try:
        if git("ls-files", "--error-unmatch", "__init__.py").returncode != 0:
            return "not a git checkout"
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return "not a git checkout"
        changed = git("diff", "--quiet", "HEAD", "--", ".").returncode != 0
    except (OSError, subprocess.SubprocessError):
        return "unknown (git did not answer)"
    return head.stdout.strip() + (" with local changes" if changed else "")


def versions() -> dict[str, str]:
    """Python, the platform, supplysim (and the commit it comes from) and the versions of its dependencies."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in (
        "supplysim",
        "simpy",
        "numpy",
        "numba",
        "llvmlite",
        "pandas",
        "pyarrow",
        "pydantic",
        "PyYAML",
        "matplotlib",
        "click",
        "bokeh",
    ):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["supplysim_commit"] = source_commit()
    return out


def is_result_folder(path: Path) -> bool:
    """True for a folder a supplysim command wrote: a ``run.json`` with the provenance every command records,
    and nothing but result files (tables, summaries, scenario, figures, report) beside it."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            return False
        entries = [e for e in os.scandir(path) if not e.name.startswith(REDRAW_PREFIX)]  # left by a killed `plot`
        if any(not e.is_file(follow_symlinks=False) or not e.name.endswith(RESULT_SUFFIXES) for e in entries):
            return False
        run = Path(path) / "run.json"
        if run.stat().st_size > MAX_RUN_JSON_BYTES:
            return False
        info = json.loads(run.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and isinstance(info.get("versions"), dict) and "supplysim" in info["versions"]


def _foreign(path: Path) -> str:
    """Why ``path`` is not something ``--force`` may replace."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"it cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    if stat.S_ISREG(mode):
        return "it is a file, not a result folder"
    if not stat.S_ISDIR(mode):
        return "it is a device, pipe or socket, not a result folder"
    odd = sorted(e.name for e in os.scandir(path) if not e.name.endswith(RESULT_SUFFIXES) or not e.is_file(follow_symlinks=False))
    if odd:
        return f"it holds files no run writes: {', '.join(odd[:3])}{', ...' if len(odd) > 3 else ''}"
    return "it has no run.json from a supplysim run"


@dataclass
class Destination:
    """An output folder claimed for a run (see :func:`claim`): where, whether the claim made it (an empty
    folder, to be replaced by the results) or found an earlier result folder to replace, and the lock."""

    path: Path
    created: bool
    identity: tuple[int, int]  # device and inode of the folder claimed, to notice it being swapped meanwhile
    lock: int | None = None
    parents: list[Path] = field(default_factory=list)  # folders made on the way to it, removed if the run fails
    done: bool = False

    def release(self) -> None:
        """Give up the claim of a run that did not finish: remove the empty folder it made (only if still empty and
        still the one it made) and the parents it made, and unlock. Nothing else is touched."""
        if self.done:
            return
        self.done = True
        if self.created and _identity(self.path) == self.identity:
            with suppress(OSError):
                os.rmdir(self.path)
        for parent in reversed(self.parents):
            with suppress(OSError):
                os.rmdir(parent)
        self._unlock()

    def _unlock(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def __enter__(self) -> Destination:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _lock(path: Path) -> int | None:
    """An exclusive lock on a folder for as long as the run writes it (None where locks are unavailable)."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputExistsError(
            f"Output folder {path} is being written by another run; wait for it or choose another --out."
        ) from None
    except OSError:  # a file system without locks (some network drives): the exclusive claim still holds
        os.close(fd)
        return None
    return fd


def _locked(path: Path) -> bool:
    """Whether another run holds the lock of a folder (see :func:`_lock`)."""
    try:
        fd = _lock(path)
    except OutputExistsError:
        return True
    except OSError:
        return False
    if fd is not None:
        os.close(fd)
    return False


def _checked_name(out: Path) -> Path:
    """``out`` as an absolute path, refused if it is the current folder or one containing it."""
    absolute = Path(os.path.abspath(out))
    here = Path.cwd()
    if absolute == here or absolute in here.parents:
        raise OutputError(f"--out {out} is the current folder or contains it; give the name of a new folder for the results.")
    return absolute


def _make_parents(folder: Path, out: Path) -> list[Path]:
    """Create the missing folders above ``out``; the ones made, outermost first."""
    missing = []
    for parent in [folder, *folder.parents]:
        if os.path.lexists(parent):
            break
        missing.append(parent)
    made: list[Path] = []
    for parent in reversed(missing):
        try:
            os.mkdir(parent)
        except FileExistsError:
            continue
        except OSError as exc:
            for done in reversed(made):
                with suppress(OSError):
                    os.rmdir(done)
            raise OutputError(f"Cannot create the output folder {out}: {_reason(exc, parent)}.") from None
        made.append(parent)
    if not os.path.isdir(folder):
        raise OutputError(f"Cannot create the output folder {out}: {folder} is not a folder.")
    return made


def _reason(exc: OSError, where: Path) -> str:
    if isinstance(exc, PermissionError):
        return f"permission denied in {where.parent}"
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return f"{where.parent} is a file, not a folder"
    return f"{exc.strerror or exc} ({where})"


def _create(path: Path, given: Path, parents: list[Path]) -> Destination | None:
    """Create the output folder ``path`` and claim it (None: something is there already). A stop the instant
    the folder is made is taken once the claim holds it, and so removes it."""
    made = False
    claimed: Destination | None = None
    try:
        with _held():
            try:
                os.mkdir(path)
            except FileExistsError:
                return None
            made = True
            identity = _identity(path)
            assert identity is not None
            claimed = Destination(path, True, identity, _lock(path), parents)
    except BaseException as exc:
        if claimed is not None:
            claimed.release()
        elif made:
            with suppress(OSError):
                os.rmdir(path)
        if isinstance(exc, OSError) and not made:
            for parent in reversed(parents):
                with suppress(OSError):
                    os.rmdir(parent)
            raise OutputError(f"Cannot create the output folder {given}: {_reason(exc, path)}.") from None
        raise
    return claimed


def claim(out: str | Path, force: bool = False) -> Destination:
    """Claim ``out`` for a run's results, before the run starts; raises :class:`OutputError` if it cannot be.

    A new folder is created exclusively (with its missing parents): if anything appears there first, the
    claim fails, so two runs can never both write one folder. An existing one is refused unless ``force``
    and it is an earlier result folder or an empty folder (then it is locked until the new results replace
    it). Checks that the results can be written there (permissions, a parent that is a file, a dangling
    link) fail here, before any simulating.
    """
    given = Path(out)
    path = _checked_name(given)
    parents = _make_parents(path.parent, given)
    created = _create(path, given, parents)
    if created is not None:
        return created
    if not force:
        what = "is a symbolic link" if os.path.islink(path) else "already exists"
        if _is_empty_folder(path) and _locked(path):
            what = "is being written by another run"
        raise OutputExistsError(f"Output folder {given} {what}; choose another --out or pass --force to replace it.")
    if not (_is_empty_folder(path) or is_result_folder(path)):
        raise OutputExistsError(
            f"--force replaces only an earlier result folder, and {given} is not one: "
            f"{_foreign(path)}. Nothing was changed; choose another --out."
        )
    if not os.access(path, os.W_OK | os.X_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot replace {given}: permission denied.")
    identity = _identity(path)
    assert identity is not None
    return Destination(path, False, identity, _lock(path))


def _scratch(dest: Destination, kind: str) -> Path:
    """A new hidden folder beside the destination (``.NAME.kind-XXXX``), with the permissions the umask allows."""
    while True:
        scratch = dest.path.parent / f".{dest.path.name}.{kind}-{secrets.token_hex(4)}"
        try:
            os.mkdir(scratch)
            return scratch
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"Cannot write beside {dest.path}: {_reason(exc, scratch)}.") from None


def _is_empty_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode) and not any(os.scandir(path))
    except OSError:
        return False


def _publish(dest: Destination, tmp: Path) -> None:
    """Move the finished results in ``tmp`` to the destination, replacing only what was claimed."""
    left = "it was left as it is and these results were not written"
    current = _identity(dest.path)
    if current not in (dest.identity, None):
        raise OutputExistsError(f"Output folder {dest.path} was replaced by something else while the run was writing; {left}.")
    if current is None or _is_empty_folder(dest.path):
        try:
            os.rename(tmp, dest.path)  # replaces only an empty folder: anything put in it meanwhile is kept
        except OSError:
            raise OutputExistsError(
                f"Output folder {dest.path} was written into by something else while the run was writing; {left}."
            ) from None
        return
    if dest.created or not is_result_folder(dest.path):
        raise OutputExistsError(f"Output folder {dest.path} was written into by something else while the run was writing; {left}.")
    old = _scratch(dest, "replaced")
    os.rename(dest.path, old / dest.path.name)
    try:
        os.rename(tmp, dest.path)
    except OSError:
        with suppress(OSError):
            os.rename(old / dest.path.name, dest.path)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_folder(out: Path | Destination, force: bool = False) -> Iterator[Path]:
    """Yield a hidden folder beside ``out`` that becomes ``out`` only if the block completes.

    ``out`` is a :class:`Destination` claimed before the run (see :func:`claim`), or a path to claim now.
    Whatever happens, the claim is released: on success it is the results folder, otherwise nothing is left.
    """
    dest = out if isinstance(out, Destination) else claim(out, force)
    tmp: Path | None = None
    try:
        with _held():  # a stop that comes as the folder is made is taken once it is known, so it is removed
            tmp = _scratch(dest, "partial")
        yield tmp
        with _held():  # and a stop as the results are published is taken once they are, and recorded as written
            _publish(dest, tmp)
            dest.done = True
            WRITTEN.append(dest.path)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already when published
        dest._unlock()
        dest.release()


@contextmanager
def _held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM for the block (they are taken at its end, by the handlers in place): a few
    statements that must not be cut between a change on disk and the code that knows of it. Python runs signal
    handlers in the main thread only, so only there is anything held (a signal mask would not do: the kernel
    gives a process's signal to any of its threads that does not block it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before: dict[signal.Signals, Any] = {}
    for number in STOPPING:
        handler = signal.getsignal(number)
        if handler is not None:  # None: a handler set outside Python, left alone
            before[number] = signal.signal(number, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
        for signum in caught:
            signal.raise_signal(signum)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(jsonable(data), indent=2) + "\n", encoding="utf-8")


def write_scenario(path: Path, scenario: Scenario) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter when PyYAML has it: ~20x faster
    path.write_text(yaml.dump(scenario_to_data(scenario), Dumper=dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def provenance(seed: Any, wall_s: float, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "seed": seed,
        "command": " ".join(sys.argv),
        "wall_time_s": round(wall_s, 4),
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "versions": versions(),
    }
    info.update(extra or {})
    return info


def write_run(
    out: Path | Destination,
    result: Any,
    wall_s: float,
    force: bool = False,
    figures: Callable[[Path], AbstractContextManager[object]] | None = None,
    overrides: Sequence[str] = (),
) -> Path:
    """Write one run's tables, summary, scenario, provenance and figures into ``out``.

    ``figures(folder)`` is a context manager that draws the figures and report into the folder by the
    time it exits; the tables are written inside it (figures may be drawn in other processes meanwhile), but for
    those the report reads (quarters, economics), written before.
    ``overrides``: the ``--set PATH=VALUE`` the scenario was loaded with, recorded in run.json.
    """
    with atomic_folder(out, force) as tmp:  # run.json first: the figures' note names the run's seed
        write_json(
            tmp / "run.json",
            provenance(result.seed, wall_s, {"work": result.work, "scenario": result.scenario.name, "overrides": list(overrides)}),
        )
        # the report reads these from the folder (as a redraw does), so they are there before the figures start
        result.quarters.to_parquet(tmp / "quarters.parquet", index=False)
        result.economics.to_parquet(tmp / "economics.parquet", index=False)
        with figures(tmp) if figures is not None else nullcontext():
            result.daily.to_parquet(tmp / "daily.parquet", index=False)
            result.suppliers.to_parquet(tmp / "suppliers.parquet", index=False)
            result.events.to_parquet(tmp / "events.parquet", index=False)
            write_json(tmp / "summary.json", result.summary)
            write_scenario(tmp / "scenario.yaml", result.scenario)
            write_json(tmp / "draws.json", result.draws)
    return out.path if isinstance(out, Destination) else Path(out)


def write_file(path: Path, text: str, force: bool = False) -> Path:
    """Write ``text`` to a file whole (a hidden sibling renamed into place), refusing to replace an existing file
    unless ``force`` and anything but a file ever; raises :class:`OutputError` with the reason."""
    path = Path(path)
    if os.path.lexists(path) and not force:
        raise OutputExistsError(f"{path} already exists; choose another file or pass --force to replace it.")
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        raise OutputExistsError(f"{path} is not a file (a folder, link or device); it was left as it is.")
    if not path.parent.is_dir():
        raise OutputError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    tmp = path.parent / f".{path.name}.partial-{secrets.token_hex(4)}"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {_reason(exc, path)}.") from None
    finally:
        with suppress(OSError):
            os.unlink(tmp)
    return path


def _unreadable(folder: Path) -> str | None:
    """The first result file in ``folder`` that cannot be read back (a parquet footer or JSON that is broken)."""
    for entry in sorted(folder.iterdir()):
        try:
            if entry.suffix == ".parquet":
                import pyarrow.parquet as pq

                pq.read_metadata(entry)
            elif entry.suffix == ".json" and entry.stat().st_size <= MAX_RUN_JSON_BYTES:
                json.loads(entry.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 -- pyarrow raises several kinds for one broken file
            return f"{entry.name} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    return None


def redraw_in_place(folder: Path, draw: Callable[[Path], list[Path]]) -> list[Path]:
    """Redraw a result folder's figures with ``draw`` (e.g. :func:`sim.report.html.redraw`) without ever leaving it
    half redrawn: the figures are drawn in a hidden folder holding links to the results (never to the figures,
    which drawing writes), then each moved into place. Raises :class:`OutputError` for a folder that is not a
    readable, writable result folder; an error of ``draw`` itself leaves the folder as it was."""
    folder = Path(folder)
    if not is_result_folder(folder):
        raise OutputError(f"{folder} is not a supplysim result folder ({_foreign(folder)}); nothing was drawn.")
    broken = _unreadable(folder)
    if broken is not None:
        raise OutputError(f"{folder} holds a result file that cannot be read: {broken}; nothing was drawn.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot redraw the figures in {folder}: permission denied (it is read-only).")
    scratch = folder / f"{REDRAW_PREFIX}{secrets.token_hex(4)}"
    try:
        os.mkdir(scratch)
        for entry in folder.iterdir():  # the results, not the figures: drawing writes those anew (never through a link)
            if entry.is_file() and not entry.name.startswith(".") and entry.suffix not in FIGURE_SUFFIXES:
                try:
                    os.link(entry, scratch / entry.name)
                except OSError:
                    shutil.copy2(entry, scratch / entry.name)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise OutputError(f"Cannot redraw the figures in {folder}: {_reason(exc, scratch)}.") from None
    try:
        written = draw(scratch)
        for path in written:
            os.replace(path, folder / path.name)
        return [folder / path.name for path in written]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
