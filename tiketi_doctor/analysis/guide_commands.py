"""Commands a guide runs that nothing in the repository defines.

- `npm run X` / `npm start` / `yarn run X` / `yarn X` / `pnpm run X`: X must be a script of the package.json
  in the folder the command runs in (the guide's `cd`s are followed by guide_paths);
- `make X` (also `make -C DIR X`, `make -f FILE X`): X must be a target of that Makefile;
- shell aliases people keep in their own shell (`k get pods`, `dc up`): the repository must define them.

Anything that cannot be decided is left alone: a folder with no package.json or Makefile, workspace or
recursive runs (`-w`, `--prefix`, `-r`, `--filter`), Makefiles that include others or have pattern or
computed targets, names with placeholders.
"""
from __future__ import annotations

import posixpath
import re
from typing import Iterator

from ..deferred import dataclass
from ..context import ScanContext
from .guide_paths import command_folders
from .guides import Command, Word, guide_files
from .image import package_json

_SKIP = {"sudo", "time", "exec", "command", "nohup", "env", "then", "do", "else", "!"}
_ASSIGN = re.compile(r"^[A-Za-z_]\w*=")
_NAME = re.compile(r"^[\w][\w:.@/+-]*$")
_NPM_RUN = {"run", "run-script", "rum", "urn"}
# yarn's own commands (v1 and berry); any other first word is a script: `yarn dev` runs scripts.dev.
_YARN_COMMANDS = frozenset(
    "add audit autoclean bin cache check config constraints create dedupe dlx exec explain generate-lock-entry global "
    "help import info init install licenses link list login logout node npm outdated owner pack patch patch-commit "
    "plugin policy publish rebuild remove run search set tag team unlink unplug up upgrade upgrade-interactive version "
    "versions why workspace workspaces".split()
)
# Flags that make npm/yarn/pnpm run somewhere else or in several packages: the folder is not known here.
_ELSEWHERE = re.compile(r"^(?:--prefix|-w|--workspace|--workspaces|-ws|-C|--dir|-r|--recursive|--filter|-F|--cwd|--if-present)(?:=.*)?$")
_MAKE_FILES = ("GNUmakefile", "makefile", "Makefile")
_MAKE_VALUE_FLAGS = {"-f", "--file", "--makefile", "-C", "--directory", "-I", "--include-dir", "-o", "-W", "-l", "-j"}
_MAKE_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)")
_MAKE_INCLUDE = re.compile(r"^\s*-?s?include\s")
# Shell aliases many people keep and guides copy from their own terminal, with the program they stand for
# and the subcommands that show the word is used as that alias.
ALIASES = {
    "k": ("kubectl", {"get", "apply", "describe", "logs", "delete", "exec", "port-forward", "rollout", "create", "edit",
                      "config", "top", "scale", "set", "run", "expose", "label", "annotate", "patch", "cp", "wait"}),
    "dc": ("docker compose", {"up", "down", "build", "logs", "ps", "exec", "run", "restart", "stop", "start", "pull",
                              "push", "config", "rm"}),
}


@dataclass(frozen=True)
class UndefinedCommand:
    command: Command
    word: Word  # the script, target or alias as written
    kind: str  # npm-script | make-target | alias
    name: str
    runner: str  # "npm run", "make", ... ("" for an alias)
    looked_in: tuple[str, ...]  # the package.json files / Makefiles read (empty for an alias)
    known: tuple[str, ...]  # the scripts or targets those files define
    elsewhere: tuple[str, ...] = ()  # other files of the repository that define the name
    meaning: str | None = None  # what an alias usually stands for

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.command.words)


def undefined_commands(ctx: ScanContext) -> list[UndefinedCommand]:
    return ctx.memo("guide-undefined-commands", lambda: list(_find(ctx)))


