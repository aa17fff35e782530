"""Dockerfiles through BuildKit's own parser, with stages, variables and exact positions."""
from __future__ import annotations

import re
from dataclasses import field

from ..deferred import dataclass
from . import ParseError

_VAR = re.compile(r"\$(?:\{(\w+)(?::?[-+][^}]*)?\}|(\w+))")


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str


@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper-case: FROM, RUN, COPY, ...
    value: tuple[str, ...]
    flags: tuple[str, ...]
    json: bool
    original: str
    start_line: int
    end_line: int
    heredocs: tuple[Heredoc, ...]
    stage: int
    # ARG/ENV values visible at this instruction, for ${VAR} expansion.
    env: tuple[tuple[str, str], ...] = ()

    def flag(self, name: str) -> str | None:
        prefix = f"--{name}="
        for flag in self.flags:
            if flag.startswith(prefix):
                return flag[len(prefix):]
        return None

    def expand(self, text: str) -> str:
        env = dict(self.env)
        return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), text)

    @property
    def shell(self) -> str:
        """The command text of a shell-form RUN/CMD (exec form is joined with spaces)."""
        return " ".join(self.value)


@dataclass
class Stage:
    index: int
    name: str | None
    base: str
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    path: str
    lines: list[str]
    stages: list[Stage]

    @property
    def instructions(self) -> list[Instruction]:
        return [inst for stage in self.stages for inst in stage.instructions]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, ref: str) -> Stage | None:
        for stage in self.stages:
            if stage.name == ref or str(stage.index) == ref:
                return stage
        return None

    def locate(self, needle: str, inst: Instruction, after: tuple[int, int] | None = None) -> tuple[int, int]:
        """(line, column) of `needle` inside the source lines of `inst`; the instruction start if absent."""
        for number in range(inst.start_line, inst.end_line + 1):
            text = self.lines[number - 1] if number - 1 < len(self.lines) else ""
            start = 0
            if after and number == after[0]:
                start = after[1]
            elif after and number < after[0]:
                continue
            col = text.find(needle, start)
            if col >= 0:
                return number, col + 1
        return inst.start_line, 1


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    import dockerfile as buildkit  # BuildKit's parser (a Go extension) loads on the first Dockerfile

    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        raise ParseError(f"not a Dockerfile: {exc}") from None
    stages: list[Stage] = []
    env: dict[str, str] = {}
    global_args: dict[str, str] = {}
    stage_env: dict[str, dict[str, str]] = {}  # a stage FROM an earlier stage inherits its ENV
    for command in commands:
        cmd = command.cmd.upper()
        if cmd == "FROM":
            if stages:
                stage_env[stages[-1].name or str(stages[-1].index)] = env
            args = command.value
            name = args[2] if len(args) >= 3 and args[1].upper() == "AS" else None
            base = args[0] if args else ""
            stages.append(Stage(len(stages), name, base))
            env = {**global_args, **stage_env.get(base, {})}
        elif not stages:
            if cmd == "ARG":
                global_args.update(_assignments(cmd, command.value))
            continue
        inst = Instruction(
            cmd=cmd,
            value=tuple(command.value),
            flags=tuple(command.flags),
            json=command.json,
            original=command.original,
            start_line=command.start_line,
            end_line=command.end_line,
            heredocs=tuple(Heredoc(h.name, h.content) for h in command.heredocs),
            stage=len(stages) - 1,
            env=tuple(env.items()),
        )
        stages[-1].instructions.append(inst)
        if cmd in ("ENV", "ARG"):
            env.update(_assignments(cmd, command.value))
    if not stages:
        raise ParseError("no FROM instruction: this is not a Dockerfile", 1)
    return Dockerfile(path, text.splitlines(), stages)


def _assignments(cmd: str, values: tuple[str, ...]) -> dict[str, str]:
    """BuildKit gives ENV as alternating key/value items and ARG as `KEY[=VALUE]` words."""
    if cmd == "ENV":
        return dict(zip(values[::2], values[1::2]))
    result = {}
    for item in values:
        key, _, value = item.partition("=")
        result[key] = value
    return result
