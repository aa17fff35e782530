"""Position-aware parsers for the file kinds TIKETI is made of."""


class ParseError(ValueError):
    """A file could not be parsed; `line` (1-based) says where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def load_json(text: str):
    """json.loads for repository files: JSON nested too deeply for Python's recursion (a hostile or
    broken file) is a ParseError like any other malformed JSON, never a RecursionError."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply", 1) from None
