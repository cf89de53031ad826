"""Folders written whole (mapapp.story.files), and what a killed run or a full disk leaves."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mapapp import cli
from mapapp.story.files import new_folder, remove_leftovers


def _dead_pid() -> str:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return proc.stdout.strip()  # that process has exited


def test_a_killed_run_s_temporary_folder_is_removed_by_the_next_run(tmp_path):
    stale = tmp_path / ".site-abc12345"
    stale.mkdir()
    (stale / ".mapapp-writer").write_text(_dead_pid(), encoding="utf-8")
    (stale / "index.html").write_text("half", encoding="utf-8")
    unmarked = tmp_path / ".site-def45678"  # killed between the marker's removal and the rename
    unmarked.mkdir()
    busy = tmp_path / ".site-live9999"  # another run, still writing: kept
    busy.mkdir()
    (busy / ".mapapp-writer").write_text(str(os.getpid()), encoding="utf-8")
    backup = tmp_path / ".site-backup-2024"  # a reader's own folder, not one mkdtemp made: never touched
    backup.mkdir()
    with new_folder(tmp_path / "site") as tmp:
        (tmp / "index.html").write_text("whole", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-backup-2024", ".site-live9999", "site"]
    assert not (tmp_path / "site" / ".mapapp-writer").exists()  # the marker never reaches the result


def test_a_folder_set_aside_for_replacement_comes_back_when_the_new_one_never_arrived(tmp_path):
    old = tmp_path / ".site.old"
    old.mkdir()
    (old / "index.html").write_text("the published site", encoding="utf-8")
    remove_leftovers(tmp_path / "site")
    assert (tmp_path / "site" / "index.html").read_text(encoding="utf-8") == "the published site"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_is_said_plainly_and_exits_2(monkeypatch, tmp_path, capsys, code):
    from mapapp import draft

    def full(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / "draft" / "places.geojson"))

    monkeypatch.setattr(draft, "write_draft", full)
    article = Path(__file__).parent / "articles" / "kherson-2022.txt"
    assert cli.main(["new", str(article), "--out", str(tmp_path / "draft")]) == 2
    err = capsys.readouterr().err
    assert "disk full" in err and "Traceback" not in err
    assert not (tmp_path / "draft").exists()