def _find(ctx: ScanContext) -> Iterator[UndefinedCommand]:
    for command, bases in command_folders(ctx):
        words = list(command.words)
        while words and (words[0].text in _SKIP or _ASSIGN.match(words[0].text)):
            words = words[1:]
        if not words:
            continue
        program = words[0].text
        if program in ("npm", "yarn", "pnpm"):
            found = _package_script(ctx, command, program, words[1:], bases)
        elif program == "make":
            found = _make_target(ctx, command, words[1:], bases)
        elif program in ALIASES:
            found = _alias(ctx, command, program, words)
        else:
            found = None
        if found is not None:
            yield found


# -- npm scripts --------------------------------------------------------------------------------
def _package_script(ctx: ScanContext, command: Command, program: str, args: list[Word], bases) -> UndefinedCommand | None:
    if not args or any(_ELSEWHERE.match(a.text) for a in args):
        return None
    verb = args[0].text
    if program == "npm" and verb == "start":
        script, name = args[0], "start"
    elif program == "yarn" and not verb.startswith("-") and verb not in _YARN_COMMANDS:
        script, name = args[0], verb  # `yarn dev`: yarn runs the script of that name
    elif verb in (_NPM_RUN if program == "npm" else {"run", "run-script"}):
        operands = [a for a in args[1:] if not a.text.startswith("-")]
        if not operands or args[1] is not operands[0]:
            return None  # `npm run` lists the scripts; flags before the name may take values
        script, name = operands[0], operands[0].text
    else:
        return None
    if not _NAME.match(name):
        return None
    looked, known = [], set()
    for base in bases:
        path = posixpath.normpath(posixpath.join(base, "package.json"))
        if not ctx.repo.exists(path):
            continue
        pkg = package_json(ctx, path)
        if pkg is None:
            return None  # unreadable: ENV/DEP checks report it
        scripts = pkg.data.get("scripts")
        scripts = scripts if isinstance(scripts, dict) else {}
        if name in scripts:
            return None
        if name == "start" and ctx.repo.exists(posixpath.join(posixpath.dirname(path), "server.js")):
            return None  # npm start runs `node server.js` without a start script
        looked.append(path)
        known |= set(scripts)
    if not looked:
        return None
    elsewhere = tuple(p for p in _package_files(ctx) if p not in looked and name in _scripts_of(ctx, p))
    if elsewhere and command.inline:
        return None  # a command quoted in a sentence ("the frontend (`frontend/`: `npm run build`)") runs where the sentence says
    runner = "npm" if program == "npm" and verb == "start" else ("yarn" if program == "yarn" and verb == name else f"{program} run")
    return UndefinedCommand(command, script, "npm-script", name, runner,
                            tuple(looked), tuple(sorted(known)), elsewhere)


def _package_files(ctx: ScanContext) -> list[str]:
    return ctx.memo("guide-package-files", lambda: sorted(p for p in ctx.repo.walk() if posixpath.basename(p) == "package.json"))


def _scripts_of(ctx: ScanContext, path: str) -> set[str]:
    pkg = package_json(ctx, path)
    scripts = pkg.data.get("scripts") if pkg is not None else None
    return set(scripts) if isinstance(scripts, dict) else set()


