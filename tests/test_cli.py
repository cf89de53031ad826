"""python -m mapapp: validate, places, passages, status."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mapapp import settings


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "mapapp", *args], cwd=settings.REPO_DIR, capture_output=True, text=True, env=env)


def test_validate_shipped_data():
    result = run("validate")
    assert result.returncode == 0
    assert result.stdout.startswith("OK") and "passages" in result.stdout


def test_validate_reports_problems_and_fails(data_copy):
    (data_copy / "places.geojson").write_text("{oops", encoding="utf-8")
    result = run("validate", str(data_copy))
    assert result.returncode == 1
    assert "places.geojson: not valid JSON" in result.stderr


def test_data_dir_from_environment(data_copy):
    import os

    (data_copy / "posts.geojson").write_text("[]", encoding="utf-8")
    result = run("validate", env={**os.environ, settings.DATA_DIR_ENV: str(data_copy)})
    assert result.returncode == 1 and "posts.geojson" in result.stderr


def test_places_lists_ids_and_names():
    places = json.loads(run("places").stdout)
    assert {"id": "saraqeb", "name": "Saraqeb", "layer": "places"} in places


def test_passages_for_saraqeb():
    payload = json.loads(run("passages", "saraqeb").stdout)
    assert payload["place"]["name"] == "Saraqeb"
    assert any("loss is a big setback" in p["text"] for p in payload["passages"])
    assert [p["id"] for p in payload["passages"]] == ["p16", "p17", "p22", "p23", "p25", "p26", "p27", "p28"]


def test_unknown_place_is_a_usage_error():
    result = run("passages", "atlantis")
    assert result.returncode == 2 and "atlantis" in result.stderr


def test_status_of_saraqeb_on_three_days():
    controllers = [
        json.loads(run("status", "saraqeb", "--date", d).stdout)["controller"] for d in ("2020-02-10", "2020-02-27", "2020-03-03")
    ]
    assert controllers == ["government", "opposition", "government"]
    payload = json.loads(run("status", "saraqeb", "--date", "2020-02-27").stdout)
    assert payload["since"] == "2020-02-27" and payload["sources"][0]["title"]


def test_validate_names_the_file_feature_and_path_of_bad_states_and_claims(data_copy):
    posts = json.loads((data_copy / "posts.geojson").read_text(encoding="utf-8"))
    morek = next(f for f in posts["features"] if f["properties"]["id"] == "op-09-morek")
    morek["properties"]["states"][1].update(status="besiged", date="2020-02-3O", source=["no-such-source"])
    (data_copy / "posts.geojson").write_text(json.dumps(posts), encoding="utf-8")
    incidents = json.loads((data_copy / "incidents.geojson").read_text(encoding="utf-8"))
    incidents["features"][0]["properties"]["claims"][0]["source"] = "no-such-source"
    (data_copy / "incidents.geojson").write_text(json.dumps(incidents), encoding="utf-8")
    result = run("validate", str(data_copy))
    assert result.returncode == 1
    where = "posts.geojson, feature #8 (id 'op-09-morek'), field"
    assert f"{where} 'states[1].status': status 'besiged' is not one of" in result.stderr
    assert f"{where} 'states[1].date': date '2020-02-3O' is not YYYY-MM-DD" in result.stderr
    assert f"{where} 'states[1].source': source 'no-such-source' is not in sources.json" in result.stderr
    assert "incidents.geojson, feature #0 (id 'inc-airstrike-2020-02-27'), field 'claims[0].source'" in result.stderr


def test_serve_applies_the_shipped_server_configuration_from_any_directory():
    """Streamlit reads .streamlit/config.toml only from the current directory: `serve` passes it as flags."""
    from mapapp.app.server import streamlit_config_flags

    flags = streamlit_config_flags(settings.STREAMLIT_CONFIG)
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    # The settings the README's "Running it for others" and the load benchmark rely on.
    assert pairs["--runner.postScriptGC"] == "false"  # a full gc.collect() after each rerun: ~50 ms of CPU
    assert pairs["--client.toolbarMode"] == "minimal"
    assert pairs["--client.showErrorDetails"] == "type"
    assert pairs["--server.enableAgentApi"] == "false"
    assert pairs["--server.enableStaticServing"] == "true"


def test_config_flags_render_booleans_and_numbers_as_streamlit_reads_them(tmp_path):
    from mapapp.app.server import streamlit_config_flags

    config = tmp_path / "config.toml"
    config.write_text('[server]\nheadless = true\nmaxUploadSize = 5\n[theme]\nbase = "dark"\n', encoding="utf-8")
    assert streamlit_config_flags(config) == [
        "--server.headless", "true", "--server.maxUploadSize", "5", "--theme.base", "dark",
    ]  # fmt: skip
    assert streamlit_config_flags(tmp_path / "missing.toml") == []
    config.write_text('[theme.sidebar]\nbase = "light"\n', encoding="utf-8")
    assert streamlit_config_flags(config) == ["--theme.sidebar.base", "light"]
    config.write_text('[server]\nfolderWatchList = ["a", "b"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"server\.folderWatchList"):
        streamlit_config_flags(config)
