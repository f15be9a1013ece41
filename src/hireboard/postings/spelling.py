"""Typo tolerance for search: each unknown word of a query respelled from the lexicon.

``search_lexicon`` (migration 0021) holds the distinct words of the published titles and
skills, with a trigram index. A query that finds nothing is rewritten, word by word, with
the most similar lexicon word (a word the lexicon has is kept as it is), and the
rewritten query runs through the ordinary full-text index: two indexed lookups instead of
a trigram match over every title, so a query that matches nothing costs milliseconds at
any number of postings.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Letters and digits, as the text search parser splits words (hyphens and dots split too).
_WORD = re.compile(r"[^\W_]+")
# Too short to have the trigrams a correction needs; "or" is websearch syntax.
_MIN_LENGTH = 3
_KEEP = frozenset({"or"})
# At most this many distinct words are respelled (the query is at most 200 characters).
_MAX_WORDS = 16

# One row per query word: its most similar lexicon word above pg_trgm's similarity
# threshold (0.3), the word itself first when the lexicon has it, then the commoner word.
NEAREST = """
SELECT w.word AS typed, s.word AS nearest
FROM unnest(CAST(:words AS text[])) AS w(word)
CROSS JOIN LATERAL (
    SELECT l.word FROM search_lexicon l
    WHERE l.word % w.word
    ORDER BY similarity(l.word, w.word) DESC, l.postings DESC, l.word
    LIMIT 1
) s
"""


def words(q: str) -> list[str]:
    """The distinct words of ``q`` worth respelling, lower-cased, in order."""
    found = dict.fromkeys(
        w.lower() for w in _WORD.findall(q) if len(w) >= _MIN_LENGTH and w.lower() not in _KEEP
    )
    return list(found)[:_MAX_WORDS]


async def respell(session: AsyncSession, q: str) -> str | None:
    """``q`` with each word the lexicon lacks replaced by its nearest lexicon word, keeping
    the websearch syntax around it (quotes, ``-``, ``or``); None when no word changes."""
    typed = words(q)
    if not typed:
        return None
    result = await session.execute(text(NEAREST), {"words": typed})
    nearest = {row.typed: row.nearest for row in result if row.nearest != row.typed}
    if not nearest:
        return None
    return _WORD.sub(lambda m: nearest.get(m.group(0).lower(), m.group(0)), q)
