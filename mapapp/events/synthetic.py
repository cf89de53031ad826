"""Synthetic event files in ACLED's CSV format, for tests and benchmarks.

Real ACLED exports need an account and cannot be downloaded here, so this
writes files of any size with the same columns. Nothing in them is real: ids
start with ``SYN``, the source is "synthetic (mapapp generator)" and every
note says so. Positions are the story's own sourced town and village points
(its ``places.geojson``), most events exactly on them (as ACLED codes most
events to a town) and some scattered up to ~5 km around; dates fall within the
story's timeline; actors are the forces of the story's sides. The same seed
gives the same file.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from mapapp import settings
from mapapp.story.layers import KINDS, PLACES
from mapapp.story.manifest import Manifest, load_manifest
from mapapp.story.validate import GeoDataError

SOURCE = "synthetic (mapapp generator)"
SUB_TYPES = {
    "Battles": ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"],
    "Explosions/Remote violence": ["Air/drone strike", "Shelling/artillery/missile attack", "Remote explosive/landmine/IED"],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest"],
    "Riots": ["Violent demonstration"],
    "Strategic developments": ["Non-violent transfer of territory", "Headquarters or base established", "Other"],
}
TYPE_WEIGHTS = {
    "Battles": 30,
    "Explosions/Remote violence": 45,
    "Violence against civilians": 6,
    "Protests": 6,
    "Riots": 1,
    "Strategic developments": 12,
}
OTHER_ACTORS = ("Civilians", "Unidentified armed group")


def story_locations(data_dir: Path = settings.DEFAULT_DATA_DIR) -> list[dict]:
    """The story's town and village points (inside its region, when the manifest sets one)."""
    manifest = _manifest(data_dir)
    places = json.loads((Path(data_dir) / KINDS[PLACES].file).read_text(encoding="utf-8"))
    out = []
    for f in places["features"]:
        p, g = f["properties"], f["geometry"]
        if not (g and g["type"] == "Point" and p.get("kind") in ("town", "village")):
            continue
        lon, lat = g["coordinates"][:2]
        bounds = manifest.region
        if bounds and not (bounds[0] <= lon <= bounds[2] and bounds[1] <= lat <= bounds[3]):
            continue
        admin = p.get("admin") if isinstance(p.get("admin"), str) else ""
        out.append({"name": p["name"], "admin1": admin.removesuffix(" Governorate"), "lon": lon, "lat": lat})
    return out


def story_actors(data_dir: Path = settings.DEFAULT_DATA_DIR) -> list[str]:
    """Actor names for the story: the forces of each side that can hold ground, and two others."""
    sides = [side.label for side in _manifest(data_dir).sides.values() if side.id not in ("unknown", "contested")]
    return [f"{label[:1].upper()}{label[1:]} forces" for label in sides] + list(OTHER_ACTORS)


def _manifest(data_dir: Path) -> Manifest:
    manifest, problems = load_manifest(Path(data_dir))
    if manifest is None or problems:
        raise GeoDataError(problems)
    return manifest


def synthetic_events(n: int, seed: int = 0, *, iso_dates: bool = False, locations: list[dict] | None = None) -> list[dict]:
    """``n`` rows with :data:`settings.EVENT_COLUMNS` (plus ``time_precision``), all valid."""
    return list(iter_synthetic_events(n, seed, iso_dates=iso_dates, locations=locations))


def iter_synthetic_events(
    n: int, seed: int = 0, *, iso_dates: bool = False, locations: list[dict] | None = None
) -> Iterator[dict]:
    """The rows of :func:`synthetic_events`, one at a time (a 10,000,000-row file is written in bounded memory)."""
    rng = random.Random(seed)
    locations = locations or story_locations()
    actors = story_actors()
    manifest = _manifest(settings.DEFAULT_DATA_DIR)
    types, weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    span = (manifest.timeline_end - manifest.timeline_start).days
    for i in range(n):
        loc = rng.choice(locations)
        scattered = rng.random() < 0.3
        lat = loc["lat"] + (rng.uniform(-0.045, 0.045) if scattered else 0.0)
        lon = loc["lon"] + (rng.uniform(-0.055, 0.055) if scattered else 0.0)
        day = manifest.timeline_start + timedelta(days=rng.randint(0, span))
        kind = rng.choices(types, weights)[0]
        actor1, actor2 = rng.sample(actors, 2)
        yield {
            "event_id_cnty": f"SYN{i + 1}",
            "event_date": day.isoformat() if iso_dates else f"{day.day} {day:%B %Y}",
            "event_type": kind,
            "sub_event_type": rng.choice(SUB_TYPES[kind]),
            "actor1": actor1,
            "actor2": actor2 if kind not in ("Protests", "Strategic developments") else "",
            "admin1": loc["admin1"],
            "admin2": "",
            "admin3": "",
            "location": loc["name"],
            "latitude": f"{lat:.4f}",
            "longitude": f"{lon:.4f}",
            "geo_precision": "2" if scattered else "1",
            "source": SOURCE,
            "notes": f"Synthetic event {i + 1} near {loc['name']} for testing; not a real report.",
            "fatalities": str(rng.choices([0, 1, 2, 5, 10], [70, 15, 8, 5, 2])[0]),
            "time_precision": "1",
        }


def events_csv(rows: list[dict]) -> str:
    """CSV text with the columns of the first row, in order."""
    out = io.StringIO()
    fields = list(rows[0]) if rows else list(settings.EVENT_COLUMNS)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_events_csv(path: Path, n: int, seed: int = 0, *, iso_dates: bool = False) -> Path:
    """Write :func:`synthetic_events` to ``path`` as :func:`events_csv` would, streaming."""
    path = Path(path)
    rows = iter_synthetic_events(n, seed, iso_dates=iso_dates)
    first = next(rows, None)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(first) if first else list(settings.EVENT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        if first is not None:
            writer.writerow(first)
            writer.writerows(rows)
    return path
