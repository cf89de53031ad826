"""The drafter: an article's text to a draft story folder (``mapapp new``), for a person to review.

``gazetteer`` (GeoNames places of 500+ people, read offline); ``geoparse`` (names in the text to
places: ``words`` its vocabulary, ``readings`` what it finds, ``resolve`` the reading chosen and the doubts);
``dates`` and ``speakers`` (read from the text); ``regions`` (named regions' outlines, Natural Earth admin-1);
``callouts`` (what happened, from incident sentences); ``drafter`` (the folder) and ``review`` (its review list).
"""

from mapapp.draft.dates import find_dates
from mapapp.draft.drafter import DraftError, draft_story, read_article, summary, write_draft
from mapapp.draft.speakers import find_speakers

__all__ = ["DraftError", "draft_story", "find_dates", "find_speakers", "read_article", "summary", "write_draft"]
