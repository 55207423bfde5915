"""The scenario JSON Schema, as committed in ``scenarios/scenario.schema.json``."""

from __future__ import annotations

import json

from sim.scenario.schema import Scenario


def schema_json() -> str:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "supplysim scenario"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
