"""Print (mapapp.render.snapshot): what is refused before a browser starts (pictures are tested in Chromium)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mapapp import cli, settings
from mapapp.render import snapshot


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(2019, 11, 30), date(2020, 3, 7)])
def test_a_date_outside_the_timeline_is_refused_with_the_range(story, day):
    with pytest.raises(snapshot.SnapshotError, match=r"outside the story's timeline \(2019-12-01 to 2020-03-06\)"):
        snapshot._check(story, [snapshot.Shot(day=day)])


def test_too_many_pictures_are_refused_before_any_work(story):
    start = story.manifest.timeline_start
    shots = [snapshot.Shot(day=start + timedelta(days=i)) for i in range(settings.SNAPSHOT_MAX_SHOTS + 1)]
    with pytest.raises(snapshot.SnapshotError, match=f"at most {settings.SNAPSHOT_MAX_SHOTS}"):
        snapshot._check(story, shots)
    snapshot._check(story, shots[: settings.SNAPSHOT_MAX_SHOTS])  # the limit itself is fine


def test_the_command_says_why_and_exits_2(tmp_path, capsys):
    assert cli.main(["snapshot", "--out", str(tmp_path / "map.png"), "--date", "9999-12-31"]) == 2
    assert "outside the story's timeline" in capsys.readouterr().err
    assert not (tmp_path / "map.png").exists()
