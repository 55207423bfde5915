"""The KPI registry names every KPI once: the summary, the README and the readers' texts follow it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.results.kpis import HEADLINE, KPIS, SENSITIVITY_DEFAULTS, expand, label, markdown_table, text
from tests.micro import micro, outage, run

ROOT = Path(__file__).resolve().parents[1]


def test_summary_has_exactly_the_registry_kpis_in_order() -> None:
    """A run's summary keys are the registry's, per-plant KPIs expanded, in registry order."""
    r = run(micro(outages=outage("2025-01-16", ["erp"], {"erp": [{"date": "2025-01-23"}]})))
    assert r.loss is not None
    assert list(r.summary) == [name for name, _, _ in expand(["plant"], r.loss.countries)]
    assert "recovered_date_plant" in r.summary and "loss_in_unspecified_gbp" in r.summary


def test_readme_kpi_table_is_the_registry() -> None:
    """The README's KPI table is exactly what the registry prints."""
    assert markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_headline_and_sensitivity_defaults_come_from_the_registry() -> None:
    """Both lists are registry names, in registry order."""
    names = [k.name for k in KPIS]
    for subset in (HEADLINE, SENSITIVITY_DEFAULTS):
        assert subset and set(subset) <= set(names)
        assert list(subset) == [n for n in names if n in subset]


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("vehicles_lost", 103082, "103,082"),
        ("supplier_jobs_lost", 24900.40166, "24,900"),
        ("revenue_lost_gbp", 7.4219e9, "£7.42bn"),
        ("invoice_backlog_peak_gbp", 883081235.4, "£883.1m"),
        ("oem_cash_trough_date", "2025-10-27", "Mon 27 Oct 2025"),
        ("recovered_date_solihull", None, "not reached in the run"),
        ("days_to_recover", 59, "59 days"),
    ],
)
def test_values_read_in_their_units(key: str, value: Any, shown: str) -> None:
    """Counts are whole, money scaled with a pound sign, dates spelled out, missing dates said so."""
    assert text(key, value) == shown


def test_plant_kpis_have_their_plant_in_the_label() -> None:
    """A per-plant KPI's label names the plant, a per-country KPI its country."""
    assert label("recovered_date_nitra") == "nitra: back to 95% of baseline"
    assert label("loss_in_GB_gbp") == "Economic loss in GB"
    assert label("loss_oem_incident_costs_gbp") == "Incident costs, against the baseline"
