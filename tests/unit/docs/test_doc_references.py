"""The rules behind the code can be looked up from the repository itself.

Code, comments, docstrings, migrations and READMEs cite the project's own documents by
anchor (``docs/domain.md#rule-5``, ``docs/pitfalls.md#batch-mixes-partitions``). These tests
fail when a cited document or anchor does not exist, when a citation still points at a
briefing outside the repository (a numbered section of a domain brief, a pitfalls list, a
shared folder), and when a verification rule is named by number without its anchor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
SCANNED_DIRS = ("services", "libs", "contracts", "tools", "simulators", "deploy", "tests", "docs")
SUFFIXES = {".py", ".md", ".sql", ".yaml", ".yml", ".json", ".toml", ".txt", ".html", ".js"}
SKIPPED_PARTS = {".venv", "node_modules", "__pycache__", ".git", "fixtures"}
THIS_FILE = Path(__file__).resolve()

# a document of docs/ and an anchor in it, as cited from anywhere in the repository
CITATION = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
# inside docs/: a link to an anchor of the same page, or of a sibling page
LOCAL_LINK = re.compile(r"\]\(([\w-]+\.md)?#([\w-]+)\)")
ANCHOR = re.compile(r"""<a\s+id=["']([\w-]+)["']""")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)

# Citations of documents that are not in the repository. Built from parts so that this
# file does not cite them itself.
_BRIEF = "DOM" + "AIN"
OUTSIDE_CITATIONS = (
    re.compile(rf"\b{_BRIEF}(?:\.md)?\s*§"),
    re.compile(rf"\b{_BRIEF}\.md\b"),
    re.compile(r"\bPIT" + r"FALLS\b"),
    re.compile(r"\bST" + r"YLE\.md\b"),
    re.compile(r"\.\./sh" + r"ared\b"),
    re.compile(r"/work/sh" + r"ared\b"),
)
RULE_BY_NUMBER = re.compile(r"\b[Rr]ules? [1-7]\b")
RULE_ANCHOR = re.compile(r"domain\.md#(?:rule-[1-7]|verification-rules)\b")
NEARBY_LINES = 3


def slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule)."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(document: Path) -> set[str]:
    """Explicit ``<a id>`` anchors and heading slugs of ``document``."""
    text = document.read_text(encoding="utf-8")
    return set(ANCHOR.findall(text)) | {slug(h) for h in HEADING.findall(text)}


def scanned_files() -> Iterator[Path]:
    """Every text file that may cite a document: the scanned folders and every README."""
    seen: set[Path] = set()
    candidates = [p for d in SCANNED_DIRS for p in (ROOT / d).rglob("*")]
    candidates += list(ROOT.glob("*.md"))
    for path in sorted(candidates):
        if path in seen or not path.is_file() or path.resolve() == THIS_FILE:
            continue
        if SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts):
            continue
        if path.suffix in SUFFIXES:
            seen.add(path)
            yield path


def citations(path: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """(line, document name, anchor) of every citation in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        for document, anchor in CITATION.findall(line):
            yield number, document, anchor
        if path.parent == DOCS:
            for document, anchor in LOCAL_LINK.findall(line):
                yield number, document or path.name, anchor


FILES = list(scanned_files())


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_projects_documents_are_where_the_code_cites_them() -> None:
    assert (DOCS / "domain.md").is_file()
    assert (DOCS / "pitfalls.md").is_file()


def test_every_cited_anchor_exists_in_its_document() -> None:
    known: dict[str, set[str]] = {}
    missing = []
    for path in FILES:
        for line, document, anchor in citations(path, path.read_text(encoding="utf-8")):
            target = DOCS / document
            if document not in known:
                known[document] = anchors_of(target) if target.is_file() else set()
            if anchor not in known[document]:
                missing.append(f"{_where(path, line)}: docs/{document}#{anchor}")
    assert missing == []


def test_nothing_cites_a_briefing_outside_the_repository() -> None:
    found = [
        f"{_where(path, number)}: {line.strip()[:100]}"
        for path in FILES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(pattern.search(line) for pattern in OUTSIDE_CITATIONS)
    ]
    assert found == []


def test_a_verification_rule_named_by_number_cites_its_anchor() -> None:
    unanchored = []
    for path in FILES:
        if path.parent == DOCS:
            continue  # the rules are defined there
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if not RULE_BY_NUMBER.search(line):
                continue
            nearby = lines[max(0, index - NEARBY_LINES) : index + NEARBY_LINES + 1]
            if not any(RULE_ANCHOR.search(other) for other in nearby):
                unanchored.append(f"{_where(path, index + 1)}: {line.strip()[:100]}")
    assert unanchored == []


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Rule 5 — nobody else already pays", "rule-5--nobody-else-already-pays"),
        ("NIK (national identity number)", "nik-national-identity-number"),
    ],
)
def test_headings_get_the_anchors_a_markdown_renderer_gives_them(
    heading: str, expected: str
) -> None:
    assert slug(heading) == expected


def test_a_missing_anchor_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('<a id="kept"></a>\n## A heading\n', encoding="utf-8")

    assert anchors_of(page) == {"kept", "a-heading"}
    assert "gone" not in anchors_of(page)


def test_an_outside_citation_is_recognised() -> None:
    cited = f"see {_BRIEF} §3 and ../sh" + "ared/PIT" + "FALLS.md"

    assert any(pattern.search(cited) for pattern in OUTSIDE_CITATIONS)
    assert not any(pattern.search("see docs/domain.md#rule-3") for pattern in OUTSIDE_CITATIONS)
