"""health checks (being written)."""

CHECKS = ()
