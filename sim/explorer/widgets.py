"""The explorer's lever widgets: a field per lever (text as for ``--set``, a slider for dates and shares, a
list or a box for choices and flags) with a note of where its value comes from and a bad value's message,
and the collapsible card of a group of levers, built when first opened.

The page's stylesheet lives here too, as every pane that shows text uses it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import panel as pn

from sim.explorer.levers import Lever, describe, value_text

STYLE = """
:host { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 8px; }
.kpi { border: 1px solid #d9dee5; border-radius: 6px; padding: 6px 9px; background: #fbfcfd; }
.kpi-label { font-size: 11.5px; color: #4a5563; line-height: 1.25; min-height: 2.5em; }
.kpi-value { font-size: 18px; font-weight: 600; color: #16324f; margin: 2px 0; white-space: nowrap; }
.kpi-change { font-size: 11.5px; color: #8a4b08; }
.kpi-change.same { color: #8a96a3; }
.kpi-spread { font-size: 11px; color: #1f5fa8; margin-top: 2px; }
.status { font-size: 13px; color: #3a4550; }
.status.invalid, .status.error { color: #a61b1b; font-weight: 600; }
.lever-note { font-size: 11px; color: #6a7682; margin: -4px 0 2px 0; }
.lever-note.changed { color: #8a4b08; }
.lever-error-text { font-size: 12px; color: #a61b1b; background: #fdecec; border-left: 3px solid #a61b1b;
                    padding: 3px 6px; margin: 0 0 4px 0; }
.group-note { font-size: 11.5px; color: #4a5563; margin: 0 0 2px 0; }
.title { font-size: 20px; font-weight: 650; color: #16324f; }
.subtitle { font-size: 12.5px; color: #4a5563; max-width: 60em; }
.mc-status { font-size: 12.5px; color: #3a4550; }
.chart-key { font-size: 12px; color: #3a4550; }
"""


# Panel 1.9 draws a FileDownload as a default (grey) button whatever its colour, in its theme's own rules:
# outline it as the other buttons, over the theme's
DOWNLOAD_STYLE = (
    ".bk-btn.bk-btn-default { background: #fff !important; border: 1px solid #0072b5 !important; color: #0072b5 !important; }"
)


def styled(*classes: str) -> dict[str, Any]:
    """Keyword arguments giving a Panel component the page's stylesheet and CSS classes."""
    return {"stylesheets": [STYLE], "css_classes": list(classes)}


def slug(path: str) -> str:
    """A dotted scenario path (or a title) as a CSS class fragment (``a.b.0`` -> ``a__b__0``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", path.replace(".", "__"))


def _short(value: Any) -> str:
    """A drawn value for reading: floats to four significant figures, dates spelled out."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


class LeverView:
    """The widgets of one lever: a text field holding the value as YAML (as typed after ``--set PATH=``),
    a slider beside it for dates and shares, a select or a checkbox for choices and flags, a note saying
    where the value comes from, and the error message of a bad value."""

    def __init__(self, lever: Lever, horizon: tuple[date, date], on_set: Callable[[LeverView, str], None]) -> None:
        self.lever = lever
        self.horizon = horizon
        self._on_set = on_set
        self._quiet = False
        key = slug(lever.path)
        tip = {"description": lever.help} if lever.help else {}
        self.text: pn.widgets.TextInput | None = None
        self.slider: pn.widgets.DateSlider | pn.widgets.FloatSlider | None = None
        self.choice: pn.widgets.Select | pn.widgets.Checkbox | None = None
        if lever.kind == "choice":
            self.choice = pn.widgets.Select(
                label=lever.label, options=list(lever.choices), width=250, **tip, css_classes=["lever", f"lever-{key}"]
            )
            self.choice.param.watch(lambda e: self._set(str(e.new)), "value")
            row: Any = self.choice
        elif lever.kind == "flag":
            self.choice = pn.widgets.Checkbox(label=lever.label, width=250, css_classes=["lever", f"lever-{key}"])
            self.choice.param.watch(lambda e: self._set("true" if e.new else "false"), "value")
            row = self.choice
        else:
            self.text = pn.widgets.TextInput(
                label=lever.label if lever.kind not in ("date", "share") else "",
                width=118 if lever.kind in ("date", "share") else 250,
                **tip,
                css_classes=["lever", f"lever-{key}"],
            )
            self.text.param.watch(lambda e: self._set(e.new), "value")
            if lever.kind == "date":
                self.slider = pn.widgets.DateSlider(
                    label=lever.label,
                    start=horizon[0],
                    end=horizon[1],
                    value=horizon[0],
                    show_value=False,
                    width=210,
                    css_classes=[f"lever-slider-{key}"],
                )
            elif lever.kind == "share":
                self.slider = pn.widgets.FloatSlider(
                    label=lever.label,
                    start=0.0,
                    end=1.0,
                    step=0.01,
                    value=0.0,
                    show_value=False,
                    width=210,
                    css_classes=[f"lever-slider-{key}"],
                )
            if self.slider is not None:
                self.slider.param.watch(self._slid, "value_throttled")
                row = pn.Row(self.slider, self.text, margin=0)
            else:
                row = self.text
        self.note = pn.pane.HTML("", visible=False, margin=(0, 10), **styled("lever-note", f"lever-note-{key}"))
        self.error = pn.pane.HTML(
            "", visible=False, margin=(0, 10), sizing_mode="stretch_width", **styled("lever-error", f"lever-error-{key}")
        )
        self.view = pn.Column(row, self.note, self.error, margin=(0, 0, 4, 0))

    def _set(self, text: str) -> None:
        if not self._quiet:
            self._on_set(self, text)

    def _slid(self, event: Any) -> None:
        if self._quiet or event.new is None:
            return
        value = _as_date(event.new) if self.lever.kind == "date" else round(float(event.new), 4)
        text = value_text(value)
        with self.quiet():
            if self.text is not None:
                self.text.value = text
        self._on_set(self, text)

    def quiet(self) -> Any:
        """A context in which the widgets change without telling the page (when the page shows a value)."""
        view = self

        class _Quiet:
            def __enter__(self) -> None:
                view._quiet = True

            def __exit__(self, *exc: object) -> None:
                view._quiet = False

        return _Quiet()

    def show(self, value: Any, set_here: bool, drawn_value: Any = None) -> None:
        """Show the field's value: ``value`` as set, or as the scenario has it; a field holding a
        distribution that was not set shows the value drawn at this seed (``drawn_value``)."""
        lever = self.lever
        shown = drawn_value if (lever.drawn and not set_here and drawn_value is not None) else value
        with self.quiet():
            if self.choice is not None:
                self.choice.value = (bool(shown) if lever.kind == "flag" else str(shown)) if shown is not None else None
            if self.text is not None:
                drawn_here = lever.drawn and not set_here and isinstance(shown, float)
                self.text.value = _short(shown) if drawn_here else value_text(shown)
            if isinstance(self.slider, pn.widgets.DateSlider) and isinstance(shown, date):
                self.slider.value = min(max(_as_date(shown), self.horizon[0]), self.horizon[1])
            elif isinstance(self.slider, pn.widgets.FloatSlider) and isinstance(shown, (int, float)):
                self.slider.value = min(max(float(shown), 0.0), 1.0)
        if lever.drawn and not set_here:
            note = f"drawn from {describe(lever.value)}; this seed drew {_short(drawn_value)}"
        elif lever.drawn:
            note = f"fixed here; the scenario draws it from {describe(lever.value)}"
        elif set_here:
            note = f"changed from {value_text(lever.value)}"
        else:
            note = ""
        css = "lever-note changed" if set_here else "lever-note"
        self.note.object = f'<div class="{css}">{html.escape(note)}</div>' if note else ""
        self.note.visible = bool(note)

    def show_error(self, message: str | None) -> None:
        """Show a bad value's message next to the field (None clears it)."""
        self.error.object = f'<div class="lever-error-text">{html.escape(message)}</div>' if message else ""
        self.error.visible = bool(message)


class LeverGroup:
    """A collapsible card of levers. Its widgets are built when it is first opened: a page of a hundred
    levers then loads in a fraction of the time, and a closed group costs nothing per run."""

    def __init__(
        self,
        title: str,
        members: list[Lever],
        note: str,
        horizon: tuple[date, date],
        opened: bool,
        on_set: Callable[[LeverView, str], None],
        on_built: Callable[[LeverView], None],
    ) -> None:
        self.title, self.members, self.note, self.horizon = title, members, note, horizon
        self._on_set, self._on_built = on_set, on_built
        self.views: list[LeverView] = []
        self.card = pn.Card(
            title=title,
            collapsed=True,
            sizing_mode="stretch_width",
            margin=(3, 4),
            header_background="#eef2f6",
            css_classes=["lever-group", f"group-{slug(title)}"],
        )
        self.card.param.watch(lambda e: self.open() if not e.new else None, "collapsed")
        if opened:
            self.open()

    def open(self) -> None:
        """Open the card, building its widgets the first time."""
        if not self.views:
            self.views = [LeverView(lever, self.horizon, self._on_set) for lever in self.members]
            note = (
                [pn.pane.HTML(f'<div class="group-note">{html.escape(self.note)}</div>', margin=(0, 10), **styled())]
                if self.note
                else []
            )
            self.card.objects = [*note, *[v.view for v in self.views]]
            for view in self.views:
                self._on_built(view)
        self.card.collapsed = False
