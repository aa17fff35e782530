"""gateway checks (being written)."""

CHECKS = ()
