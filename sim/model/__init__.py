"""The model layer: the world and its actors (digital estate, plants, suppliers, payables, sales, parts
centre, treasury, interventions), the ledger, the recorder and the conservation checks. numpy, numba and
SimPy only: no files, no figures."""
