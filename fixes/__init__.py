"""Templated fixes for the built-in checks (jinja2 templates under fixes/templates)."""
