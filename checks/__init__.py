"""Built-in check families; each module exports a CHECKS tuple and is registered as an entry point."""
