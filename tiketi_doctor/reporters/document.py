"""The troubleshooting report as data: what the Markdown and HTML templates render.

It has the structure of the hand-written report it replaces: a summary table (priority, problem,
symptom, status), then per problem the symptom, the root cause with file:line excerpts, the fix
(a diff when a fixer made one), the redeploy commands that were run or would be, the
verification; the final pod table; lessons learned from the checks' documentation.

Evidence shown when present (filled by live checks and heals; a static check has none):
- `Finding.evidence["pod_status"]`: `kubectl get pods` lines of the pods involved (str or list);
- `Finding.evidence["log_excerpt"]`: container log lines, the previous container's when it restarted;
- `Finding.evidence["http"]`: `{"method", "url", "status"}` or a list of them;
- `Finding.status` / `Finding.verification`, `Report.commands` (commands run) and `Report.pods`.
Every text goes through `masking.mask` before it reaches a template.
"""
from __future__ import annotations

import datetime as _dt
from collections import OrderedDict
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from .. import __version__
from ..model import CommandRecord, Finding, FindingStatus, Report, RunStatus
from . import triage
from ..i18n import localize, translate
from .checkdocs import check_docs
from .i18n import texts
from .masking import mask

EXCERPT_CONTEXT = 2  # lines around the primary location
RELATED_CONTEXT = 0
MAX_EXCERPT_LINES = 24
MAX_LINE = 220
MAX_RELATED = 6
MAX_FILE = 1_000_000
LANGUAGES = {
    ".js": "javascript", ".jsx": "jsx", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".sh": "bash", ".ps1": "powershell",
    ".md": "markdown", ".env": "bash", ".example": "bash",
}
# Order of redeploy steps when several findings of one problem bring commands.
COMMAND_PHASES = ("docker build", "kind load", "kubectl apply", "kubectl rollout restart", "kubectl rollout status")


@dataclass
class ExcerptLine:
    number: int
    text: str
    marked: bool
    gap_before: bool = False  # lines were skipped between the previous line and this one


@dataclass
class Excerpt:
    path: str
    language: str
    lines: list[ExcerptLine]

    @property
    def span(self) -> str:
        return f"{self.path}:{self.lines[0].number}-{self.lines[-1].number}" if len(self.lines) > 1 else f"{self.path}:{self.lines[0].number}"


@dataclass
class Cause:
    code: str
    name: str
    severity: str
    severity_label: str
    location: str
    message: str
    root_cause: str
    related: list[str]
    more_related: int
    excerpts: list[Excerpt]


@dataclass
class FixView:
    title: str
    safety: str
    diff: str


@dataclass
class CommandView:
    command: str
    returncode: int | None = None
    output: str = ""

    @property
    def ran(self) -> bool:
        return self.returncode is not None


@dataclass
class ProblemView:
    number: int
    priority: str
    title: str
    service: str
    area: str
    status: str
    status_label: str
    symptom: str = ""
    pod_lines: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    http_lines: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    fixes: list[FixView] = field(default_factory=list)
    manual_fixes: list[tuple[str, str]] = field(default_factory=list)
    commands: list[CommandView] = field(default_factory=list)
    no_commands: str = ""
    verification: str = ""
    verifications: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"problem-{self.number}"

    @property
    def commands_ran(self) -> bool:
        return any(c.ran for c in self.commands)


@dataclass
class Lesson:
    code: str
    name: str
    summary: str
    why: str
    fix: str


@dataclass
class SuppressedRow:
    code: str
    location: str
    message: str
    kind: str
    reason: str
    where: str


@dataclass
class PodView:
    name: str
    ready: str
    status: str
    restarts: int
    age: str
    healthy: bool


@dataclass
class Document:
    lang: str
    t: dict[str, str]
    generated: str
    overview: str
    notes: list[str]
    problems: list[ProblemView]
    pods: list[PodView]
    lessons: list[Lesson]
    suppressed: list[SuppressedRow]
    refused: list[SuppressedRow]
    resolved: list[str]
    undecided: list[str]
    internal_errors: list[str]

    @property
    def has_appendix(self) -> bool:
        return bool(self.suppressed or self.refused or self.resolved or self.undecided or self.internal_errors)


