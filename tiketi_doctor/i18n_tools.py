"""Maintain the gettext catalogues: extract, update, compile, check (`python -m tiketi_doctor.i18n_tools`).

    python -m tiketi_doctor.i18n_tools update  [DOMAIN...]   extract the messages and merge them into every
                                                              language's .po (new entries empty, changed ones fuzzy)
    python -m tiketi_doctor.i18n_tools check   [DOMAIN...]   list missing, empty and fuzzy translations and
                                                              translations whose {fields} differ; exit 1 if any
    python -m tiketi_doctor.i18n_tools compile [DOMAIN...]   write the .mo files next to the .po files
    python -m tiketi_doctor.i18n_tools extract DOMAIN [-o F]  write the domain's template (.pot)

Domains: one per check family (`checks/<name>.py` or the package `checks/<name>/`, and `fixes/<name>.py`
form the domain `<name>`),
and `tiketi_doctor` for everything under tiketi_doctor/ (reports, CLI, input and suppression codes).

What is extracted (`extract_words`, also usable as a Babel extraction method, see babel.cfg):
- the first argument of `Msg("...")` and `N_("...")` calls when it is a string literal;
- the string class attributes that hold a check's words: summary, why, example, fix, symptom,
  symptom_*, fix_title.
Each entry carries the codes of the checks that use it as an extracted comment (`#. PORT001`),
found from the module's own structure: a class's `code`, the codes of its subclasses, and the
codes of every class, function or table that refers to the function or table holding the text.
"""
from __future__ import annotations

import ast
import io
import os
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator

from .i18n import LANGS, LOCALE_DIR, SOURCE_LANG

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tiketi_doctor"
FAMILY_FOLDERS = ("checks", "fixes")
MARKERS = ("Msg", "N_")
WORD_ATTRIBUTES = ("summary", "why", "example", "fix", "symptom", "fix_title")
CODE = re.compile(r"^[A-Z]{2,5}\d{3}$")
PROJECT = "tiketi-doctor"
# Sentences kept in data files, by domain: (file, key of each entry holding a sentence, codes using them).
DATA_SENTENCES = {
    "dependencies": [("manifests/deprecated-packages.yaml", "reason", ("DEP004",))],
}
FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def is_word_attribute(name: str) -> bool:
    return name in WORD_ATTRIBUTES or name.startswith("symptom_")


# --- extraction ---------------------------------------------------------------------------


def extract_words(fileobj, keywords=(), comment_tags=(), options=None) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: (line, funcname, message, comments) for every message of a Python file."""
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    for line, message, codes in messages_of(source):
        yield line, None, message, [" ".join(codes)] if codes else []


def messages_of(source: str, filename: str = "<source>") -> list[tuple[int, str, list[str]]]:
    """(line, msgid, codes) of every message in a module, in source order."""
    tree = ast.parse(source, filename)
    units = _units(tree)
    codes = _codes(units)
    found: list[tuple[int, str, list[str]]] = []
    for unit in units.values():
        for line, text in unit.messages:
            found.append((line, text, sorted(codes[unit.name])))
    found.sort(key=lambda item: item[0])
    return found


class _Unit:
    """A module-level class, function or assignment: its messages, own codes and the names it uses."""

    def __init__(self, name: str, node: ast.AST):
        self.name = name
        self.node = node
        self.messages: list[tuple[int, str]] = []
        self.own_codes: set[str] = set()
        self.uses: set[str] = set()
        self.bases: list[str] = []


def _units(tree: ast.Module) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    constants = {  # module-level NAME = "string", for `code = NAME`
        t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
        and isinstance(n.value.value, str) for t in n.targets if isinstance(t, ast.Name)
    }
    for index, node in enumerate(tree.body):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            unit = _Unit(node.name, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            unit = _Unit(names[0] if names else f"<statement {index}>", node)
        else:
            unit = _Unit(f"<statement {index}>", node)
        if isinstance(node, ast.ClassDef):
            unit.bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                    target, value = statement.targets[0].id, statement.value
                    if target == "code" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                        unit.own_codes.add(value.value)
                    elif target == "code" and isinstance(value, ast.Name) and value.id in constants:
                        unit.own_codes.add(constants[value.id])
                    elif is_word_attribute(target) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                        unit.messages.append((statement.lineno, value.value))
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            unit.own_codes |= {
                n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.match(n.value)
            }
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                unit.uses.add(child.id)
            elif isinstance(child, ast.Call) and _marker(child.func) and child.args:
                first = child.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    unit.messages.append((first.lineno, first.value))
                elif isinstance(first, ast.JoinedStr):
                    raise SyntaxError(f"line {first.lineno}: an f-string cannot be a message template; use {{fields}} and parameters")
        units[unit.name] = unit
    return units


def _marker(func: ast.AST) -> bool:
    return (isinstance(func, ast.Name) and func.id in MARKERS) or (isinstance(func, ast.Attribute) and func.attr in MARKERS)


def _codes(units: dict[str, _Unit]) -> dict[str, set[str]]:
    """Codes per unit: its own, its subclasses', and those of every unit using it (to a fixpoint)."""
    codes = {name: set(unit.own_codes) for name, unit in units.items()}
    changed = True
    while changed:
        changed = False
        for name, unit in units.items():
            for base in unit.bases:
                if base in codes and not codes[name] <= codes[base]:
                    codes[base] |= codes[name]
                    changed = True
            for used in unit.uses:
                if used in codes and used != name and not codes[name] <= codes[used]:
                    if isinstance(units[used].node, ast.ClassDef) and units[used].own_codes:
                        continue  # a check class keeps its own code; using it does not lend it others
                    codes[used] |= codes[name]
                    changed = True
    return codes


