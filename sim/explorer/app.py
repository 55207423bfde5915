"""The explorer page (Panel): levers, KPI cards, charts, a Monte Carlo in the background, downloads.

One :class:`Explorer` per reader (a browser tab, or a notebook cell). A lever's change re-runs the
scenario at once, on the page's own thread (a flagship run takes about a quarter of a second); a
Monte Carlo runs in a background thread that hands its replications to worker processes, so the page
keeps answering while it runs, and its progress and bands come back through the page's event loop.
"""

from __future__ import annotations

import functools
import html
import io
import json
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import panel as pn

from sim.explorer.cards import Card, cards
from sim.explorer.levers import Lever, users_of
from sim.explorer.session import Run, Session
from sim.explorer.widgets import DOWNLOAD_STYLE, LeverGroup, LeverView, styled
from sim.report.charts import Charts, chart_specs, chart_window, key_html
from sim.scenario.errors import ScenarioError


def cards_html(items: list[Card]) -> str:
    """The KPI cards as one block of HTML (one update per run); each card carries its KPI's name."""
    parts = []
    for c in items:
        spread = f'<div class="kpi-spread">{html.escape(c.spread)}</div>' if c.spread else ""
        parts.append(
            f'<div class="kpi" data-kpi="{html.escape(c.name)}"><div class="kpi-label">{html.escape(c.label)}</div>'
            f'<div class="kpi-value">{html.escape(c.value)}</div>'
            f'<div class="kpi-change{" same" if c.same else ""}">vs reference: {html.escape(c.change)}</div>{spread}</div>'
        )
    return f'<div class="kpis">{"".join(parts)}</div>'


def _names(problem: str, path: str) -> bool:
    """Whether a problem at dotted path ``problem`` concerns the field at ``path`` (it, a part of it, or the
    section holding it)."""
    return problem == path or problem.startswith(path + ".") or path.startswith(problem + ".")


