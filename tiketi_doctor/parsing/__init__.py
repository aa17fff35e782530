"""Position-aware parsers for the file kinds TIKETI is made of."""


class ParseError(ValueError):
    """A file could not be parsed; `line` (1-based) says where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line