def build(report: Report, lang: str = "en", now: _dt.datetime | None = None) -> Document:
    t = dict(texts(lang))
    t["title"] = t["title"].format(system=mask(report.system.upper()))  # "TIKETI troubleshooting report"
    root = Path(report.root)
    problems = [
        _problem(number, key, findings, report, root, t, lang)
        for number, (key, findings) in enumerate(_grouped(report.findings), start=1)
    ]
    counts = report.counts()
    overview = (
        t["overview"].format(problems=len(problems), findings=len(report.findings), errors=counts["error"], warnings=counts["warning"], info=counts["info"])
        if report.findings
        else t["overview_clean"]
    )
    refused = [f for f in report.findings if f.suppression is not None and not f.suppression.accepted]
    notes = [mask(localize(note, lang)) for note in report.notes]
    if report.suppressed:
        notes.append(t["suppressed_count"].format(count=len(report.suppressed)))
    if refused:
        notes.append(t["refused_count"].format(count=len(refused)))
    if report.baseline_resolved:
        notes.append(t["resolved_count"].format(count=len(report.baseline_resolved)))
    date = (now or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    return Document(
        lang=lang,
        t=t,
        generated=t["generated"].format(version=__version__, date=date, root=mask(report.root)),
        overview=overview,
        notes=notes,
        problems=problems,
        pods=[PodView(mask(p.name), p.ready, p.status, p.restarts, p.age, _pod_healthy(p.ready, p.status)) for p in report.pods],
        lessons=_lessons(report.findings, lang),
        suppressed=[_suppressed_row(f, t, lang) for f in report.suppressed],
        refused=[_suppressed_row(f, t, lang) for f in refused],
        resolved=[mask(f"{e.get('code', '?')} {e.get('path', '')}: {e.get('message', e['fingerprint'])}") for e in report.baseline_resolved],
        undecided=[_run_line(r, t, lang) for r in report.runs if r.status == RunStatus.UNKNOWN],
        internal_errors=[_run_line(r, t, lang) for r in report.runs if r.status == RunStatus.ERROR],
    )


def _grouped(findings: list[Finding]) -> list[tuple[triage.ProblemKey, list[Finding]]]:
    groups: dict[triage.ProblemKey, list[Finding]] = OrderedDict()
    for finding in findings:
        groups.setdefault(triage.problem_key(finding), []).append(finding)
    for members in groups.values():
        members.sort(key=lambda f: (triage.PRIORITIES.index(triage.priority(f)), -f.severity.rank, f.sort_key()))
    return sorted(groups.items(), key=lambda item: (triage.PRIORITIES.index(triage.priority(item[1][0])), item[0].sort_key()))


def _problem(number: int, key: triage.ProblemKey, findings: list[Finding], report: Report, root: Path, t: dict, lang: str) -> ProblemView:
    lead = findings[0]
    prio = triage.priority(lead)
    status = _status(findings)
    title_key = "title_crash" if key.area == "deploy" and prio == "P0" else f"title_{key.area}"
    view = ProblemView(
        number=number,
        priority=prio,
        title=mask(t[title_key].format(service=key.service)),
        service=key.service,
        area=key.area,
        status=status.value,
        status_label=t[f"status_{status.value}"],
    )
    for finding in findings:
        view.pod_lines += [mask(line) for line in triage.evidence_lines(finding, triage.POD_STATUS) if mask(line) not in view.pod_lines]
        view.log_lines += [mask(line) for line in triage.evidence_lines(finding, triage.LOG_EXCERPT)]
        view.http_lines += [
            mask(f"{h.get('method', 'GET')} {h.get('url', '')} → {h.get('status', '?')}") for h in triage.http_results(finding)
        ]
    if not (view.pod_lines or view.log_lines or view.http_lines):
        view.predicted = list(OrderedDict.fromkeys(mask(triage.predicted_symptom(f, lang)) for f in findings))
    view.symptom = _short_symptom(view)
    view.causes = [_cause(f, root, t, lang) for f in findings]
    docs = check_docs()
    for finding in findings:
        if finding.fix is not None:
            fix = FixView(mask(localize(finding.fix.title, lang)), t.get(f"safety_{finding.fix.safety.value}", finding.fix.safety.value), mask(finding.fix.diff))
            if fix not in view.fixes:  # one fix often answers several findings (a missing module and the inline package.json)
                view.fixes.append(fix)
        elif finding.code in docs and finding.code not in [code for code, _ in view.manual_fixes]:
            view.manual_fixes.append((finding.code, mask(translate(docs[finding.code].fix, lang).strip())))
    view.commands = _commands(findings, report.commands, key.service)
    if not view.commands:
        view.no_commands = t["no_commands"] if key.area == "docs" else t["no_commands_generic"]
    command = f"tiketi-doctor check {report.root}"
    codes = ", ".join(OrderedDict.fromkeys(f.code for f in findings))
    view.verification = t[f"verify_{status.value}"].format(command=mask(command), codes=codes)
    view.verifications = [mask(localize(f.verification, lang)) for f in findings if f.verification]
    return view


def _status(findings: list[Finding]) -> FindingStatus:
    states = {f.status for f in findings}
    if states == {FindingStatus.VERIFIED}:
        return FindingStatus.VERIFIED
    if FindingStatus.OPEN in states:
        return FindingStatus.OPEN
    return FindingStatus.FIXED


def _short_symptom(view: ProblemView) -> str:
    """One line for the summary table: the live evidence when there is some, else the prediction."""
    if view.pod_lines:
        states = [s for s in triage.CRASH_STATES if any(s in line for line in view.pod_lines)]
        head = states[0] if states else view.pod_lines[0]
        log = next((line.strip() for line in view.log_lines if "Error" in line or "error" in line), "")
        return f"{head}: {log}" if log else head
    if view.http_lines:
        return view.http_lines[0]
    if view.log_lines:
        return view.log_lines[0].strip()
    return view.predicted[0] if view.predicted else ""


def _cause(finding: Finding, root: Path, t: dict, lang: str) -> Cause:
    related = [f"{loc}  {loc.label}" if loc.label else str(loc) for loc in finding.related]
    return Cause(
        code=finding.code,
        name=finding.name,
        severity=finding.severity.value,
        severity_label=t[f"severity_{finding.severity.value}"],
        location=str(finding.location),
        message=mask(localize(finding.message, lang)),
        root_cause=mask(localize(finding.root_cause, lang)),
        related=[mask(r) for r in related[:MAX_RELATED]],
        more_related=max(0, len(related) - MAX_RELATED),
        excerpts=_excerpts(finding, root),
    )


def _excerpts(finding: Finding, root: Path) -> list[Excerpt]:
    """The lines of each file involved, around the primary and related locations, masked."""
    targets: dict[str, dict[int, int]] = OrderedDict()
    for loc, context in [(finding.location, EXCERPT_CONTEXT)] + [(r, RELATED_CONTEXT) for r in finding.related]:
        if loc.line:
            span = range(loc.line, (loc.end_line or loc.line) + 1)
            for line in span:
                targets.setdefault(loc.path, {})
                targets[loc.path][line] = max(targets[loc.path].get(line, 0), context)
    excerpts: list[Excerpt] = []
    budget = MAX_EXCERPT_LINES
    for path, marks in targets.items():
        lines = _file_lines(root, path)
        if not lines or budget <= 0:
            continue
        wanted: set[int] = set()
        for line, context in marks.items():
            wanted.update(range(max(1, line - context), min(len(lines), line + context) + 1))
        numbers = sorted(wanted)[:budget]
        budget -= len(numbers)
        excerpt_lines = [
            ExcerptLine(n, _clip(lines[n - 1]), n in marks, gap_before=i > 0 and n != numbers[i - 1] + 1)
            for i, n in enumerate(numbers)
        ]
        if excerpt_lines:
            excerpts.append(Excerpt(path, _language(path), excerpt_lines))
    return excerpts


def _file_lines(root: Path, rel: str) -> list[str]:
    path = root / rel
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE:
            return []
        data = path.read_bytes()
    except OSError:
        return []
    if b"\x00" in data[:8192]:
        return []
    return mask(data.decode("utf-8", errors="replace").replace("\r\n", "\n")).split("\n")


def _clip(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"


def _language(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return LANGUAGES.get(suffix, "")


def _commands(findings: list[Finding], records: list[CommandRecord], service: str) -> list[CommandView]:
    planned = list(OrderedDict.fromkeys(c for f in findings for c in f.remediation))
    ran = [r for r in records if r.command in planned or (service and r.service == service)]
    if ran:
        views = [CommandView(mask(r.command), r.returncode, mask(r.output)) for r in ran]
        done = {r.command for r in ran}
        return views + [CommandView(mask(c)) for c in planned if c not in done]
    return [CommandView(mask(c)) for c in sorted(planned, key=_phase)]


def _phase(command: str) -> int:
    return next((i for i, prefix in enumerate(COMMAND_PHASES) if command.startswith(prefix)), len(COMMAND_PHASES))


def _lessons(findings: list[Finding], lang: str) -> list[Lesson]:
    docs = check_docs()
    lessons: list[Lesson] = []
    for code in OrderedDict.fromkeys(f.code for f in sorted(findings, key=lambda f: (triage.PRIORITIES.index(triage.priority(f)), f.code))):
        check = docs.get(code)
        if check is not None:
            lessons.append(Lesson(
                check.code, check.name, translate(check.summary, lang),
                " ".join(translate(check.why, lang).split()), " ".join(translate(check.fix, lang).split()),
            ))
    return lessons


def _run_line(run, t: dict, lang: str) -> str:
    return mask(t["run_line"].format(code=run.code, subject=run.subject, reason=localize(run.reason, lang)))


def _suppressed_row(finding: Finding, t: dict, lang: str) -> SuppressedRow:
    s = finding.suppression
    assert s is not None
    return SuppressedRow(
        code=finding.code,
        location=str(finding.location),
        message=mask(localize(finding.message, lang)),
        kind=t[f"kind_{s.kind}"] if f"kind_{s.kind}" in t else s.kind,
        reason=mask(localize(s.reason, lang)),
        where=str(s.location) if s.location is not None else "",
    )


def _pod_healthy(ready: str, status: str) -> bool:
    have, _, want = ready.partition("/")
    return status == "Running" and have == want and have not in ("", "0")