class Explorer:
    """The page for one reader: ``session`` holds what is set; ``reference`` is the run the cards and charts
    compare against (by default the scenario as loaded, at its seed). ``workers``: processes a Monte Carlo
    uses (default: up to two). ``height``: the page's height in pixels in a notebook (None: the window's)."""

    def __init__(
        self, session: Session, reference: Run | None = None, *, workers: int | None = None, height: int | None = None
    ) -> None:
        self.session = session
        self.reference = reference if reference is not None else session.run(session.original)
        self.reference_label = f"the scenario as loaded (seed {session.original.seed})"
        self.current = self.reference if not session.overrides else session.run()
        self.bands: pd.DataFrame | None = None
        self.spread: dict[str, Any] | None = None
        self.version = 0  # bumped by every change of what is set: a Monte Carlo of older settings is dropped
        self.runs = 0
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))
        self._doc = pn.state.curdoc
        self._last_edited: LeverView | None = None
        self._editing: LeverView | None = None
        scenario = session.original
        self.groups = self._lever_groups()
        vehicle_plants = [name for name, p in scenario.plants.items() if p.kind == "vehicle"]
        self.charts = Charts(
            chart_specs(list(self.current.daily.columns), vehicle_plants),
            self.current.daily,
            self.reference.daily,
            chart_window(self.reference.summary),
        )
        self.chart_panes = [pn.pane.Bokeh(f, sizing_mode="stretch_width", min_width=380) for f in self.charts.figures]
        self.cards = pn.pane.HTML("", sizing_mode="stretch_width", **styled("kpi-cards"))
        self.status = pn.pane.HTML("", sizing_mode="stretch_width", **styled("status-pane"))
        self.replications = pn.widgets.IntInput(
            label="Replications", value=40, start=2, end=2000, step=10, width=110, css_classes=["mc-replications"]
        )
        self.mc_button = pn.widgets.Button(
            label="Run Monte Carlo", color="primary", width=150, margin=(23, 10, 0, 10), css_classes=["mc-run"]
        )
        self.mc_button.on_click(self._start_monte_carlo)
        self.mc_progress = pn.indicators.Progress(
            value=0, max=100, width=220, visible=False, margin=(30, 10, 0, 10), **styled("mc-progress")
        )
        self.mc_status = pn.pane.HTML("", margin=(26, 10, 0, 10), sizing_mode="stretch_width", **styled("mc-status-pane"))
        self.view = self._layout(height)
        self._show_all()
        self._show_results()

    # ------------------------------------------------------------------------------------ layout

    def _layout(self, height: int | None) -> pn.viewable.Viewable:
        scenario = self.session.original
        name = scenario.name
        title = pn.pane.HTML(
            f'<div class="title">supplysim explorer: {html.escape(name)}</div>'
            f'<div class="subtitle">{html.escape(scenario.description.strip())}</div>',
            sizing_mode="stretch_width",
            **styled("header"),
        )
        download = pn.widgets.FileDownload(
            callback=self._scenario_file,
            filename=f"{name}_explored.yaml",
            label="Download scenario (YAML)",
            width=200,
            stylesheets=[DOWNLOAD_STYLE],
            css_classes=["download-scenario"],
        )
        kpis = pn.widgets.FileDownload(
            callback=self._summary_file,
            filename=f"{name}_summary.json",
            label="Download KPIs (JSON)",
            width=180,
            stylesheets=[DOWNLOAD_STYLE],
            css_classes=["download-kpis"],
        )
        pin = pn.widgets.Button(
            label="Pin this run as reference", color="primary", variant="outline", width=190, css_classes=["pin"]
        )
        pin.on_click(lambda _: self.pin())
        reset = pn.widgets.Button(label="Reset to the file", color="primary", variant="outline", width=140, css_classes=["reset"])
        reset.on_click(lambda _: self.reset())
        header = pn.Row(title, pn.Row(download, kpis, pin, reset, margin=(10, 0)), sizing_mode="stretch_width")
        sidebar = pn.Column(
            *[g.card for g in self.groups],
            width=395,
            scroll=True,
            sizing_mode="stretch_height",
            margin=(0, 6, 0, 0),
            css_classes=["levers"],
        )
        monte_carlo = pn.Row(self.replications, self.mc_button, self.mc_progress, self.mc_status, sizing_mode="stretch_width")
        grid = pn.GridBox(*self.chart_panes, ncols=2, sizing_mode="stretch_width")
        key = pn.pane.HTML(key_html(), sizing_mode="stretch_width", **styled("chart-key-pane"))
        main = pn.Column(self.status, self.cards, monte_carlo, key, grid, sizing_mode="stretch_both", scroll=True)
        body = pn.Row(sidebar, main, sizing_mode="stretch_both")
        if height is None:
            return pn.Column(header, body, sizing_mode="stretch_both")
        return pn.Column(header, body, height=height, sizing_mode="stretch_width")

    def _lever_groups(self) -> list[LeverGroup]:
        """A collapsible card per group of levers; the run, the outages and the restore steps of the systems
        invoicing depends on start open."""
        scenario = self.session.original
        horizon = (scenario.start_date, scenario.start_date + timedelta(days=scenario.horizon_days - 1))
        by_title: dict[str, list[Lever]] = {}
        for lever in self.session.levers:
            by_title.setdefault(lever.group, []).append(lever)
        groups = []
        for title, members in by_title.items():
            parts = members[0].path.split(".")
            system = parts[3] if parts[0] == "outages" and len(parts) > 3 and parts[2] == "restore" else None
            note = ""
            if system is not None:
                spec = scenario.systems.get(system)
                users = ", ".join(users_of(scenario, system)) or "nothing modelled"
                note = (f"{spec.description} · " if spec is not None and spec.description else "") + f"used by: {users}"
            opened = title == "Run" or title.startswith("Outage") or (system is not None and system in scenario.payables.systems)
            groups.append(LeverGroup(title, members, note, horizon, opened, self._set, self._show_lever))
        return groups

    @property
    def levers(self) -> list[LeverView]:
        """The lever widgets built so far (a group's are built when it is first opened)."""
        return [view for group in self.groups for view in group.views]

    # ------------------------------------------------------------------------------------ levers

    def _set(self, view: LeverView, text: str) -> None:
        """A reader set a field: record it as ``--set`` would, and run the scenario as now set."""
        self._last_edited = view
        before = dict(self.session.overrides)
        self._editing = view
        try:
            if text.strip():
                self.session.set(view.lever.path, text)
            else:  # an emptied field goes back to the file's value (type ``null`` to set nothing)
                self.session.reset(view.lever.path)
            if self.session.overrides != before:  # (the page's own value echoed back needs no run)
                self.version += 1
                self.refresh()
        except ScenarioError as exc:  # not reachable with a dotted path of the scenario, but never fatal
            self._invalid(exc)
        finally:
            self._editing = None
        # the field being edited shows its value as read ("" -> the file's value, 5e8 -> 500e6) once this event
        # is done: a page does not send a widget back the value its own event is still setting
        self._later(self._show_lever, view)

    def refresh(self) -> None:
        """Validate and run the scenario as set; show the results, or the message of what is wrong."""
        try:
            scenario = self.session.scenario()
        except ScenarioError as exc:
            self._invalid(exc)
            return
        try:
            run = self.session.run(scenario)
        except Exception as exc:  # a model defect: say so on the page, keep serving
            self._failed(f"The run failed: {type(exc).__name__}: {exc}")
            return
        self.current = run
        self.bands, self.spread = None, None
        self.mc_status.object = ""
        with pn.io.hold():
            for view in self.levers:
                view.show_error(None)
            self._show_all()
            self._show_results()

    def _invalid(self, exc: ScenarioError) -> None:
        """Show a bad value's message (the command line's, word for word) next to every field it names, or
        next to the field just edited; the results stay those of the last valid settings."""
        message = str(exc)
        named = {p.path for p in exc.problems}
        self._show_all()  # the fields show what is set, even where it is wrong
        for group in self.groups:  # a group holding a field the message names opens, to show it there
            if any(_names(n, lever.path) for lever in group.members for n in named if n):
                group.open()
        with pn.io.hold():
            shown = False
            for view in self.levers:
                path = view.lever.path
                hit = any(_names(n, path) for n in named if n)
                view.show_error(message if hit else None)
                shown = shown or hit
            if not shown and self._last_edited is not None:
                self._last_edited.show_error(message)
            self.status.object = (
                f'<div class="status invalid" data-runs="{self.runs}" data-state="invalid">'
                f"Not run: {html.escape(message)} The results below are for the last valid settings.</div>"
            )

    def _failed(self, message: str) -> None:
        self.status.object = f'<div class="status error" data-runs="{self.runs}" data-state="error">{html.escape(message)}</div>'

    def _show_all(self) -> None:
        """Every lever shows its value as set, or as drawn at this seed."""
        for view in self.levers:
            if view is not self._editing:
                self._show_lever(view)

    def _show_lever(self, view: LeverView) -> None:
        set_here = self.session.overrides
        path = view.lever.path
        view.show(set_here.get(path, view.lever.value), path in set_here, self.current.draws.get(path))

    def _show_results(self) -> None:
        """Cards, charts and the status line for the current run against the reference."""
        self.runs += 1
        self.cards.object = cards_html(cards(self.current.summary, self.reference.summary, self.spread))
        self.charts.update(self.current.daily, self.reference.daily, self.bands)
        changes = self.session.changes()
        what = f"{len(changes)} field{'s' if len(changes) != 1 else ''} changed" if changes else "as loaded"
        self.status.object = (
            f'<div class="status ok" data-runs="{self.runs}" data-state="ok">Seed {self.session.seed}, {what}; '
            f"simulated in {self.current.seconds:.2f} s. Compared with {html.escape(self.reference_label)}.</div>"
        )
        self._push()

    def _push(self) -> None:
        """In a notebook, send the charts' new data to the page (a server session sends it by itself)."""
        if self._doc is None or self._doc.session_context is None:
            try:
                pn.io.push_notebook(*self.chart_panes)
            except Exception:  # not displayed yet: nothing to push to
                pass

    def pin(self) -> None:
        """Make the current run the reference the cards and charts compare against."""
        self.reference = self.current
        stamp = datetime.now().strftime("%H:%M:%S")
        changes = len(self.session.changes())
        self.reference_label = f"the run pinned at {stamp} (seed {self.session.seed}, {changes} changed)"
        self._show_results()

    def reset(self) -> None:
        """Forget everything set: back to the scenario file."""
        self.session.reset()
        self.version += 1
        self.refresh()

    # ------------------------------------------------------------------------------------ downloads

    def _scenario_file(self) -> io.StringIO:
        return io.StringIO(self.session.yaml_text())

    def _summary_file(self) -> io.StringIO:
        from sim.runner import jsonable

        return io.StringIO(json.dumps(jsonable(self.current.summary), indent=2) + "\n")

    # ------------------------------------------------------------------------------------ Monte Carlo

    def _later(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the page's event loop (from the Monte Carlo thread), or at once in a notebook."""
        doc = self._doc
        if doc is None or doc.session_context is None:
            fn(*args)
            return
        from panel.io.state import set_curdoc

        with set_curdoc(doc):
            pn.state.execute(functools.partial(fn, *args), schedule=True)

    def _start_monte_carlo(self, _: Any = None) -> None:
        try:
            scenario = self.session.scenario()
        except ScenarioError as exc:
            self.mc_status.object = f'<div class="mc-status">Fix the settings first: {html.escape(str(exc))}</div>'
            return
        n = int(self.replications.value or 0)
        self.mc_button.disabled = True
        self.mc_progress.max, self.mc_progress.value, self.mc_progress.visible = n, 0, True
        self.mc_status.object = f'<div class="mc-status" data-state="running">{n} replications running…</div>'
        threading.Thread(
            target=self._monte_carlo, args=(scenario, n, self.version), daemon=True, name="supplysim-monte-carlo"
        ).start()

    def _monte_carlo(self, scenario: Any, n: int, version: int) -> None:
        """The background thread: replications in worker processes, results handed to the event loop."""
        from sim.experiments import run_replications

        try:
            reps = run_replications(
                scenario,
                seed=None,
                replications=n,
                workers=self.workers,
                progress=False,
                on_progress=lambda done, total: self._later(self._mc_progress, done),
            )
        except Exception as exc:  # shown on the page; the page goes on
            self._later(self._mc_finished, None, version, f"Monte Carlo failed: {type(exc).__name__}: {exc}")
            return
        self._later(self._mc_finished, reps, version, "")

    def _mc_progress(self, done: int) -> None:
        self.mc_progress.value = min(done, self.mc_progress.max)

    def _mc_finished(self, reps: Any, version: int, failure: str) -> None:
        self.mc_button.disabled = False
        self.mc_progress.visible = False
        if reps is None:
            self.mc_status.object = f'<div class="mc-status" data-state="failed">{html.escape(failure)}</div>'
            return
        if version != self.version:
            self.mc_status.object = (
                '<div class="mc-status" data-state="stale">The settings changed while the '
                "replications ran: their bands were set aside. Run again for these settings.</div>"
            )
            return
        self.bands, self.spread = reps.bands, reps.summary
        failed = f", {len(reps.failures)} failed" if reps.failures else ""
        self.mc_status.object = (
            f'<div class="mc-status" data-state="done">{reps.replications} replications{failed} '
            f"in {reps.compute_s:.1f} s: shaded bands hold 90% of them.</div>"
        )
        self._show_results()