# -- make targets -------------------------------------------------------------------------------
def _make_target(ctx: ScanContext, command: Command, args: list[Word], bases) -> UndefinedCommand | None:
    directory, makefile, targets = None, None, []
    i = 0
    while i < len(args):
        text = args[i].text
        if text in _MAKE_VALUE_FLAGS:
            value = args[i + 1].text if i + 1 < len(args) else ""
            if text == "-j" and not value.isdigit():
                i += 1
                continue
            if text in ("-C", "--directory"):
                directory = value
            elif text in ("-f", "--file", "--makefile"):
                makefile = value
            i += 2
            continue
        if text.startswith("--directory=") or text.startswith("--file=") or text.startswith("--makefile="):
            key, _, value = text.partition("=")
            directory, makefile = (value, makefile) if key == "--directory" else (directory, value)
        elif text.startswith(("-", "<", ">")) or _ASSIGN.match(text):
            pass
        else:
            targets.append(args[i])
        i += 1
    if not targets or any(not _NAME.match(t.text) for t in targets) or (directory and not _NAME.match(directory)):
        return None
    candidates = []
    for base in bases:
        folder = posixpath.normpath(posixpath.join(base, directory)) if directory else base
        if makefile:
            candidates.append(posixpath.normpath(posixpath.join(folder, makefile)))
        else:
            found = next((posixpath.normpath(posixpath.join(folder, n)) for n in _MAKE_FILES
                          if ctx.repo.exists(posixpath.normpath(posixpath.join(folder, n)))), None)
            if found:
                candidates.append(found)
    candidates = [c for c in dict.fromkeys(candidates) if ctx.repo.exists(c)]
    if not candidates:
        return None
    known: set[str] = set()
    for path in candidates:
        rules = make_targets(ctx, path)
        if rules is None:
            return None  # included files, pattern or computed targets: any name may exist
        known |= rules
    for target in targets:
        folders = {posixpath.dirname(c) or "." for c in candidates}
        if target.text in known or any(ctx.repo.exists(posixpath.join(f, target.text)) for f in folders):
            continue  # a file of that name: make has nothing to do, but no error
        return UndefinedCommand(command, target, "make-target", target.text, "make", tuple(candidates), tuple(sorted(known)))
    return None


def make_targets(ctx: ScanContext, path: str) -> set[str] | None:
    """The targets a Makefile defines, or None when they cannot all be known from the file."""
    def read() -> set[str] | None:
        source = ctx.repo.text(path)
        if source is None:
            return None
        targets: set[str] = set()
        for line in source.lines:
            if line.startswith("\t") or not line.strip() or line.lstrip().startswith("#"):
                continue
            if _MAKE_INCLUDE.match(line) or line.lstrip().startswith(("define ", "$(eval", "ifeq", "ifneq", "ifdef", "ifndef")):
                if not line.lstrip().startswith(("ifeq", "ifneq", "ifdef", "ifndef")):
                    return None
                continue
            match = _MAKE_RULE.match(line)
            if not match:
                continue
            names = match.group(1).split()
            if any("%" in n or "$" in n for n in names):
                return None
            if names and names[0] in (".PHONY",):
                targets |= set(line.split(":", 1)[1].split())
                continue
            targets |= {n for n in names if not n.startswith(".")}
        return targets

    return ctx.memo(("make-targets", path), read)


# -- aliases ------------------------------------------------------------------------------------
def _alias(ctx: ScanContext, command: Command, name: str, words: list[Word]) -> UndefinedCommand | None:
    meaning, verbs = ALIASES[name]
    if len(words) < 2 or words[1].text not in verbs:
        return None
    if "alias" in _text_of(ctx, command.guide.path).lower() or _defined_alias(ctx, name):
        return None  # the guide explains its aliases, or the repository sets them up
    return UndefinedCommand(command, words[0], "alias", name, "", (), (), meaning=meaning)


def _text_of(ctx: ScanContext, path: str) -> str:
    source = ctx.repo.text(path)
    return source.text if source is not None else ""


def _defined_alias(ctx: ScanContext, name: str) -> bool:
    """Whether some guide, script or shell profile of the repository defines `name` (alias or function)."""
    def defined() -> set[str]:
        names = set()
        paths = [g.path for g in guide_files(ctx)]
        paths += [p for p in ctx.repo.walk() if posixpath.basename(p) in (".bashrc", ".zshrc", ".bash_aliases", ".envrc", ".aliases")]
        for path in dict.fromkeys(paths):
            text = _text_of(ctx, path)
            names |= set(re.findall(r"\balias\s+([\w-]+)=", text))
            names |= set(re.findall(r"(?m)^\s*(?:function\s+)?([\w-]+)\s*\(\)\s*\{", text))
            names |= set(re.findall(r"(?m)^\s*function\s+([\w-]+)", text))
        return names

    return name in ctx.memo("guide-defined-aliases", defined)
