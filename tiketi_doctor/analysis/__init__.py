"""Analyses shared by several checks, computed once per run through ScanContext.memo."""
