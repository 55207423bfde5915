"""The scenario JSON Schema, as committed in ``scenarios/scenario.schema.json``."""

from __future__ import annotations

import json
import re
from typing import Any

from sim.scenario.schema import Scenario

_PARAMETRISED = re.compile(r"_Union_.*$")  # how pydantic names a generic model's parametrisation


def schema_json() -> str:
    """The JSON Schema of a scenario as written, its definitions named after the models (``PlantSpec``)."""
    schema = Scenario.model_json_schema()
    schema["$defs"] = {_PARAMETRISED.sub("", name): body for name, body in schema.get("$defs", {}).items()}
    schema = _renamed_refs(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "supplysim scenario"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _renamed_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (_PARAMETRISED.sub("", v) if k == "$ref" else _renamed_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed_refs(v) for v in node]
    return node
