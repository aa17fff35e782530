"""Heal: the fixes, then rebuild, load into kind, roll out, wait, verify, and roll back on failure."""
