"""Read-only mappings and lists, so that a scenario is frozen all the way down once validated.

pydantic's ``frozen=True`` stops ``scenario.plants = ...`` but not ``scenario.plants["x"] = ...`` or
``plant.working_days.append(...)``: a scenario changed that way would reach ``simulate()`` without
being validated again. :func:`freeze_fields` replaces a model's dict and list fields with
:class:`FrozenDict` and :class:`FrozenList`: subclasses of dict and list (so serialising, comparing,
copying and pickling a scenario work as before) whose every changing method raises ``TypeError``.
"""

from __future__ import annotations

import copy
from typing import Any, NoReturn

from pydantic import BaseModel

HOW_TO_CHANGE = "a scenario is read-only once validated; make a changed copy with model_copy(update=...) or apply_overrides"


def _refuse(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"cannot change a {type(self).__name__}: {HOW_TO_CHANGE}")


class FrozenDict(dict[Any, Any]):
    """A dict that cannot be changed after it is made."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return FrozenDict, (dict(self),)

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return FrozenDict({copy.deepcopy(k, memo): copy.deepcopy(v, memo) for k, v in self.items()})


class FrozenList(list[Any]):
    """A list that cannot be changed after it is made."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = append = clear = extend = insert = pop = remove = _refuse
    reverse = sort = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return FrozenList, (list(self),)

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenList:
        return FrozenList(copy.deepcopy(v, memo) for v in self)


def frozen(value: Any) -> Any:
    """``value`` with every dict and list in it (not inside models, which freeze themselves) made read-only,
    and the lists of a model that does not freeze itself (a distribution's values) frozen in place."""
    kind = type(value)
    if kind is dict:
        return FrozenDict({k: frozen(v) for k, v in value.items()})
    if kind is list:
        return FrozenList(frozen(v) for v in value)
    if isinstance(value, BaseModel) and not getattr(value, "__freezes_itself__", False):
        freeze_fields(value)
    return value


def freeze_fields(model: BaseModel) -> None:
    """Make a model's dict and list fields read-only, in place (the model itself is frozen by pydantic)."""
    fields = model.__dict__
    for name in type(model).model_fields:
        value = fields.get(name)
        if isinstance(value, (dict, list, BaseModel)):
            fields[name] = frozen(value)
