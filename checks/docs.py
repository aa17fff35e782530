"""docs checks (being written)."""

CHECKS = ()
