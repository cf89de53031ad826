"""The drafter: an article's text to a draft story folder (``mapapp new``), for a person to review.

``gazetteer`` (GeoNames places of 500+ people, read offline), ``geoparse`` (names in the text to
places), ``drafter`` (the article, its dates and speakers, and the folder written with its review list).
"""

from mapapp.draft.drafter import (
    DraftError,
    draft_story,
    find_dates,
    find_speakers,
    read_article,
    summary,
    write_draft,
)

__all__ = ["DraftError", "draft_story", "find_dates", "find_speakers", "read_article", "summary", "write_draft"]
