"""What Python writes for the browser, and the format version each file carries, declared once.

The browser's scripts are static files; the data they read is written by Python (and cached by browsers and CDNs
under content-hashed names). Each file carries its format, and the page tells the script which format it expects:
both numbers come from here, so a stale cached file or a script from another release is refused with a message
("this map's data is of format 1, this page reads 2: reload"), never drawn wrong.

- :data:`STORY` -- the per-day story timeline (``render/mapbuild.py: story_timeline``): ``layers`` of features whose
  ``properties.t`` are ``[first day, last day, style index, escaped label, colour]``, days since 1970-01-01;
  ``labels``, ``callouts``, ``lines``, ``areas`` (``render/labels.py``);
- :data:`EVENTS` -- an event dataset's ``manifest.json`` and its 13-byte points (Float32 lon, Float32 lat, Int32 day,
  Uint8 type; ``events/store.py``), also part of the published folder's name;
- :data:`VIEW` -- the published site's view model (``render/viewmodel.py: site_view``).

Bump a number whenever what its file holds changes shape.
"""

from __future__ import annotations

STORY = 2  # 2: callouts, road and area names
EVENTS = 3  # 3: the manifest says its format
VIEW = 1


def expected() -> dict[str, int]:
    """What a page tells its scripts to expect."""
    return {"story": STORY, "events": EVENTS, "view": VIEW}
