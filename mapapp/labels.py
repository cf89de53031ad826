"""Place labels written on the map: which places, in which order of importance.

Placement itself happens in the browser (``static/mapapp/story-layers.js``:
greedy placement with eight candidate positions per label, in rank order,
re-run after every zoom and pan), because only the browser knows each label's
size and the view. Python decides what only the story knows: the order. The
selected place and the places of the current passage come first (the browser
has those from the state it is sent); then the places the article names, by
the number of passages that name them; then larger places (city, town,
village); then names, so that the order is stable.
"""

from __future__ import annotations

from .story import Story

# How much the size of a place weighs when the article does not decide (a city outranks a town...).
KIND_WEIGHT = {"city": 3, "capital": 3, "town": 2, "village": 1}
LABELLED_LAYER = "places"


def ranked_labels(story: Story) -> list[dict]:
    """Point places as ``{"id", "text", "text_ar", "rank", "passages"}``, most important first (rank 0).

    Texts are plain; :func:`mapapp.mapbuild.story_timeline` escapes them for the browser.
    """
    places = story.layers.get(LABELLED_LAYER)
    if places is None:
        return []
    named = {pid: len(story.passages_for(pid)) for pid in places.index}
    keyed: list[tuple[tuple[int, int, str], dict]] = []
    for fid, row in places.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue  # areas and lines are named by their outline and tooltip, not a point label
        name_ar = row.get("name_ar") if isinstance(row.get("name_ar"), str) else None
        key = (-named[fid], -KIND_WEIGHT.get(str(row.get("kind")), 0), str(row["name"]).casefold())
        keyed.append((key, {"id": str(fid), "text": str(row["name"]), "text_ar": name_ar, "passages": named[fid]}))
    keyed.sort(key=lambda pair: pair[0])
    return [{**row, "rank": rank} for rank, (_key, row) in enumerate(keyed)]
