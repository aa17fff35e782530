"""Copying JSON-shaped data: a JSON round trip is several times faster than
copy.deepcopy for the plain dicts and lists API objects are made of."""

from __future__ import annotations

import json


def clone(value):
    return json.loads(json.dumps(value))
