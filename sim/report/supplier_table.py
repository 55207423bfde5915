"""The report's supplier table: every supplier of the run, sortable by any column and filtered by text, in a
page of the report with no library (a few lines of plain JavaScript written into the page).

The rows travel as one JSON document inside the page (values, not text: money in whole pounds, days to a
tenth, dates as ISO strings); the script formats them as the rest of the report does (``£14.0k``,
``Mon 3 Feb 2025``), sorts and filters all of them, and puts one page of rows (50 by default) into the
table, so 20,000 suppliers cost no more to show than 50. A run with more than :data:`MAX_ROWS` suppliers
carries the :data:`MAX_ROWS` closest to running out of cash, and says so: the whole table is
``suppliers.parquet``.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

MAX_ROWS = 20_000  # the scale benchmark's largest supply base; about 2.5 MB of rows in the page
PAGE_ROWS = 50
Kind = Literal["text", "count", "gbp", "days", "date", "flag"]
DEFAULT_ORDER = ["cash_ran_out_date", "time_to_survive_days", "min_cash_gbp"]


@dataclass(frozen=True)
class Column:
    """A column of suppliers.parquet shown in the table: its heading, what its values are, and a tooltip."""

    key: str
    heading: str
    kind: Kind
    title: str = ""


COLUMNS = (  # what happened to it first, then who it is and what it started with
    Column("supplier", "supplier", "text"),
    Column("tier", "tier", "count"),
    Column("part_family", "part family", "text"),
    Column(
        "time_to_survive_days",
        "days of cash at the outage",
        "days",
        "days its cash and credit last from the outage start with no income from the OEM",
    ),
    Column("min_cash_gbp", "lowest cash", "gbp"),
    Column("cash_ran_out_date", "cash below zero from", "date"),
    Column("insolvent_date", "insolvent", "date", "its last insolvency"),
    Column("replaced_date", "replaced", "date"),
    Column("state", "state at the end", "text"),
    Column("jobs", "jobs", "count"),
    Column("jobs_lost", "jobs lost", "count"),
    Column("restart_critical", "restart-critical", "flag"),
    Column("entry", "entry", "text", "the scenario's supplier entry (a population or a single supplier)"),
    Column("customer", "customer", "text", "the tier-1 supplier a tier-2 supplier ships to"),
    Column("fixed_costs_per_day_gbp", "fixed costs a day", "gbp"),
    Column("opening_cash_gbp", "opening cash", "gbp"),
    Column("credit_line_gbp", "credit line", "gbp"),
    Column("cash_gbp", "cash at the end", "gbp"),
    Column("written_off_gbp", "written off", "gbp", "receivables a tier-2 supplier wrote off when its customer failed"),
)


def _value(kind: Kind, value: Any) -> Any:
    """A cell's value for the page: None when missing, ``"inf"`` for an endless runway (JSON has no infinity)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind == "flag":
        return bool(value)
    if kind == "text":
        return str(value)
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return round(number, 1) if kind == "days" else round(number)


def table_data(suppliers: pd.DataFrame) -> dict[str, Any]:
    """The table's columns and rows (at most :data:`MAX_ROWS`, those whose cash ran out first, then those with
    the fewest days of cash and the lowest cash), and how many suppliers the run had."""
    columns = [c for c in COLUMNS if c.key in suppliers.columns]
    order = [k for k in DEFAULT_ORDER if k in suppliers.columns]
    ordered = suppliers.sort_values(order, kind="stable", na_position="last") if order else suppliers
    shown = ordered.head(MAX_ROWS)
    cells = [[_value(c.kind, v) for v in shown[c.key].astype(object)] for c in columns]
    return {
        "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind, "title": c.title} for c in columns],
        "rows": [list(row) for row in zip(*cells, strict=True)] if cells else [],
        "total": len(suppliers),
    }


