"""The report layer: figures (:mod:`sim.report.plots`), the HTML report (:mod:`sim.report.html`; its interactive
charts in :mod:`sim.report.interactive`, drawn by :mod:`sim.report.charts` as the explorer's are, its supplier
table in :mod:`sim.report.supplier_table`, its scenario and assumptions in :mod:`sim.report.assumptions`) and
the forked worker that draws a run's figures while it simulates (:mod:`sim.report.figure_workers`).

Nothing is imported here, so that starting a figure worker does not load matplotlib in the parent."""
