"""The results layer: a finished world as tidy DataFrames with real dates, and the KPIs computed from them
(pure functions: no SimPy here)."""