# --- domains and catalogues -------------------------------------------------------------------


# Helper modules of a family whose stem is not the family's.
DOMAIN_OF = {"fixes/versions.py": "dependencies"}


def domains(root: Path = ROOT) -> dict[str, list[Path]]:
    """Domain -> the source files whose messages it holds."""
    found: dict[str, list[Path]] = {}
    for folder in FAMILY_FOLDERS:
        for path in sorted((root / folder).glob("*.py")):
            if path.stem != "__init__":
                found.setdefault(DOMAIN_OF.get(f"{folder}/{path.name}", path.stem), []).append(path)
        for package in sorted(p.parent for p in (root / folder).glob("*/__init__.py")):
            found.setdefault(package.name, []).extend(sorted(package.rglob("*.py")))  # a family split into a package
    found[PACKAGE] = sorted(p for p in (root / PACKAGE).rglob("*.py") if p.name != "i18n_tools.py")
    return found


def template(domain: str, root: Path = ROOT):
    """The domain's messages as a Babel catalogue (a .pot)."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project=PROJECT, domain=domain, charset="utf-8")
    for path in domains(root)[domain]:
        relative = path.relative_to(root).as_posix()
        for line, message, codes in messages_of(path.read_text(encoding="utf-8"), relative):
            catalog.add(message, locations=[(relative, line)], auto_comments=[" ".join(codes)] if codes else [],
                        flags=("python-brace-format",) if FIELD.search(message) else ())
    for relative, key, codes in DATA_SENTENCES.get(domain, []):
        import yaml

        data = yaml.safe_load((root / relative).read_text(encoding="utf-8")) or {}
        for entry in data.values():
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                catalog.add(entry[key], locations=[(relative, 0)], auto_comments=[" ".join(codes)])
    return catalog


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def _write_po(path: Path, catalog) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True, omit_header=False)
    path.write_bytes(buffer.getvalue())


def _read_po(path: Path, lang: str, domain: str):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=domain)


def update(selected: Iterable[str] = ()) -> list[Path]:
    from babel.messages.catalog import Catalog

    written = []
    for domain in _selected(selected):
        pot = template(domain)
        for lang in LANGS:
            if lang == SOURCE_LANG:
                continue
            path = po_path(lang, domain)
            if path.exists():
                catalog = _read_po(path, lang, domain)
            elif len(pot) == 0:
                continue
            else:
                catalog = Catalog(locale=lang, domain=domain, project=PROJECT, charset="utf-8")
            catalog.update(pot, update_header_comment=False)
            catalog.revision_date = catalog.creation_date  # no churn from the clock
            _write_po(path, catalog)
            written.append(path)
    return written


def compile_all(selected: Iterable[str] = (), locale_dir: Path = LOCALE_DIR) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        if selected and po.stem not in selected:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        mo = po.with_suffix(".mo")
        partial = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, mo)  # a reader never sees half a catalogue
        written.append(mo)
    return written


def problems(selected: Iterable[str] = (), langs: Iterable[str] = ()) -> list[str]:
    """Every message without a usable translation, or whose translation's {fields} differ from its own."""
    found: list[str] = []
    for domain in _selected(selected):
        pot = template(domain)
        for lang in langs or [lang for lang in LANGS if lang != SOURCE_LANG]:
            path = po_path(lang, domain)
            catalog = _read_po(path, lang, domain) if path.exists() else None
            for message in pot:
                if not message.id:
                    continue
                where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                codes = " ".join(message.auto_comments)
                label = f"{where}: {codes + ': ' if codes else ''}{message.id!r}"
                entry = catalog.get(message.id) if catalog is not None else None
                if entry is None:
                    found.append(f"{label} is missing (run: python -m tiketi_doctor.i18n_tools update {domain})")
                elif not entry.string:
                    found.append(f"{label} has no translation")
                elif entry.fuzzy:
                    found.append(f"{label} is fuzzy (review the translation, then remove the fuzzy flag)")
                elif set(FIELD.findall(message.id)) != set(FIELD.findall(str(entry.string))):
                    found.append(f"{label}: the translation's fields {sorted(set(FIELD.findall(str(entry.string))))} "
                                 f"differ from {sorted(set(FIELD.findall(message.id)))}")
    return found


def _selected(selected: Iterable[str]) -> list[str]:
    known = domains()
    chosen = list(selected) or sorted(known)
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise SystemExit(f"unknown domain(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "update":
        for path in update(rest):
            print(f"updated {path.relative_to(ROOT)}")
        return 0
    if command == "compile":
        for path in compile_all(rest):
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems(rest)
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)" if found else "every message is translated")
        return 1 if found else 0
    if command == "extract":
        if not rest:
            print("extract needs a DOMAIN", file=sys.stderr)
            return 2
        from babel.messages.pofile import write_po

        output = rest[rest.index("-o") + 1] if "-o" in rest else None
        buffer = io.BytesIO()
        write_po(buffer, template(rest[0]), width=100, include_lineno=False)
        if output:
            Path(output).write_bytes(buffer.getvalue())
        else:
            sys.stdout.write(buffer.getvalue().decode())
        return 0
    print(f"unknown command {command!r}; see --help", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
