"""The static site (mapapp.render.publish) and its view model (mapapp.render.viewmodel), without a browser."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from datetime import date, timedelta

import pytest

from mapapp import settings
from mapapp.events import synthetic
from mapapp.render import publish, viewmodel
from mapapp.story.files import FolderExistsError
from mapapp.story.model import load_story


@pytest.fixture(scope="module")
def story():
    return load_story(settings.DEFAULT_DATA_DIR)


@pytest.fixture(scope="module")
def site(story, tmp_path_factory):
    return publish.publish_site(story, tmp_path_factory.mktemp("pub") / "site")


def test_the_site_is_self_contained_hashed_and_within_budget(site):
    files = sorted(p.relative_to(site.out).as_posix() for p in site.out.rglob("*") if p.is_file())
    assert "index.html" in files
    assert site.bytes_without_events == sum((site.out / f).stat().st_size for f in files) <= publish.BUDGET_BYTES
    # Every file is named by its content but those with names others ask for: the page, Leaflet's images (named by
    # leaflet.css), the icon, the embed snippet and its oEmbed description (named in the README and the page's head).
    fixed = {"index.html", "favicon.svg", "embed.html", "oembed.json"}
    for name in files:
        if name not in fixed and not name.startswith("assets/images/"):
            assert re.search(r"-[0-9a-f]{12}\.(js|css|png)$", name), name
    html = (site.out / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert linked and all((site.out / url).is_file() for url in linked), linked  # every link is a file of the site
    assert "/app/static" not in html and 'content="width=device-width, initial-scale=1" />' in html
    scripts = "".join((site.out / f).read_text(encoding="utf-8") for f in files if f.endswith((".js", ".css")))
    # nothing is loaded from elsewhere (links to sources and to Leaflet's site are links, not loads)
    assert not re.search(r"(?:src\s*=\s*[\"']?|url\(\s*[\"']?|import\s*\(\s*[\"'])https?://", scripts)


def test_the_view_model_cannot_close_its_script(story, tmp_path):
    data = tmp_path / "story"
    shutil.copytree(settings.DEFAULT_DATA_DIR, data)
    places = json.loads((data / "places.geojson").read_text(encoding="utf-8"))
    places["features"][0]["properties"]["name"] += "</script><script>alert(1)</script>"
    (data / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    site = publish.publish_site(load_story(data), tmp_path / "site")
    view = next((site.out / "data").glob("view-*.js")).read_text(encoding="utf-8")
    assert "</script" not in view and "<\\/script>" in view
    assert json.loads(view.removeprefix("window.MAPAPP_SITE=").rstrip().rstrip(";"))["places"]["saraqeb"]["name"].endswith(
        "</script>"
    )


def test_an_existing_site_is_kept_unless_forced(story, site):
    with pytest.raises(FolderExistsError):
        publish.publish_site(story, site.out)
    again = publish.publish_site(story, site.out, force=True)
    assert (again.out / "index.html").is_file()
    assert not list(site.out.parent.glob(".site*"))  # no temporary or old folder left


def test_an_event_dataset_is_published_as_binary_and_details(story, tmp_path):
    csv = synthetic.write_events_csv(tmp_path / "acled.csv", 1200, seed=3)
    site = publish.publish_site(story, tmp_path / "site", events_csv=csv)
    folder = next((site.out / "data").glob("events-*"))
    assert (folder / "points.bin").is_file() and list(folder.glob("details-*.json")) and (folder / "manifest.json").is_file()
    html = (site.out / "index.html").read_text(encoding="utf-8")
    assert f'"data/{folder.name}/manifest.json"' in html  # a relative URL: the site can live under any path
    assert site.events_bytes > 0 and site.bytes_without_events <= publish.BUDGET_BYTES


def test_statuses_in_the_view_model_are_the_storys_on_every_day(story):
    start, end = story.manifest.timeline_start, story.manifest.timeline_end
    days = [start + timedelta(days=i) for i in range(0, (end - start).days + 1, 3)]
    for place_id in ("saraqeb", "kafr-nabl", "sufuhen"):
        view = viewmodel.place_view(story, place_id)
        for day in days:
            status = story.status(place_id, day)
            shown = viewmodel.interval_on(view["status"], day)
            assert shown is not None and (shown["side"], shown["disputed"]) == (status.controller, status.disputed), (
                place_id,
                day,
            )


def test_passage_segments_rebuild_the_text_and_mark_each_mention(story):
    for passage in story.passages:
        segments = viewmodel.passage_segments(passage)
        assert "".join(text for text, _ids in segments) == passage.text
        for mention in passage.mentions:
            marked = "".join(text for text, ids in segments if mention.place_id in ids)
            assert mention.text in marked


def test_the_text_alternative_covers_every_day(story):
    intervals = viewmodel.descriptions(story)
    assert intervals[0]["from"] == story.manifest.timeline_start.isoformat()
    assert intervals[-1]["to"] == story.manifest.timeline_end.isoformat()
    for a, b in itertools.pairwise(intervals):
        assert date.fromisoformat(a["to"]) + timedelta(days=1) == date.fromisoformat(b["from"])


def test_a_site_carries_share_tags_an_embed_snippet_oembed_and_a_favicon(site):
    html = (site.out / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:title" content="Idlib, 27–28 February 2020"/>' in html
    assert '<meta name="twitter:card" content="summary"/>' in html  # no share picture asked for: no large card
    assert '<link rel="icon" href="favicon.svg"' in html and (site.out / "favicon.svg").is_file()
    snippet = (site.out / "embed.html").read_text(encoding="utf-8")
    assert '<iframe src="index.html"' in snippet and "<noscript>" in snippet and "e.source !== frame.contentWindow" in snippet
    embed = json.loads((site.out / "oembed.json").read_text(encoding="utf-8"))
    assert embed["type"] == "rich" and embed["version"] == "1.0" and embed["html"] == snippet


def test_share_tags_and_embeds_use_the_base_url_and_escape_the_story(story):
    tags = publish.share_tags(story, "https://maps.example.org/idlib/", "share.png")
    assert '<meta property="og:image" content="https://maps.example.org/idlib/share.png"/>' in tags
    assert '<meta name="twitter:card" content="summary_large_image"/>' in tags
    assert 'src="https://maps.example.org/idlib/index.html"' in publish.embed_snippet(story, "https://maps.example.org/idlib")
