"""Command line: ``python -m mapapp validate|places|passages|status|serve|events|synth-events|new|publish|snapshot``.

Output is JSON (or a short summary for ``validate``) so scripts can use it.
Exit codes: 0 fine, 1 bad data, 2 bad usage (unknown place, bad date).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from mapapp import settings
from mapapp.story.layers import KINDS
from mapapp.story.model import Story, load_story
from mapapp.story.validate import GeoDataError


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
    serve = sub.add_parser("serve", help="load the story (and $MAPAPP_EVENTS), then start the dashboard")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="passed on to `streamlit run`")
    events_cmd = sub.add_parser(
        "events", help="check an ACLED or UCDP GED CSV, or a Parquet file or folder; report every bad row"
    )
    events_cmd.add_argument("csv", type=Path, help="the file, or a folder of Parquet files (partitioned by year=...)")
    publish = sub.add_parser("publish", help="write the story as a static site (any web server or CDN can host it)")
    publish.add_argument("out", type=Path, help="the site's folder (must not exist)")
    publish.add_argument(
        "--events", type=Path, help="events to publish with the story: an ACLED or UCDP GED CSV, a Parquet file or folder"
    )
    publish.add_argument("--force", action="store_true", help="replace OUT if it exists")
    publish.add_argument("--base-url", help="where the site will live (https://...): absolute links in share tags and embeds")
    publish.add_argument("--share-image", action="store_true", help="photograph share.png (1200x630) for link previews")
    snap = sub.add_parser("snapshot", help="a print-ready PNG, vector PDF or SVG of the map (the published site, in Chromium)")
    snap.add_argument(
        "--out", type=Path, required=True, help="FILE.png or FILE.svg (one picture), FILE.pdf (a page per date or step)"
    )
    snap.add_argument("--paper", help="a4, letter, a4-landscape or letter-landscape (a PDF is A4 unless told)")
    snap.add_argument("--width", type=int, default=1280, help="a PNG's or SVG's page width in CSS pixels (without --paper)")
    snap.add_argument("--scale", type=float, default=2, help="a PNG's device pixels per CSS pixel (default 2)")
    snap.add_argument("--no-references", action="store_true", help="a PDF without its last page of sources in full")
    snap.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD (default: the story's events date)")
    snap.add_argument("--place", help="a place to select")
    snap.add_argument("--step", help="a walk step (passage id)")
    snap.add_argument("--dates", help="a handout: D1,D2,... (one page each)")
    snap.add_argument("--steps", action="store_true", help="a handout: one page per walk step")
    new = sub.add_parser("new", help="draft a story folder from an article's plain text (to be reviewed)")
    new.add_argument("article", type=Path, help="the article as plain text: headline on the first line")
    new.add_argument("--out", type=Path, required=True, help="the story folder to write (must not exist)")
    new.add_argument("--date", type=date.fromisoformat, help="the article's publication date, YYYY-MM-DD")
    new.add_argument("--title", help="the story's title (default: the headline)")
    new.add_argument("--force", action="store_true", help="replace --out if it exists")
    edit = sub.add_parser("edit", help="review and edit a story folder in the browser (a draft from `new`, or any story)")
    edit.add_argument("folder", type=Path, help="the story folder to edit")
    edit.add_argument("--port", type=int, default=8502)
    synth = sub.add_parser("synth-events", help="write a synthetic ACLED-format CSV (for tests and benchmarks)")
    synth.add_argument("count", type=int)
    synth.add_argument("out", type=Path)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--iso-dates", action="store_true", help="YYYY-MM-DD instead of '5 March 2021'")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; a disk that fills up or a file that cannot be written is a message and exit 2, not a traceback
    (folders are written whole, so nothing half-written is left: see mapapp.story.files)."""
    try:
        return _main(argv)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            print(f"error: disk full{where}: nothing was written; free some space and run the command again", file=sys.stderr)
        else:
            print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command in _FILE_COMMANDS:
        return _FILE_COMMANDS[args.command](args)
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
    except GeoDataError as exc:  # an event file given to publish that cannot be used (before ValueError: a subclass)
        print(str(exc), file=sys.stderr)
        return 1
    except (FileExistsError, ValueError) as exc:  # a bad date in --dates, a SnapshotError
        print(f"error: {exc}", file=sys.stderr)
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
        {"id": e["id"], "name": e["name"], "layer": e["layer"]} for e in story.entities.values() if KINDS[e["layer"]].pickable
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


def _publish(story: Story, args: argparse.Namespace) -> dict:
    from mapapp.render import publish

    site = publish.publish_site(
        story, args.out, events_csv=args.events, force=args.force, base_url=args.base_url, share_image=args.share_image
    )
    return {
        "out": str(site.out),
        "files": site.files,
        "bytes_without_events": site.bytes_without_events,
        "events_bytes": site.events_bytes,
        "budget_bytes": publish.BUDGET_BYTES,
        "serve": f"python -m http.server --directory {site.out}",
    }


