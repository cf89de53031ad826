"""A story folder with a script payload in every string the validator lets through.

Every string value of every JSON file of a story folder (manifest, layers, sources, article notes) and
every paragraph of the article gets the payload appended. Strings the validator refuses that way (ids,
dates, colours, enumerations, links between files) are put back, field by field, from the problems it
reports: what remains poisoned is exactly what a hostile author can ship, and the test then asserts
that none of it runs. The count of poisoned strings is returned so a test can fail if it drops to a few.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mapapp import GeoDataError, load_story

# Each part counts a run in window.__xss (checked by the browser tests) or is visible text if shown.
PAYLOAD = (
    "<img src=x onerror=window.__xss=(window.__xss||0)+1>"
    '"><svg onload=window.__xss=1>'
    "${window.__xss=2}{{7*7}}`);window.__xss=3;//"
    "</script><script>window.__xss=4</script>"
    "<a href=javascript:window.__xss=5>XSSLINK</a>"
)
VISIBLE_MARK = "XSSLINK"  # shown as text wherever a poisoned string is shown

_SHOWN_KEYS = {"label", "short_label", "legend_title", "title", "name"}  # shown to readers even when one word
_LAST_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])?$")


def _walk(value: Any, path: tuple, visit: Callable[[tuple, str], str | None]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), visit) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*path, i), visit) for i, v in enumerate(value)]
    if isinstance(value, str):
        changed = visit(path, value)
        return value if changed is None else changed
    return value


def _key_of(path: tuple) -> str:
    """The innermost named key of a JSON path (list indexes skipped)."""
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "")


def poison_story(source: Path, target: Path, payload: str = PAYLOAD) -> int:
    """Copy ``source`` to ``target`` with ``payload`` in every string the validator accepts; return how many."""
    shutil.copytree(source, target)
    files = sorted(p for p in target.iterdir() if p.suffix in (".json", ".geojson"))
    originals = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}
    spared: dict[str, set[str]] = {name: set() for name in originals}  # file -> keys left clean
    article_lines = _poison_article(source, target, payload)
    references = _references(originals)
    poisoned = 0
    for _attempt in range(12):
        poisoned = 0

        def poison(path: tuple, value: str, spare: set[str]) -> str | None:
            nonlocal poisoned
            if _key_of(path) in spare or (value in references and _key_of(path) not in _SHOWN_KEYS):
                return None
            poisoned += 1
            return value + payload

        for p in files:
            raw = originals[p.name]
            spare = spared[p.name]
            # Dictionary keys are ids (sources, passages, sides, layers): they stay as they are.
            p.write_text(json.dumps(_walk(raw, (), lambda path, v, s=spare: poison(path, v, s)), ensure_ascii=False), "utf-8")
        try:
            load_story(target)
            return poisoned + article_lines
        except GeoDataError as exc:
            progress = False
            for problem in exc.problems:
                file = problem.file.rsplit("/", 1)[-1]
                if file not in spared:
                    raise
                key = _field_key(problem.field) if problem.field else None
                # No field named: the whole file goes back to clean.
                keys = {_key_of(path) for path in _paths(originals[file])} if key is None else {key}
                if not keys <= spared[file]:
                    spared[file] |= keys
                    progress = True
            if not progress:
                raise
    raise AssertionError("the poisoned story never validated")


def _references(originals: dict[str, Any]) -> set[str]:
    """Values that tie files together (a side, a leaning, a source id): every dictionary key, and every
    one-word value found in two files. Poisoned, they would only break the links, not reach a page."""
    keys: set[str] = set()
    seen_in: dict[str, set[str]] = {}

    def collect(value: Any, file: str) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                collect(v, file)
        elif isinstance(value, list):
            for v in value:
                collect(v, file)
        elif isinstance(value, str) and not any(c.isspace() for c in value):
            seen_in.setdefault(value, set()).add(file)

    for file, raw in originals.items():
        collect(raw, file)
    return keys | {value for value, files in seen_in.items() if len(files) > 1}


def _field_key(field: str) -> str:
    match = _LAST_FIELD.search(field.split(".")[-1])
    return match.group(1) if match else field


def _paths(value: Any) -> list[tuple]:
    found: list[tuple] = []
    _walk(value, (), lambda path, v: found.append(path))
    return found


def _poison_article(source: Path, target: Path, payload: str) -> int:
    """The payload at the end of the headline, each passage and each related item's line of ``article.txt``."""
    article = target / "article.txt"
    if not article.exists():
        return 0
    story = load_story(source)
    lines = article.read_text(encoding="utf-8").split("\n")
    numbers = {1} | {p.line for p in story.article.passages} | {int(r["line"]) for r in story.article.related}
    for number in numbers:
        lines[number - 1] += " " + payload
    article.write_text("\n".join(lines), encoding="utf-8")
    return len(numbers)
