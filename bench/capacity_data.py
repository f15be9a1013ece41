"""Real ids and words from a loaded database, as files of paths for wrk and k6.

Used by ``bench/capacity.py``. Everything comes from a random sample of the published
postings (``market_facts``, the published set search reads), so the requests look like a
public visitor's: postings that exist, words that occur, and word pairs that co-occur in a
posting at its level (so a long-tail search finds something and is still distinct from
every other one). Typo words are real words with two letters swapped or one dropped,
checked against the text index to match nothing, so they take the fuzzy fallback.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
from psycopg import sql

# The mix for the fixed-rate and overload runs: kind -> requests in every 100.
MIX = {
    "detail": 25,
    "jsonld": 10,
    "popular": 15,
    "longtail": 10,
    "stats": 5,
    "role": 5,
    "render": 10,
    "feed": 10,
    "healthz": 10,
}
_WORD = re.compile(r"[a-z][a-z0-9+#]*(?:[.-][a-z0-9+#]+)*")
_SAMPLE_ROWS = 40_000


@dataclass(frozen=True)
class Sample:
    posting_ids: list[str]
    popular: list[str]
    longtail: list[str]  # distinct "q=w1 w2&level=l" searches
    typos: list[str]
    templates: list[tuple[str, str]]  # (builtin id, level)
    families: list[str]


@dataclass(frozen=True)
class _Posting:
    id: str
    role_family: str
    level: str
    words: set[str]  # title, skills and description
    keywords: set[str]  # title and skills: what people search for


def collect(url: str, base: str, rng: random.Random) -> Sample:
    """Draw the sample through the owner connection ``url`` and the API at ``base``."""
    with psycopg.connect(url) as conn:
        postings = _sample(conn)
        vocabulary = _real_words(conn, sorted(set().union(*(p.words for p in postings))))
        typos = _unmatched(conn, _typos(vocabulary, rng))
    frequency = Counter(w for p in postings for w in p.keywords & vocabulary)
    pairs = {
        _search_path(" ".join(rng.sample(sorted(p.words & vocabulary), 2)), p.level)
        for p in postings
        if len(p.words & vocabulary) >= 2
    }
    longtail = sorted(pairs)
    rng.shuffle(longtail)
    return Sample(
        posting_ids=[p.id for p in postings[:2000]],
        popular=[w for w, _ in frequency.most_common(20)],
        longtail=longtail,
        typos=typos,
        templates=_templates(base),
        families=sorted({p.role_family for p in postings}),
    )


def _sample(conn: psycopg.Connection[tuple[Any, ...]]) -> list[_Posting]:
    total = conn.execute("SELECT count(*) FROM market_facts").fetchone()
    percent = min(100.0, 100.0 * _SAMPLE_ROWS / max(1, int(total[0]) if total else 1))
    query = sql.SQL(
        "SELECT f.posting_id, f.role_family, f.level, "
        "concat_ws(' ', f.title, array_to_string(f.skills, ' ')), p.description "
        "FROM market_facts f TABLESAMPLE SYSTEM ({}) JOIN postings p ON p.id = f.posting_id "
        "ORDER BY random()"
    ).format(sql.Literal(percent))
    return [
        _Posting(str(id_), family, level, _words(f"{keys} {text}"), _words(keys))
        for id_, family, level, keys, text in conn.execute(query)
    ]


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 3}


def _real_words(conn: psycopg.Connection[tuple[Any, ...]], words: list[str]) -> set[str]:
    """Words that are not English stop words (a search for one alone finds everything)."""
    rows = conn.execute(
        "SELECT w FROM unnest(%s::text[]) AS w WHERE numnode(plainto_tsquery('english', w)) > 0",
        (words,),
    )
    return {str(r[0]) for r in rows}


def _typos(vocabulary: set[str], rng: random.Random) -> list[str]:
    found: set[str] = set()
    for word in sorted(vocabulary):
        if len(word) >= 5 and word.isalpha():
            for i in range(1, len(word) - 1):
                found.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
                found.add(word[:i] + word[i + 1 :])
    typos = sorted(found - vocabulary)
    rng.shuffle(typos)
    return typos[:5000]


def _unmatched(conn: psycopg.Connection[tuple[Any, ...]], words: list[str]) -> list[str]:
    rows = conn.execute(
        "SELECT w FROM unnest(%s::text[]) WITH ORDINALITY AS t(w, n) WHERE NOT EXISTS ("
        "SELECT 1 FROM market_facts f "
        "WHERE f.search_vector @@ websearch_to_tsquery('english', t.w)) ORDER BY n",
        (words,),
    )
    return [str(r[0]) for r in rows]


def _templates(base: str) -> list[tuple[str, str]]:
    response = httpx.get(f"{base}/v1/templates", params={"limit": 100}, timeout=30)
    response.raise_for_status()
    return [
        (item["builtin_id"], level)
        for item in response.json()["items"]
        if item["builtin_id"]
        for level in item["levels"]
    ]


def _search_path(q: str, level: str | None = None) -> str:
    params = {"q": q} | ({"level": level} if level else {})
    return f"/v1/postings?{urlencode(params)}"


def path_lists(sample: Sample) -> dict[str, list[str]]:
    """Every kind of request, by name; the long tail is split so no run repeats another's."""
    tail = sample.longtail
    feeds = [
        f"/v1/postings/feed.{kind}{query}"
        for kind in ("json", "rss")
        for query in ["", *(f"?role_family={f}" for f in sample.families)]
    ]
    return {
        "healthz": ["/healthz"],
        "detail": [f"/v1/postings/{i}" for i in sample.posting_ids],
        "jsonld": [f"/v1/postings/{i}/jsonld" for i in sample.posting_ids],
        "feed": feeds,
        "render": [f"/v1/templates/{t}/render?level={lv}" for t, lv in sample.templates],
        "role": [f"/v1/market/roles/{f}" for f in sample.families],
        "stats": [f"/v1/market/stats?role_family={f}" for f in sample.families],
        "popular": [_search_path(w) for w in sample.popular],
        "single": tail[:2000],
        "distinct": tail[2000 : len(tail) // 2 + 1000],
        "longtail": tail[len(tail) // 2 + 1000 :] or tail,
        "typo": [_search_path(w) for w in sample.typos],
    }


def mix(lists: dict[str, list[str]], length: int, rng: random.Random) -> list[str]:
    """``length`` paths in the proportions of ``MIX``, each kind cycling through its list."""
    kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]
    position = dict.fromkeys(MIX, 0)
    out = []
    for _ in range(length):
        kind = rng.choice(kinds)
        paths = lists[kind]
        out.append(paths[position[kind] % len(paths)])
        position[kind] += 1
    return out


def write(directory: Path, name: str, paths: list[str]) -> Path:
    target = directory / f"{name}.txt"
    target.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return target
