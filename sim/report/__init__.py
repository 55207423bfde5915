"""The report layer: figures (:mod:`sim.report.plots`), the HTML report (:mod:`sim.report.html`) and the
forked worker that draws a run's figures while it simulates (:mod:`sim.report.figure_workers`).

Nothing is imported here, so that starting a figure worker does not load matplotlib in the parent."""
