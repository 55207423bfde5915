"""Peer benchmark model built with SupplyNetPy 0.5.1 (``import SupplyNetPy.Components as scm``).

Used only by the benchmark harness; needs ``benchmarks/requirements-peer.txt`` in its own venv.

Network, all with SupplyNetPy's own classes:
  * N ``scm.RawMaterial`` + N ``scm.Supplier`` (node_type "supplier"): supplier i mines its own raw
    material RM_i, 1,000 units per day, into a 10,000-unit inventory (starts full).
  * One ``scm.Manufacturer`` making ``scm.Product`` P, which needs one unit of each RM_i
    (raw_materials=[(RM_i, 1) ...]); batch_size=2,000 per manufacturing_time=1 day (spare capacity to catch up).
    Product inventory 8,000 (starts full), ``scm.SSReplenishment`` s=7,000 / S=8,000, so each sale plans
    production and the manufacturer orders the matching raw material from every supplier.
  * N ``scm.Link`` supplier_i -> manufacturer, lead_time=2 days.
  * One ``scm.Demand`` pulling from the manufacturer: one customer order per day of
    ~N(1000, 50) units (seeded ``random.Random(seed)``), consume_available=True (a short order
    takes what is there; the rest is a lost sale).
  * Built with ``scm.create_sc_net(nodes, links, demands, env)`` and run with
    ``scm.simulate_sc_net(net, sim_time=days, logging=False)``.

Outage: SupplyNetPy's own node-disruption mechanism (``node_disrupt_time`` / ``node_recovery_time`` on
the Manufacturer). ``node_disrupt_time`` is "time until the next disruption", re-drawn after every
recovery, so it is a callable returning ``outage_start_day - env.now`` before the outage and a time far
past the horizon afterwards (one outage, no repeats); ``node_recovery_time=outage_days``.
Deviation (library semantics, not ours): a disrupted SupplyNetPy node only has ``node_status="inactive"``,
which makes it refuse new orders (customers arriving in the outage are counted in
``disruption_lost_sales``). It does NOT interrupt the manufacturer's production loop (the library has a
TODO for that), so units already planned (about the 3-day pipeline) are still finished at the start of
the outage; after that nothing is made, because no sales means no new production is planned. The
returned ``produced_during_outage`` shows how much that is.

Logging: every node is built with ``logging=False`` (its per-node ``sim_trace.<ID>`` logger is disabled,
so ``isEnabledFor`` fails fast and no LogRecord is made) and ``simulate_sc_net(..., logging=False)``
calls ``scm.global_logger.disable_logging()``. Library warnings are silenced with
``warnings.catch_warnings``. The f-string log messages are still built by the library (its own cost).
A one-event-per-day monitor process samples the counters (negligible next to the N events per day).
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from typing import Any

import simpy
import SupplyNetPy.Components as scm

DEMAND_PER_DAY = 1000.0
LEAD_TIME_DAYS = 2.0


def _build(
    env: simpy.Environment, n_suppliers: int, days: int, outage_start_day: int, outage_days: int, seed: int
) -> dict[str, Any]:
    rms = [
        scm.RawMaterial(
            ID=f"RM{i}", name=f"raw{i}", extraction_quantity=DEMAND_PER_DAY, extraction_time=1, mining_cost=0.1, cost=1.0
        )
        for i in range(n_suppliers)
    ]
    suppliers = [
        scm.Supplier(
            env=env,
            ID=f"S{i}",
            name=f"supplier{i}",
            node_type="supplier",
            capacity=10 * DEMAND_PER_DAY,
            initial_level=10 * DEMAND_PER_DAY,
            inventory_holding_cost=0.0,
            raw_material=rm,
            logging=False,
        )
        for i, rm in enumerate(rms)
    ]
    product = scm.Product(
        ID="P",
        name="product",
        manufacturing_cost=1.0,
        manufacturing_time=1,
        sell_price=float(n_suppliers) + 10.0,
        raw_materials=[(rm, 1) for rm in rms],
        batch_size=2 * int(DEMAND_PER_DAY),
    )

    def until_outage() -> float:  # time until the next disruption; only one outage in the horizon
        return outage_start_day - env.now if env.now < outage_start_day else 100.0 * days + 1.0

    mfr = scm.Manufacturer(
        env=env,
        ID="M",
        name="manufacturer",
        capacity=8 * DEMAND_PER_DAY,
        initial_level=8 * DEMAND_PER_DAY,
        inventory_holding_cost=0.0,
        product_sell_price=float(n_suppliers) + 10.0,
        replenishment_policy=scm.SSReplenishment,
        policy_param={"s": 7 * DEMAND_PER_DAY, "S": 8 * DEMAND_PER_DAY},
        product=product,
        logging=False,
        node_disrupt_time=until_outage if outage_days > 0 else None,
        node_recovery_time=max(outage_days, 1),
    )
    links = [scm.Link(env=env, ID=f"L{i}", source=s, sink=mfr, cost=0.0, lead_time=LEAD_TIME_DAYS) for i, s in enumerate(suppliers)]
    rng = random.Random(seed)
    demand = scm.Demand(
        env=env,
        ID="D",
        name="customers",
        order_arrival_model=1,
        order_quantity_model=lambda: max(1, round(rng.gauss(DEMAND_PER_DAY, 50))),
        demand_node=mfr,
        consume_available=True,
        logging=False,
    )
    return scm.create_sc_net(nodes=[*suppliers, mfr], links=links, demands=[demand], env=env)


def _monitor(env: simpy.Environment, mfr: Any, demand: Any, out: list[tuple[float, float]]):
    """Once a day: record (cumulative units manufactured, cumulative units delivered)."""
    while True:
        out.append((mfr.stats.total_products_manufactured, demand.stats.fulfillment_received[1]))
        yield env.timeout(1)


def run_peer(n_suppliers: int, days: int = 365, outage_start_day: int = 62, outage_days: int = 38, seed: int = 1) -> dict[str, Any]:
    """Build and run the SupplyNetPy peer model; return timing and sanity statistics."""
    daily: list[tuple[float, float]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        scm.set_seed(seed)
        env = simpy.Environment()
        net = _build(env, n_suppliers, days, outage_start_day, outage_days, seed)
        mfr, demand = net["nodes"]["M"], net["demands"]["D"]
        env.process(_monitor(env, mfr, demand, daily))
        scm.simulate_sc_net(net, sim_time=days, logging=False)
        wall = time.perf_counter() - t0
    daily.append((mfr.stats.total_products_manufactured, demand.stats.fulfillment_received[1]))
    end = min(outage_start_day + outage_days, days)

    def window(a: int, b: int, k: int) -> float:  # units in days [a, b)
        a, b = min(a, len(daily) - 1), min(b, len(daily) - 1)
        return daily[b][k] - daily[a][k]

    warm = min(10, max(outage_start_day - 1, 0))  # skip the start-up days (pipeline filling)
    pre = max(outage_start_day - warm, 1)
    return {
        "n_suppliers": n_suppliers,
        "days": days,
        "wall_s": wall,
        "supplier_days_per_s": n_suppliers * days / wall,
        "products_manufactured": mfr.stats.total_products_manufactured,
        "products_delivered": demand.stats.fulfillment_received[1],
        "customer_units_ordered": demand.stats.demand_placed[1],
        "disruption_lost_sales_units": mfr.stats.disruption_lost_sales[1],
        "lost_sales_units": mfr.stats.lost_sales[1],
        "raw_material_orders": mfr.stats.demand_placed[0],
        "produced_per_day_before_outage": window(warm, warm + pre, 0) / pre,
        "produced_during_outage": window(outage_start_day, end, 0),
        "delivered_during_outage": window(outage_start_day, end, 1),
        "manufacturer_disruptions": mfr.stats.disruptions,
        "manufacturer_disrupted_days": mfr.stats.disrupted_time,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suppliers", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--outage-start", type=int, default=62)
    ap.add_argument("--outage-days", type=int, default=38)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for n in args.suppliers:
        r = run_peer(n, args.days, args.outage_start, args.outage_days, args.seed)
        print(
            f"supplynetpy N={n:5d} days={r['days']} wall={r['wall_s']:8.3f}s "
            f"supplier-days/s={r['supplier_days_per_s']:10.0f} "
            f"made={r['products_manufactured']:.0f} delivered={r['products_delivered']:.0f} "
            f"made/day(pre)={r['produced_per_day_before_outage']:.0f} "
            f"made(outage)={r['produced_during_outage']:.0f} "
            f"lost(outage)={r['disruption_lost_sales_units']:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
