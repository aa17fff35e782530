"""The Markdown reader: blocks with their language, headings with sections, inline code and links."""
from __future__ import annotations

from tiketi_doctor.analysis.guides import CODE, FENCE, PROSE, read_markdown
from tiketi_doctor.parsing.markdown import parse

F3 = "`" * 3
TEXT = f"""# Title

Intro with `kubectl apply -f k8s/` and a [link](docs/a%20b.md "t") and [ref][r].

- item
  {F3}bash
  cd api
  {F3}

text

    indented code

| a | `b` |
|---|---|
| [cell](./c.md) | d |

## Section

{F3}console
$ npm test
output line
{F3}

{F3}js
require('./x')
{F3}

[r]: ./ref.md
<!-- kubectl apply -f hidden.yaml -->
### Sub
text
# Next
"""


def test_blocks_keep_their_language_lines_and_indentation():
    doc = parse(TEXT)
    assert [(b.lang, b.first, b.last, b.fence, b.indent) for b in doc.blocks] == [
        ("bash", 7, 7, (6, 8), 2),
        ("", 12, 12, None, 4),
        ("console", 21, 22, (20, 23), 0),
        ("js", 26, 26, (25, 27), 0),
    ]


def test_headings_know_where_their_sections_end():
    doc = parse(TEXT)
    assert [(h.level, h.text, h.line, h.end) for h in doc.headings] == [
        (1, "Title", 1, 32), (2, "Section", 18, 32), (3, "Sub", 31, 32), (1, "Next", 33, 33),
    ]


def test_inline_code_and_links_have_columns_on_their_lines():
    doc = parse(TEXT)
    lines = TEXT.splitlines()
    assert [(s.line, s.text) for s in doc.code_spans] == [(3, "kubectl apply -f k8s/"), (14, "b")]
    assert all(lines[s.line - 1][s.start : s.end] == s.text for s in doc.code_spans + doc.links)
    assert [(s.line, s.text) for s in doc.links] == [(3, "docs/a%20b.md"), (16, "./c.md"), (29, "./ref.md")]
    assert doc.comments == {30}


def test_guide_lines_mark_commands_only_in_shell_blocks_and_prompted_transcript_lines():
    guide = read_markdown("README.md", TEXT)
    by_number = {line.number: line for line in guide.lines}
    assert by_number[6].context == FENCE and by_number[7].context == CODE and by_number[7].shell
    assert by_number[21].shell and by_number[21].command == 2  # after the `$ ` prompt
    assert not by_number[22].shell  # output
    assert not by_number[26].shell  # JavaScript
    assert by_number[12].context == CODE and not by_number[12].shell  # unlabelled, and not a program
    assert by_number[3].context == PROSE and not by_number[3].shell
    assert guide.section(22).text == "Section" and guide.section(32).text == "Sub" and guide.section(2).text == "Title"


def test_a_transcript_without_prompts_is_a_list_of_commands():
    guide = read_markdown("README.md", f"{F3}console\ngit clone https://x/y.git\ncd y\n{F3}\n")
    assert [line.command for line in guide.lines] == [-1, 0, 0, -1]
