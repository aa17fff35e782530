"""Translatable messages and the gettext catalogues they are translated with.

`Msg(template, **params)` is a message: `template` is the English text with `{name}` fields
(the gettext msgid), `params` fill them and may themselves be messages (or lists of them), which
are translated too. A `Msg` *is* its English text (a `str`), so JSON output, fingerprints and code
that only knows strings see English; `msg.render(lang)` gives the text in another language.

`N_(template)` marks a template that is formatted later (a table of sentences): it returns the
template unchanged and only tells the extractor that it is a message.

Catalogues are gettext `.po` files under `tiketi_doctor/locale/<lang>/LC_MESSAGES/<domain>.po`, one
domain per check family plus `tiketi_doctor` for the reports and the CLI; they are compiled to
`.mo` when the package is built. In a checkout where a `.mo` is missing or older than its `.po`,
the `.po` is read with Babel instead. `python -m tiketi_doctor.i18n_tools` extracts, updates,
compiles and checks them.

The language: `set_language()` (the CLI's `--lang`), else LC_ALL, LC_MESSAGES or LANG
(`ko_KR.UTF-8` -> ko), else English.
"""
from __future__ import annotations

import os
import string
from functools import cache
from pathlib import Path
from typing import Any, Iterable

LANGS = ("en", "ko")
SOURCE_LANG = "en"
LOCALE_DIR = Path(__file__).parent / "locale"

_active: str | None = None
_FORMATTER = string.Formatter()


def N_(template: str) -> str:
    """Mark a template for extraction; it is translated when a `Msg` is made from it."""
    return template


class Msg(str):
    """A translatable message; its `str` value is the English text."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> "Msg":
        self = super().__new__(cls, _format(template, params, SOURCE_LANG))
        self.template = template
        self.params = params
        return self

    def render(self, lang: str | None = None) -> str:
        lang = lang or language()
        if lang == SOURCE_LANG:
            return str.__str__(self)
        return _format(translate(self.template, lang), self.params, lang)

    def __reduce__(self):
        # The English text goes along: reading a message back (the run cache holds thousands)
        # must not format every template again.
        return (_restore, (str.__str__(self), self.template, self.params))

    def to_data(self) -> dict[str, Any]:
        """The message as JSON-ready data ({"template", "params"}); `from_data` reads it back."""
        return {"template": self.template, "params": {k: _param_data(v) for k, v in self.params.items()}}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "Msg":
        return cls(data["template"], **{k: _param_from_data(v) for k, v in data.get("params", {}).items()})


class Joined(str):
    """Messages joined by a separator (itself a template, so it is translated too): `Joined(items, "; ")`."""

    def __new__(cls, items: Iterable[Any], separator: str = ", ") -> "Joined":
        items = list(items)
        self = super().__new__(cls, separator.join(str(i) for i in items))
        self.items = items
        self.separator = separator
        return self

    def render(self, lang: str | None = None) -> str:
        lang = lang or language()
        separator = translate(self.separator, lang) if self.separator.strip() else self.separator
        return separator.join(localize(i, lang) for i in self.items)

    def __reduce__(self):
        return (Joined, (self.items, self.separator))


class Literal(str):
    """A translatable text that is not a template (a sentence from a data file): no {fields}, no formatting."""

    def render(self, lang: str | None = None) -> str:
        return translate(str.__str__(self), lang or language())

    def __reduce__(self):
        return (Literal, (str.__str__(self),))


def _restore(text: str, template: str, params: dict[str, Any]) -> Msg:
    """A pickled message: its English text as it was formatted, its template and parameters."""
    self = str.__new__(Msg, text)
    self.template = template
    self.params = params
    return self


def localize(value: Any, lang: str | None = None) -> str:
    """Any text in `lang`: a `Msg`/`Joined` is translated, anything else is its `str`."""
    render = getattr(value, "render", None)
    if callable(render) and isinstance(value, str):
        return render(lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(localize(v, lang) for v in value)
    return str(value)


def _format(template: str, params: dict[str, Any], lang: str) -> str:
    fields = {k: _field(v, lang) for k, v in params.items()}
    return _FORMATTER.vformat(template, (), fields)


def _field(value: Any, lang: str) -> Any:
    if isinstance(value, (Msg, Joined, Literal)):
        return value.render(lang) if lang != SOURCE_LANG else str.__str__(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (Msg, Joined, Literal)) for v in value):
        return ", ".join(_field(v, lang) for v in value)
    return value


def _param_data(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"$msg": value.to_data()}
    if isinstance(value, Literal):
        return {"$literal": str.__str__(value)}
    if isinstance(value, Joined):
        return {"$joined": [_param_data(i) for i in value.items], "separator": value.separator}
    if isinstance(value, (list, tuple)):
        return [_param_data(v) for v in value]
    return value


def _param_from_data(value: Any) -> Any:
    if isinstance(value, dict) and "$msg" in value:
        return Msg.from_data(value["$msg"])
    if isinstance(value, dict) and "$literal" in value:
        return Literal(value["$literal"])
    if isinstance(value, dict) and "$joined" in value:
        return Joined([_param_from_data(i) for i in value["$joined"]], value.get("separator", ", "))
    if isinstance(value, list):
        return [_param_from_data(v) for v in value]
    return value


# --- the language ---------------------------------------------------------------------------


def set_language(lang: str | None) -> None:
    """Choose the language for this process (None: from the environment again)."""
    global _active
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    _active = lang


def language() -> str:
    return _active or language_from_env()


def language_from_env(environ: dict[str, str] | None = None) -> str:
    """The POSIX locale's language (LC_ALL, then LC_MESSAGES, then LANG) when one is supported, else en."""
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable)
        if value:
            code = value.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
            return code if code in LANGS else SOURCE_LANG
    return SOURCE_LANG


# --- catalogues -----------------------------------------------------------------------------


def translate(msgid: str, lang: str | None = None) -> str:
    """The catalogue's translation of `msgid`, or `msgid` itself when there is none."""
    lang = lang or language()
    if lang == SOURCE_LANG:
        return msgid
    return catalogue(lang).get(msgid) or msgid


def texts(table: dict[str, str], lang: str | None = None) -> dict[str, str]:
    """A table of `N_` templates, translated."""
    return {key: translate(value, lang) for key, value in table.items()}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every domain's translations for `lang` merged: msgid -> msgstr (no fuzzy or empty entries)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    merged: dict[str, str] = {}
    if not folder.is_dir():
        return merged
    domains = {p.stem for p in folder.iterdir() if p.suffix in (".po", ".mo")}
    for domain in sorted(domains):
        merged.update(_domain(folder, domain))
    return merged


def _domain(folder: Path, domain: str) -> dict[str, str]:
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    try:
        if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
            import gettext

            with mo.open("rb") as handle:
                entries = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
            return {k: v for k, v in entries.items() if isinstance(k, str) and k and v}
    except Exception:  # noqa: BLE001 - a truncated or foreign .mo (struct.error, OSError...): the .po says the same
        pass
    return read_po(po) if po.is_file() else {}


def read_po(path: Path) -> dict[str, str]:
    """A `.po` file's usable translations (Babel's reader; fuzzy and empty entries are left out)."""
    from babel.messages.pofile import read_po as babel_read_po

    with path.open("rb") as handle:
        parsed = babel_read_po(handle)
    return {
        str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }
