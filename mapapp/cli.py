"""Command line: ``python -m mapapp validate|places|passages|status``.

Output is JSON (or a short summary for ``validate``) so scripts can use it.
Exit codes: 0 fine, 1 bad data, 2 bad usage (unknown place, bad date).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from . import settings
from ._validate import GeoDataError
from .story import Story, load_story


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mapapp", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"story folder (default: ${settings.DATA_DIR_ENV} or the shipped geodata/)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check every file of a story folder")
    validate.add_argument("data_dir", nargs="?", type=Path, help="story folder (overrides --data)")
    sub.add_parser("places", help="JSON list of place ids and names")
    passages = sub.add_parser("passages", help="JSON: a place and the passages linked to it")
    passages.add_argument("place_id")
    status = sub.add_parser("status", help="JSON: who held a place on a date")
    status.add_argument("place_id")
    status.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data_dir = getattr(args, "data_dir", None) or args.data
    try:
        story = load_story(data_dir)
    except GeoDataError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.command == "validate":
        return _validate_summary(story)
    try:
        payload = _COMMANDS[args.command](story, args)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()
    return 0


def _validate_summary(story: Story) -> int:
    counts = ", ".join(f"{len(gdf)} {name}" for name, gdf in story.layers.items())
    print(f"OK {story.data_dir}: {counts}; {len(story.passages)} passages, {len(story.article.related)} related items")
    return 0


def _places(story: Story, _args: argparse.Namespace) -> list[dict]:
    return [
        {"id": e["id"], "name": e["name"], "layer": e["layer"]}
        for e in story.entities.values()
        if e["layer"] in ("places", "posts", "highways")
    ]


def _passages(story: Story, args: argparse.Namespace) -> dict:
    entity = story.entity(args.place_id)
    return {
        "place": {"id": entity["id"], "name": entity["name"], "layer": entity["layer"]},
        "passages": [
            {"id": p.id, "speakers": [s.get("who") for s in p.speakers], "text": p.text}
            for p in story.passages_for(args.place_id)
        ],
    }


def _status(story: Story, args: argparse.Namespace) -> dict:
    status = story.status(args.place_id, args.date)
    payload = status.as_dict()
    payload["sources"] = [story.source(key) for key in status.sources]
    return payload


_COMMANDS = {"places": _places, "passages": _passages, "status": _status}
