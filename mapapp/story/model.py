"""The story: manifest, layers, article and sources loaded together, with the lookups users need.

``load_story`` validates every file and raises one GeoDataError listing every
problem; a :class:`Story` answers ``passages_for(place_id)``,
``places_in(passage_id)`` and ``status(place_id, day)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd

from mapapp import settings
from mapapp.story.article import Article, Passage, link_targets, load_article
from mapapp.story.layer_files import load_basemap_extras, load_layers, load_sources
from mapapp.story.layers import BOUNDARIES, KINDS, PLACES
from mapapp.story.manifest import Manifest, load_manifest
from mapapp.story.records import Claim, Feature, State, claims_from, feature_from, states_from
from mapapp.story.timeline import Change, Status, changes_from_layers, history, status_at
from mapapp.story.validate import GeoDataError, Problem, feature_id

T = TypeVar("T")


@dataclass
class Story:
    """Everything the app shows, validated."""

    data_dir: Path
    manifest: Manifest
    layers: dict[str, gpd.GeoDataFrame]
    article: Article
    sources: dict[str, dict]
    entities: dict[str, dict] = field(default_factory=dict)  # id -> {layer, name, aliases}
    basemap: dict[str, Any] = field(default_factory=dict)  # the manifest's terrain ({bounds, image}) and rivers (GeoJSON)
    changes: list[Change] = field(default_factory=list)
    # Values derived from the story once (the per-day timeline, published file URLs): see derived().
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for; the stored value after that.

        A story is read-only once loaded, so what is derived from it never goes stale."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @property
    def story_layers(self) -> list[str]:
        """The story's drawable layers present, in toggle order (not the basemap)."""
        return [k for k in self.manifest.layers if KINDS[k].toggleable and k in self.layers]

    @property
    def has_arabic_names(self) -> bool:
        """Whether any feature has an Arabic name (the map then offers Arabic labels)."""
        return self.derived(
            "has-arabic-names",
            lambda: any(
                "name_ar" in gdf.columns and bool(gdf["name_ar"].map(lambda v: isinstance(v, str) and bool(v)).any())
                for gdf in self.layers.values()
            ),
        )

    @property
    def passages(self) -> list[Passage]:
        return self.article.passages

    def entity(self, place_id: str) -> dict:
        """The linkable feature ``place_id`` (a place, post, highway, incident or control change)."""
        if place_id not in self.entities:
            raise KeyError(f"unknown place {place_id!r}")
        return self.entities[place_id]

    def feature(self, place_id: str) -> dict:
        """All properties of ``place_id`` plus its layer name and geometry."""
        layer = self.entity(place_id)["layer"]
        row = self.layers[layer].loc[place_id]
        return {**row.to_dict(), "layer": layer}

    def passages_for(self, place_id: str) -> list[Passage]:
        """Passages that name or clearly refer to ``place_id``, in article order."""
        self.entity(place_id)
        listed = set(self._listed_passages(place_id))
        return [p for p in self.passages if place_id in p.place_ids or p.id in listed]

    def places_in(self, passage_id: str) -> list[str]:
        """Ids of everything ``passage_id`` refers to, in order of first mention."""
        passage = self.article.passage(passage_id)
        listed = [fid for fid in self.entities if passage_id in self._listed_passages(fid)]
        return list(dict.fromkeys(passage.place_ids + listed))

    def _listed_passages(self, fid: str) -> list[str]:
        """Passages a feature lists itself (incidents and control changes carry ``passages``)."""
        return self.derived("listed-passages", self._index_listed_passages).get(fid, [])

    def _index_listed_passages(self) -> dict[str, list[str]]:
        """Entity id -> the passages it lists, read once (a pandas lookup per entity per question cost ~0.1 ms each,
        and the walk asks about every passage on every rerun)."""
        index = {}
        for fid, entity in self.entities.items():
            value = self.layers[entity["layer"]].loc[fid].get("passages")
            index[fid] = list(value) if isinstance(value, list) else []
        return index

    def status(self, place_id: str, day: date) -> Status:
        """Who held ``place_id`` on ``day``, with sources and disputes."""
        self.entity(place_id)
        return status_at(self.changes, place_id, day)

    def change(self, change_id: str) -> Change:
        changes = self.derived("changes-by-id", lambda: {c.id: c for c in self.changes})
        if change_id not in changes:
            raise KeyError(f"unknown change {change_id!r}")
        return changes[change_id]

    def claimed_by(self, change: Change) -> str | None:
        """ "according to X, Y" when every source of ``change`` has the same non-neutral leaning, else None.

        A change only one side reports is a claim: the map draws it hollow and says whose it is."""
        return self.derived(f"claimed-{change.id}", lambda: self._claimed_by(change))

    def _claimed_by(self, change: Change) -> str | None:
        leanings = {self.source(key).get("leaning") for key in change.sources}
        if len(leanings) != 1 or leanings & set(settings.NEUTRAL_LEANINGS):
            return None
        names = [self.source(key).get("publisher") or self.source(key)["title"] for key in change.sources]
        return f"according to {', '.join(dict.fromkeys(names))} ({leanings.pop()})"

    def history(self, place_id: str) -> list[Change]:
        return history(self.changes, place_id)

    def record(self, fid: str) -> Feature:
        """The typed record of feature ``fid`` (any layer); KeyError for an unknown id."""
        records = self.derived(
            "records",
            lambda: {
                str(fid): feature_from(str(fid), layer, row) for layer, gdf in self.layers.items() for fid, row in gdf.iterrows()
            },
        )
        if fid not in records:
            raise KeyError(f"unknown feature {fid!r}")
        return records[fid]

    def states_of(self, fid: str) -> tuple[State, ...]:
        """The feature's dated states, oldest first (none for a kind without states)."""
        return self.derived("states", lambda: self._index("states", states_from)).get(fid, ())

    def claims_of(self, fid: str) -> tuple[Claim, ...]:
        """What sources say of the feature beside the adopted account (its own ``claims``)."""
        return self.derived("claims", lambda: self._index("claims", claims_from)).get(fid, ())

    def _index(self, column: str, parse: Callable[[Any], T]) -> dict[str, T]:
        """Every feature's ``column`` parsed into records, once."""
        return {
            str(fid): parse(value)
            for gdf in self.layers.values()
            if column in gdf.columns
            for fid, value in gdf[column].items()
            if isinstance(value, list)
        }

    def source(self, key: str) -> dict:
        return {"key": key, **self.sources.get(key, {"title": key, "leaning": "unknown"})}


