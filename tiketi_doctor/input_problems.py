"""Findings about input files themselves; the repository view reports them, not a check."""
from __future__ import annotations

from .check import Check, NoFacts
from .model import Severity


class UnreadableFile(Check):
    code = "SRC001"
    name = "unreadable-file"
    severity = Severity.ERROR
    scope = "input"
    summary = "A file the checks need cannot be read as text (binary, permissions)."
    why = (
        "Every check that depends on the file cannot decide. A binary file where a Dockerfile "
        "or manifest should be usually means a bad merge, an LFS pointer or a corrupted copy."
    )
    example = "services/auth-service/Dockerfile contains NUL bytes."
    fix = "Restore the file from version control or fix its permissions."
    Facts = NoFacts
    symptom = "the tools that need the file fail, and the checks that read it cannot decide"
    fix_title = "Restore the file as readable text"


class MalformedFile(Check):
    code = "SRC002"
    name = "malformed-file"
    severity = Severity.ERROR
    scope = "input"
    summary = "A Dockerfile, YAML, JSON or inline package.json does not parse."
    why = (
        "Docker, kubectl and npm reject the same file, so a deploy or build will fail at that step; "
        "checks that need the file cannot decide until it parses."
    )
    example = "k8s/06-auth-service.yaml: invalid YAML: mapping values are not allowed here (line 12)"
    fix = "Correct the syntax at the reported line; `kubectl apply --dry-run=client -f FILE` or `npm pkg get` confirm."
    Facts = NoFacts
    symptom = "the build or deploy step that reads the file fails with a parse error"
    fix_title = "Correct the syntax of the file"


class NotUtf8(Check):
    code = "SRC003"
    name = "not-utf8"
    severity = Severity.WARNING
    scope = "input"
    summary = "A text file is not valid UTF-8 (often CP949/EUC-KR saved by a Windows editor)."
    why = (
        "Node, kubectl and most CI tools read UTF-8; Korean text saved as CP949 shows as mojibake "
        "and can break YAML or JSON parsing. The file is read with replacement characters."
    )
    example = "QUICK_START.md was saved as CP949."
    fix = "Re-save the file as UTF-8 (e.g. `iconv -f cp949 -t utf-8`)."
    Facts = NoFacts
    symptom = "garbled text, or a YAML or JSON parse error in the tools that read the file"
    fix_title = "Re-save the file as UTF-8"


class FileSkipped(Check):
    code = "SRC005"
    name = "file-skipped"
    severity = Severity.INFO
    scope = "input"
    summary = "A file was not read as source: generated, vendored, minified, or over the size limit."
    why = (
        "Build output, vendored package-manager releases and minified bundles are not what people wrote "
        "for the image to run: their requires are a bundler's, and parsing one took a minute. Each skipped "
        "file is named once, so nothing is left out silently."
    )
    example = ".yarn/releases/yarn-4.1.0.cjs is a package manager's own file; it was not read as source."
    fix = "Nothing to fix when the file really is generated; otherwise split it, or list it under the catalogue's `exclude`."
    Facts = NoFacts
    symptom = "none: the file is left out of the checks"
    fix_title = "Split the file, or list it under the catalogue's exclude"


CHECKS = (UnreadableFile, MalformedFile, NotUtf8, FileSkipped)
