"""ui checks (being written)."""

CHECKS = ()