def _snapshot(story: Story, args: argparse.Namespace) -> dict:
    from mapapp.render import snapshot
    from mapapp.story.walk import walk_steps

    if args.dates:
        shots = [snapshot.Shot(day=date.fromisoformat(d.strip()), place=args.place) for d in args.dates.split(",") if d.strip()]
    elif args.steps:
        shots = [snapshot.Shot(step=s.passage_id, place=args.place) for s in walk_steps(story)]
    else:
        shots = [snapshot.Shot(day=args.date, place=args.place, step=args.step)]
    layout = snapshot.Layout(paper=args.paper, width=args.width, scale=args.scale, references=not args.no_references)
    out = snapshot.snapshot(story, args.out, shots, layout)
    return {"out": str(out), "pictures": len(shots), "bytes": out.stat().st_size}


_COMMANDS = {"places": _places, "passages": _passages, "status": _status, "publish": _publish, "snapshot": _snapshot}


def _serve(args: argparse.Namespace) -> int:
    """Preload, then hand over to Streamlit in this process (:func:`mapapp.app.server.run`)."""
    from mapapp.app import server

    return server.run(args.data, args.port, args.streamlit_args)


def _events(args: argparse.Namespace) -> int:
    """Exit 0: every row usable; 1: some rows have problems (listed); 2: the file cannot be used."""
    from mapapp import events

    started = time.monotonic()

    def progress(rows: int, problems: int, share: float) -> None:  # every 100,000 rows of a long file
        spent = time.monotonic() - started
        left = spent * (1 - share) / share if share > 0 else float("nan")
        print(f"{args.csv}: {rows:,} rows read, {problems:,} problem(s) so far, {share:.0%} of the file, "
              f"about {left:.0f} s left", file=sys.stderr, flush=True)  # fmt: skip

    try:
        loaded = events.load_events(args.csv, progress=progress)
    except GeoDataError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    refused = events.refusal(loaded)
    if refused is not None:  # read, but the app would refuse it: say so, and fail as the app does
        print(f"{refused}\nThe app cannot draw this file.", file=sys.stderr)
        return 2
    for problem in loaded.problems:
        print(problem, file=sys.stderr)
    total = sum(loaded.problem_counts.values())
    if total > len(loaded.problems):
        kept = "all of them" if not loaded.report_omitted else f"all but {loaded.report_omitted:,} (the report's size cap)"
        print(f"... {total - len(loaded.problems):,} more problem(s) not printed; {kept}: {loaded.report}", file=sys.stderr)
    if not loaded.rows:
        print(f"{args.csv}: no rows (the header only)")
        return 1
    first, last = loaded.day_range() or (None, None)
    print(
        f"{args.csv}: {loaded.rows:,} rows, {len(loaded):,} drawable, {loaded.skipped_rows:,} not drawn, "
        f"{total:,} problem(s); dates {first} to {last}; types: {', '.join(loaded.types)}"
    )
    return 1 if total else 0


def _synth_events(args: argparse.Namespace) -> int:
    from mapapp.events import synthetic

    synthetic.write_events_csv(args.out, args.count, args.seed, iso_dates=args.iso_dates)
    print(f"wrote {args.count:,} synthetic events to {args.out}")
    return 0


def _new(args: argparse.Namespace) -> int:
    """Exit 0: drafted (and the draft validates); 1: drafted, but it does not validate; 2: nothing written."""
    from mapapp import draft

    try:
        files = draft.draft_story(draft.read_article(args.article), args.date, args.title)
        draft.write_draft(files, args.out, force=args.force)
    except draft.DraftError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = draft.summary(files)
    print(
        f"drafted {args.out}: {counts['passages']} passages, {counts['placed']} places placed, "
        f"{counts['features']} features and {counts['unlocated']} unlocated names without geometry, "
        f"{counts['speakers']} speakers, {counts['dates']} dates; review {args.out / 'DRAFT.md'}"
    )
    try:
        load_story(args.out)
    except GeoDataError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def _edit(args: argparse.Namespace) -> int:
    """The editor on ``folder``: refused with a reason when the folder is missing or cannot be written."""
    from mapapp.app import server

    folder = args.folder.resolve()
    if not folder.is_dir():
        print(
            f"error: {folder} is not a folder (create it empty to draft a story in the editor, or draft one with "
            f"`python -m mapapp new ARTICLE --out {folder}`)",
            file=sys.stderr,
        )
        return 2
    if not os.access(folder, os.W_OK):
        print(f"error: {folder} cannot be written by this user: the editor would lose every change", file=sys.stderr)
        return 2
    return server.run(folder, args.port, [], script=settings.EDITOR_SCRIPT)


_FILE_COMMANDS = {"edit": _edit, "serve": _serve, "events": _events, "synth-events": _synth_events, "new": _new}
