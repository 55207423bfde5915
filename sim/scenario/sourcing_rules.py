"""Rules about who supplies which plant: each says what it protects and names the field it refuses.

They keep a supply network one that the model can lay out: every plant a supplier serves uses its part
family; a population spread over plants by shares has shares to spread by; a second source shares
the parts of a first source of the same family, and the first keeps a share of its own.
"""

from __future__ import annotations

import math
from typing import Any

from sim.scenario.errors import Problem
from sim.scenario.limits import support
from sim.scenario.schema import ScenarioSpec, SupplierSpec


def _upper(value: Any) -> float:
    """The largest value a number or distribution can take."""
    bounds = support(value)
    return math.inf if bounds is None else bounds[1]


def served_plants_use_the_family(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """A supplier serves only plants that exist and use its part family (otherwise its parts go nowhere)."""
    out = []
    for name, sup in s.suppliers.items():
        listed = list(sup.plants or []) + list(sup.plant_shares or {})
        field = "plants" if sup.plants is not None else "plant_shares"
        for plant in listed:
            if plant not in s.plants:
                out.append(Problem(f"suppliers.{name}.{field}", f"unknown plant '{plant}' (known: {', '.join(sorted(s.plants))})"))
            elif sup.part_family is not None and sup.part_family not in s.plants[plant].part_families:
                out.append(Problem(f"suppliers.{name}.{field}", f"plant '{plant}' does not use part family '{sup.part_family}'"))
    return out


def one_way_to_spread_over_plants(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """A tier-1 entry lists the plants each member serves, or spreads its members by positive shares, not both;
    a second source follows its first source's plants, and tier-2 suppliers serve their customers."""
    out = []
    for name, sup in s.suppliers.items():
        base = f"suppliers.{name}"
        if sup.plants is not None and sup.plant_shares is not None:
            out.append(Problem(f"{base}.plant_shares", "give plants or plant_shares, not both"))
        if sup.plant_shares is not None and (
            not sup.plant_shares or any(v <= 0 or not math.isfinite(v) for v in sup.plant_shares.values())
        ):
            out.append(Problem(f"{base}.plant_shares", "needs at least one plant, each with a positive share"))
        if (sup.tier == 2 or sup.second_source_for is not None) and (sup.plants is not None or sup.plant_shares is not None):
            who = "a tier-2 supplier serves its customers" if sup.tier == 2 else "a second source serves its first source's plants"
            out.append(Problem(f"{base}.{'plants' if sup.plants is not None else 'plant_shares'}", f"not for this entry: {who}"))
    return out


def second_sources_share_a_first_source(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """A second source names a tier-1 first source of the same part family and has a share of its parts; the
    second sources of one first source leave each of its members a share of its own (an entry with more members
    than its first source's gives some first-source members several)."""
    out: list[Problem] = []
    shares: dict[str, float] = {}
    for name, sup in s.suppliers.items():
        base = f"suppliers.{name}"
        first = sup.second_source_for
        if first is None:
            if sup.source_share is not None:
                out.append(Problem(f"{base}.source_share", "only a second source (second_source_for) has a share"))
            continue
        target: SupplierSpec | None = s.suppliers.get(first)
        if target is None or target.tier != 1 or target.second_source_for is not None or first == name:
            out.append(Problem(f"{base}.second_source_for", f"'{first}' is not a first-source tier-1 supplier entry"))
        elif target.part_family != sup.part_family:
            out.append(Problem(f"{base}.part_family", f"must be '{target.part_family}', the part family of '{first}'"))
        if sup.tier != 1:
            out.append(Problem(f"{base}.second_source_for", "only tier-1 suppliers can be second sources"))
        if sup.source_share is None:
            out.append(Problem(f"{base}.source_share", "a second source needs its share of each part's volume"))
        else:  # member k shares the parts of first-source member k (mod its count): some may get several
            per_member = -(-sup.count // target.count) if target is not None else 1
            shares[first] = shares.get(first, 0.0) + per_member * _upper(sup.source_share)
    for first, total in shares.items():
        if total >= 1.0:
            out.append(Problem(f"suppliers.{first}", f"its second sources' shares can reach {total:g}; they must stay below 1"))
    return out


def _lower(value: Any) -> float:
    """The smallest value a number or distribution can take."""
    bounds = support(value)
    return -math.inf if bounds is None else bounds[0]


def tier2_content_within_variable_cost(s: ScenarioSpec[Any, Any]) -> list[Problem]:
    """A tier-1 supplier's tier-2 parts (their prices times parts per unit, over the tier-2 members it buys from)
    stay within its own variable cost, or it would lose money on every part even in a normal year. Refused
    here when sure for every member (constants, or the bounds of distributions); a drawn population is checked
    member by member when the world is built."""
    out = []
    for name, sup in s.suppliers.items():
        if sup.tier != 1:
            continue
        least_content = 0.0
        feeders = []
        for t2_name, t2 in s.suppliers.items():
            if t2.tier != 2 or name not in (t2.customers or []) or t2.customer_price_share is None:
                continue
            customers = sum(s.suppliers[c].count for c in t2.customers or [] if c in s.suppliers)
            per_member = t2.count // max(customers, 1)  # each customer member gets at least this many
            least_content += per_member * _lower(t2.customer_price_share) * _lower(t2.parts_per_unit)
            feeders.append(t2_name)
        if feeders and least_content > _upper(sup.variable_cost_share) + 1e-12:
            out.append(
                Problem(
                    f"suppliers.{feeders[0]}.customer_price_share",
                    f"tier-2 parts worth at least {least_content:.3g} of the price of each part of '{name}' "
                    f"exceed its variable cost share ({_upper(sup.variable_cost_share):g}); lower "
                    f"customer_price_share or parts_per_unit of {', '.join(feeders)}, or raise "
                    f"suppliers.{name}.variable_cost_share",
                )
            )
    return out


SOURCING_RULES = (
    served_plants_use_the_family,
    one_way_to_spread_over_plants,
    second_sources_share_a_first_source,
    tier2_content_within_variable_cost,
)
