"""Reading a story's JSON files strictly: a file that leaves the folder, fails to parse or holds a number no
browser can read back is a :class:`~mapapp.story.validate.Problem`, not a crash."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mapapp.story.validate import Problem, feature_label


def outside_link(path: Path) -> Problem | None:
    """A problem when ``path`` is a link that leads out of its folder (a story file must live in the story).

    Followed, such a link would show any file the server can read (``/etc/os-release``) to every visitor
    in the problem list; a link to another file of the same folder is fine."""
    path = Path(path)
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return Problem(path.name, "is a link that cannot be followed (a loop?)")
    if path.is_symlink() and not target.is_relative_to(path.parent.resolve()):
        return Problem(path.name, "is a link to a file outside the story folder: copy the file into the folder instead")
    return None


def read_json(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a JSON file; a missing, unparsable or non-finite-numbered file is a problem, not a crash."""
    name = path.name
    link = outside_link(path)
    if link is not None:
        return None, [link]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(name, f"file not found in {path.parent}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, f"cannot be read: {exc}")]
    return parse_json_text(text, name)


class _OutOfRange:
    """A number literal no browser can read back (1e400, a 400-digit integer): kept so its place can be named."""

    def __init__(self, literal: str):
        self.literal = literal


def _float_or_out_of_range(literal: str) -> float | _OutOfRange:
    value = float(literal)
    return value if math.isfinite(value) else _OutOfRange(literal)


def _int_or_out_of_range(literal: str) -> int | _OutOfRange:
    # JSON.parse turns an integer past a double's range into Infinity; Python refuses > 4300 digits.
    if len(literal.lstrip("-")) > 308:
        return _OutOfRange(literal[:12] + "…")
    return int(literal)


def parse_json_text(text: str, name: str) -> tuple[Any, list[Problem]]:
    """Strict JSON: NaN, Infinity and numbers past a double's range (which Python reads and browsers turn into
    Infinity or refuse) are problems, each named by its feature and field."""
    bad_constants: list[str] = []

    def refuse(constant: str) -> None:
        bad_constants.append(constant)
        return None

    try:
        value = json.loads(text, parse_constant=refuse, parse_float=_float_or_out_of_range, parse_int=_int_or_out_of_range)
    except json.JSONDecodeError as exc:
        return None, [Problem(name, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")]
    except RecursionError:
        return None, [Problem(name, "JSON nested too deeply to read (thousands of levels of [ or {)")]
    if bad_constants:
        listed = ", ".join(sorted(set(bad_constants)))
        return None, [Problem(name, f"not valid JSON: {listed} is not a number in JSON (RFC 8259); write a finite number")]
    out_of_range = [
        Problem(name, f"the number {found.literal} is out of range (not a finite double); write a finite number", *where)
        for where, found in _out_of_range(value, "")
    ]
    return (None, out_of_range) if out_of_range else (value, [])


def _out_of_range(value: Any, path: str) -> Iterator[tuple[tuple[str | None, str | None], _OutOfRange]]:
    """(feature label, field path) of every out-of-range number; a feature of a FeatureCollection is named."""
    stack: list[tuple[Any, str, str | None]] = [(value, path, None)]
    while stack:  # iterative: a deeply nested file must not exhaust the recursion limit here
        item, where, feature = stack.pop()
        if isinstance(item, _OutOfRange):
            yield (feature, where or None), item
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                stack.append((child, f"{where}.{key}" if where else str(key), feature))
        elif isinstance(item, list):
            in_features = where == "features" and feature is None
            for index, child in reversed(list(enumerate(item))):
                if in_features:
                    stack.append((child, "", feature_label(index, child)))
                else:
                    stack.append((child, f"{where}[{index}]", feature))
