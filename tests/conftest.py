"""Shared fixtures: the shipped story, and throw-away copies of it to break."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mapapp import load_story, settings
from mapapp.story.layers import KINDS
from mapapp.story.manifest import Manifest, load_manifest

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO.parent / "shared" / "ref" / "geojson-schema"


def shipped_manifest() -> Manifest:
    """The shipped story's manifest (geodata/story.json): its dates, sides and labels."""
    manifest, problems = load_manifest(settings.DEFAULT_DATA_DIR)
    assert manifest is not None and not problems, problems
    return manifest


SHIPPED = shipped_manifest()


@pytest.fixture(scope="session")
def story():
    return load_story(settings.DEFAULT_DATA_DIR)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of geodata/ for tests that break it."""
    target = tmp_path / "geodata"
    shutil.copytree(settings.DEFAULT_DATA_DIR, target)
    return target


def read_layer(data_dir: Path, layer: str) -> dict:
    return json.loads((data_dir / KINDS[layer].file).read_text(encoding="utf-8"))


def write_layer(data_dir: Path, layer: str, raw: dict) -> None:
    (data_dir / KINDS[layer].file).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")


def feature_by_id(raw: dict, fid: str) -> dict:
    return next(f for f in raw["features"] if f["properties"]["id"] == fid)
