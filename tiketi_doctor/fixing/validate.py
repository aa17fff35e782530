"""Does a file still parse after a fix? Checked by file type, whatever checks are selected."""
from __future__ import annotations

import json
import posixpath

from ..parsing import ParseError
from ..parsing.dockerfile import parse_dockerfile
from ..parsing.dockerfile_name import is_dockerfile
from ..parsing.javascript import SOURCE_SUFFIXES, parse_javascript
from ..parsing.yamldoc import parse_yaml_documents


def parse_problem(path: str, text: str) -> str | None:
    """Why `text` does not parse as the kind of file `path` names, or None."""
    name = posixpath.basename(path)
    try:
        if name.endswith((".yaml", ".yml")):
            parse_yaml_documents(text)
        elif name.endswith(".json"):
            json.loads(text)
        elif is_dockerfile(name):
            parse_dockerfile(text, path)
        elif name.endswith(SOURCE_SUFFIXES) and parse_javascript(text, path).has_errors:
            return "JavaScript syntax error"
    except (ParseError, ValueError) as exc:
        return str(exc)
    return None
