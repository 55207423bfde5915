"""``sim.plots``, the figures of the public API; they live in :mod:`sim.report.plots`."""

from sim.report.plots import *  # noqa: F403 - this module is that one's public name
from sim.report.plots import __all__  # noqa: F401