def _json_in_html(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` or comment can end it early)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e")


SCRIPT = r"""
(function () {
  var root = document.getElementById("supplier-table");
  var data = JSON.parse(document.getElementById("supplier-data").textContent);
  var cols = data.columns, rows = data.rows, n = cols.length;
  rows.forEach(function (r) { for (var i = 0; i < n; i++) {
    if (r[i] === "inf") r[i] = Infinity; else if (r[i] === "-inf") r[i] = -Infinity; } });
  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function fixed(v, d) { return v.toLocaleString("en-GB", {minimumFractionDigits: d, maximumFractionDigits: d}); }
  function money(v) {  // as sim.results.formats.money_text: £14.0k, £1,234.5m, £2.01bn
    var s = v < 0 ? "-" : "", a = Math.abs(v);
    if (a >= 1e9) return s + "£" + fixed(a / 1e9, 2) + "bn";
    if (a >= 1e6) return s + "£" + fixed(a / 1e6, 1) + "m";
    if (a >= 1e3) return s + "£" + fixed(a / 1e3, 1) + "k";
    return s + "£" + fixed(a, 0);
  }
  function text(kind, v) {
    if (v === null) return "–";
    if (v === Infinity || v === -Infinity) return v > 0 ? "∞" : "-∞";
    if (kind === "gbp") return money(v);
    if (kind === "count") return fixed(v, 0);
    if (kind === "days") return fixed(v, 1);
    if (kind === "flag") return v ? "yes" : "no";
    if (kind === "date") {
      var d = new Date(v + "T00:00:00Z");
      return DAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
    }
    return String(v);
  }
  var collator = new Intl.Collator("en", {numeric: true});
  var order = rows.slice(), shown = order, page = 0, size = PAGE_ROWS, sortBy = -1, descending = false, haystack = null;
  var table = root.querySelector("table"), body = table.querySelector("tbody"), heads = table.querySelectorAll("th");
  var filter = root.querySelector(".table-filter"), sizes = root.querySelector(".table-size");
  var info = root.querySelector(".table-info"), prev = root.querySelector(".table-prev"), next = root.querySelector(".table-next");
  function render() {
    var pages = Math.max(1, Math.ceil(shown.length / size));
    page = Math.min(page, pages - 1);
    var first = page * size, html = [];
    shown.slice(first, first + size).forEach(function (r) {
      var cells = [];
      for (var i = 0; i < n; i++) {
        var kind = cols[i].kind, num = kind !== "text" && kind !== "flag";
        cells.push("<td" + (num ? ' class="num"' : "") + ">" + escape(text(kind, r[i])) + "</td>");
      }
      html.push("<tr>" + cells.join("") + "</tr>");
    });
    body.innerHTML = html.join("");
    var of = shown.length === order.length ? "" : " matching the filter (of " + fixed(order.length, 0) + ")";
    info.textContent = shown.length ? "rows " + fixed(first + 1, 0) + "–" + fixed(Math.min(first + size, shown.length), 0) +
      " of " + fixed(shown.length, 0) + of : "no supplier matches the filter";
    info.setAttribute("data-rows", String(shown.length));
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  function escape(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function compare(i) {
    var kind = cols[i].kind, sign = descending ? -1 : 1;
    return function (a, b) {  // missing values last, whichever way
      var x = a[i], y = b[i];
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      if (kind === "text") return sign * collator.compare(x, y);
      return x < y ? -sign : x > y ? sign : 0;
    };
  }
  function sort(i) {
    descending = sortBy === i ? !descending : false;
    sortBy = i;
    order.sort(compare(i));
    heads.forEach(function (th, j) {
      th.setAttribute("aria-sort", j === i ? (descending ? "descending" : "ascending") : "none");
    });
    apply();
  }
  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length && haystack === null) {
      haystack = new Map();
      rows.forEach(function (r) {
        var t = [];
        for (var i = 0; i < n; i++) t.push(text(cols[i].kind, r[i]));
        haystack.set(r, t.join(" ").toLowerCase());
      });
    }
    shown = words.length ? order.filter(function (r) {
      var h = haystack.get(r);
      return words.every(function (w) { return h.indexOf(w) >= 0; });
    }) : order;
    page = 0;
    render();
  }
  heads.forEach(function (th, i) {
    th.querySelector("button").addEventListener("click", function () { sort(i); });
  });
  filter.addEventListener("input", apply);
  sizes.addEventListener("change", function () { size = Number(sizes.value); page = 0; render(); });
  prev.addEventListener("click", function () { page -= 1; render(); });
  next.addEventListener("click", function () { page += 1; render(); });
  render();
})();
"""

STYLE = """
#supplier-table .table-controls{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.4rem 0}
#supplier-table .table-filter{min-width:18rem;padding:.25rem .4rem;font:inherit}
#supplier-table .table-scroll{overflow-x:auto;max-width:100%}
#supplier-table table{white-space:nowrap}
#supplier-table th button{all:unset;cursor:pointer;display:block}
#supplier-table th button::after{content:" ↕";color:#aaa}
#supplier-table th[aria-sort=ascending] button::after{content:" ▲";color:#1f5fa8}
#supplier-table th[aria-sort=descending] button::after{content:" ▼";color:#1f5fa8}
#supplier-table tbody tr:hover{background:#f7f9fc}
"""


def supplier_table_html(suppliers: pd.DataFrame | None) -> str:
    """The suppliers section: how many ended in each state, then the table of every supplier (see the module)."""
    if suppliers is None or suppliers.empty or "supplier" not in suppliers:
        return "<p class='note'>No supplier table in this run.</p>"
    data = table_data(suppliers)
    counts = ""
    if "state" in suppliers:
        states = suppliers["state"].value_counts()
        counts = ": " + ", ".join(f"{int(n):,} {html.escape(str(s))}" for s, n in states.items())
    capped = (
        f" The page holds the {MAX_ROWS:,} closest to running out of cash; suppliers.parquet has all of them."
        if len(suppliers) > MAX_ROWS
        else ""
    )
    head = "".join(
        f'<th aria-sort="none" data-key="{c["key"]}"'
        + (f' title="{html.escape(c["title"], quote=True)}"' if c["title"] else "")
        + f'><button type="button">{html.escape(c["heading"])}</button></th>'
        for c in data["columns"]
    )
    sizes = "".join(f"<option{' selected' if n == PAGE_ROWS else ''}>{n}</option>" for n in (25, 50, 100, 500))
    return (
        f"<p class='note'>{len(suppliers):,} suppliers at the end of the run{counts}. First those whose cash ran "
        f"out first, then those with the fewest days of cash and credit; click a heading to sort by it (again to "
        f"reverse), type to keep the rows holding every word.{capped}</p>"
        f'<div id="supplier-table"><div class="table-controls">'
        f'<input class="table-filter" type="search" placeholder="filter, e.g. insolvent Oct 2025" '
        f'aria-label="filter suppliers"><span class="table-info" aria-live="polite"></span>'
        f'<button type="button" class="table-prev">◀ previous</button>'
        f'<button type="button" class="table-next">next ▶</button>'
        f'<label>rows a page <select class="table-size">{sizes}</select></label></div>'
        f'<div class="table-scroll"><table><thead><tr>{head}</tr></thead><tbody></tbody></table></div></div>'
        f'<script type="application/json" id="supplier-data">{_json_in_html(data)}</script>'
        f"<style>{STYLE}</style><script>{SCRIPT.replace('PAGE_ROWS', str(PAGE_ROWS))}</script>"
    )
