"""Build hook: compile the gettext catalogues (.po -> .mo) into the wheel, editable installs included.

The .po files are the source (checked in); the .mo files are build output, so they are git-ignored
and listed as artifacts here. At run time a missing or stale .mo falls back to reading the .po.
The compiling itself is `tiketi_doctor.i18n_tools.compile_all`, the same as `i18n_tools compile`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        sys.path.insert(0, str(root))  # the package being built, not an installed one
        try:
            from tiketi_doctor.i18n_tools import compile_all
        finally:
            sys.path.remove(str(root))
        for mo in compile_all(locale_dir=root / "tiketi_doctor" / "locale"):
            build_data.setdefault("artifacts", []).append(mo.relative_to(root).as_posix())
