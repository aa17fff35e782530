"""Build hook: compile the gettext catalogues (.po -> .mo) into the wheel, editable installs included.

The .po files are the source (checked in); the .mo files are build output, so they are git-ignored
and listed as artifacts here. At run time a missing or stale .mo falls back to reading the .po.
"""
from __future__ import annotations

import os
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("tiketi_doctor") / "locale"


class CompileCatalogues(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        for po in sorted((root / LOCALE).glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle)
            mo = po.with_suffix(".mo")
            partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
            with partial.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(partial, mo)  # a reader never sees half a catalogue
            build_data.setdefault("artifacts", []).append(mo.relative_to(root).as_posix())
