"""Work done before the server starts: the app's caches find it."""

from __future__ import annotations

import os

from mapapp import events, settings
from mapapp.app import preload
from mapapp.events import synthetic


def test_warm_loads_the_story_and_the_event_file(tmp_path, monkeypatch):
    path = synthetic.write_events_csv(tmp_path / "e.csv", 30, seed=2)
    monkeypatch.setenv(settings.EVENTS_ENV, str(path))
    done = preload.warm(settings.DEFAULT_DATA_DIR)
    assert done[0].startswith("story ") and "30 drawn of 30 rows" in done[1]
    assert preload.story(settings.DEFAULT_DATA_DIR) is preload.story(str(settings.DEFAULT_DATA_DIR))
    assert isinstance(preload.events_file(path), events.PublishedEvents)


def test_a_file_changed_after_start_up_is_not_served_from_memory(tmp_path):
    path = synthetic.write_events_csv(tmp_path / "e.csv", 10, seed=3)
    preload.warm(settings.DEFAULT_DATA_DIR, str(path))
    assert preload.events_file(path) is not None
    synthetic.write_events_csv(path, 12, seed=4)
    os.utime(path, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert preload.events_file(path) is None


def test_a_missing_event_file_is_reported_not_raised(tmp_path):
    done = preload.warm(settings.DEFAULT_DATA_DIR, str(tmp_path / "nope.csv"))
    assert "nope.csv" in done[1] and preload.events_file(tmp_path / "nope.csv") is None