def load_story(data_dir: Path | str | None = None) -> Story:
    """Load and validate a story folder; raise GeoDataError with every problem found."""
    data_dir = Path(data_dir) if data_dir is not None else settings.data_dir_from_env()
    if not data_dir.is_dir():
        raise GeoDataError([Problem(str(data_dir), "is not a directory")])
    manifest, problems = load_manifest(data_dir)
    if manifest is None:  # without a manifest nothing says which layers, dates or sides to check against
        raise GeoDataError(problems)
    sources, source_problems = load_sources(data_dir, manifest.source_leanings)
    problems += source_problems
    layers, raw_layers, layer_problems = load_layers(data_dir, sources, manifest)
    problems += layer_problems
    basemap, basemap_problems = load_basemap_extras(manifest)
    problems += basemap_problems
    entities = link_targets(layers)
    problems += _entity_problems(entities)
    article, article_problems = load_article(data_dir, entities, manifest.furniture)
    if PLACES in layers or PLACES not in manifest.layers:
        problems += article_problems
    else:  # every curated link would be reported as unknown: say why once instead
        problems += [p for p in article_problems if "unknown place" not in p.message]
        problems.append(Problem(settings.ARTICLE_META_FILE, "links to places not checked: places.geojson did not load"))
    if article is not None:
        problems += _passage_link_problems(raw_layers, {p.id for p in article.passages})
        problems += _callout_link_problems(manifest, layers, {p.id for p in article.passages})
    if problems or article is None:
        raise GeoDataError(problems)
    return Story(
        data_dir=data_dir,
        manifest=manifest,
        layers=layers,
        article=article,
        sources=sources,
        entities={e["id"]: e for e in entities},
        basemap=basemap,
        changes=changes_from_layers(layers),
    )


def _entity_problems(entities: list[dict]) -> list[Problem]:
    """Ids and spellings must be unambiguous across the linkable layers."""
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for entity in entities:
        file = KINDS[entity["layer"]].file
        if entity["id"] in ids:
            problems.append(
                Problem(file, f"id {entity['id']!r} is also used in {ids[entity['id']]}", f"id {entity['id']!r}", "id")
            )
        ids.setdefault(entity["id"], file)
        for spelling in [entity["name"], *entity["aliases"]]:
            key = spelling.casefold()
            owner = spellings.setdefault(key, entity["id"])
            if owner != entity["id"] and entity["layer"] == PLACES:
                problems.append(
                    Problem(file, f"spelling {spelling!r} is also a spelling of {owner!r}", f"id {entity['id']!r}", "aliases")
                )
    return problems


def _callout_link_problems(manifest: Manifest, layers: dict, passage_ids: set[str]) -> list[Problem]:
    """A callout points at a drawn feature and cites a passage of the article."""
    drawn = {str(fid): layer for layer, gdf in layers.items() if layer != BOUNDARIES for fid in gdf.index}
    problems = []
    for i, callout in enumerate(manifest.callouts):
        if callout.target not in drawn:
            problems.append(
                Problem(
                    settings.MANIFEST_FILE,
                    f"target {callout.target!r} is no feature of the story's layers",
                    field=f"callouts[{i}].target",
                )
            )
        elif layers[drawn[callout.target]].loc[callout.target].geometry is None:
            problems.append(
                Problem(
                    settings.MANIFEST_FILE,
                    f"target {callout.target!r} has no position (unlocated)",
                    field=f"callouts[{i}].target",
                )
            )
        if callout.passage not in passage_ids:
            problems.append(
                Problem(
                    settings.MANIFEST_FILE, f"passage {callout.passage!r} is not in the article", field=f"callouts[{i}].passage"
                )
            )
    return problems


def _passage_link_problems(raw_layers: dict[str, dict], passage_ids: set[str]) -> list[Problem]:
    problems = []
    for layer, raw in raw_layers.items():
        for index, feature in enumerate(raw["features"]):
            for pid in (feature.get("properties") or {}).get("passages") or []:
                if pid not in passage_ids:
                    label = f"#{index} (id {feature_id(feature)!r})"
                    problems.append(Problem(KINDS[layer].file, f"links to unknown passage {pid!r}", label, "passages"))
    return problems
