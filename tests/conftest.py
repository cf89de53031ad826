"""Shared fixtures: the shipped story, and throw-away copies of it to break."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mapapp import load_story, settings

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO.parent / "shared" / "ref" / "geojson-schema"


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
    return json.loads((data_dir / settings.LAYER_FILES[layer]).read_text(encoding="utf-8"))


def write_layer(data_dir: Path, layer: str, raw: dict) -> None:
    (data_dir / settings.LAYER_FILES[layer]).write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")


def feature_by_id(raw: dict, fid: str) -> dict:
    return next(f for f in raw["features"] if f["properties"]["id"] == fid)
