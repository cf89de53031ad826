"""RFC 7946 structure: the official JSON Schema fixtures and the shipped files."""

from __future__ import annotations

import json

import jsonschema
import pytest

from mapapp import settings
from mapapp.story.layers import KINDS
from mapapp.story.validate import check_geojson, orientation_problems, ring_is_ccw

from .conftest import SCHEMA_DIR, SHIPPED

FIXTURES = SCHEMA_DIR / "fixtures"
VALID = sorted((FIXTURES / "valid").rglob("*.json"))
INVALID = sorted((FIXTURES / "invalid").rglob("*.json"))


def test_fixtures_are_present():
    assert len(VALID) >= 25 and len(INVALID) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_fixture_is_accepted(path):
    assert check_geojson(json.loads(path.read_text()), path.name) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_fixture_is_rejected_with_a_located_message(path):
    problems = check_geojson(json.loads(path.read_text()), path.name)
    assert problems, f"{path} accepted"
    for problem in problems:
        text = str(problem)
        assert text.startswith(path.name)
        assert problem.message
        assert problem.field is not None or "type" in problem.message or "features" in problem.message


@pytest.fixture(scope="module")
def schema():
    return json.loads((SCHEMA_DIR / "FeatureCollection.json").read_text())


@pytest.mark.parametrize("file", [KINDS[k].file for k in SHIPPED.layers])
def test_shipped_file_matches_official_schema(file, schema):
    raw = json.loads((settings.DEFAULT_DATA_DIR / file).read_text(encoding="utf-8"))
    jsonschema.validate(raw, schema)
    assert "crs" not in raw


@pytest.mark.parametrize("file", [KINDS[k].file for k in SHIPPED.layers])
def test_shipped_rings_follow_the_right_hand_rule(file):
    raw = json.loads((settings.DEFAULT_DATA_DIR / file).read_text(encoding="utf-8"))
    for i, feature in enumerate(raw["features"]):
        if feature["geometry"]:
            assert orientation_problems(feature["geometry"], file, f"#{i}") == []


def test_ring_orientation_helper():
    ccw = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert ring_is_ccw(ccw)
    assert not ring_is_ccw(list(reversed(ccw)))
    polygon = {"type": "Polygon", "coordinates": [list(reversed(ccw))]}
    [problem] = orientation_problems(polygon, "x.geojson", "#0")
    assert "counter-clockwise" in problem.message
