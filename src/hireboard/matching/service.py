"""Ranking postings for a candidate, and visible candidates for a posting.

The pool is drawn in SQL (published postings sharing a skill, a desired role family or
words with the candidate; or profiles visible to employers sharing a skill), the 500 most
recent of them, then scored in Python (``matching.score``) and ranked by score, id.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import policy
from hireboard.access.actor import Actor
from hireboard.config import Settings
from hireboard.errors import NotFound
from hireboard.kit.pagination import InvalidCursor
from hireboard.matching.score import Match, score
from hireboard.postings import repository as postings
from hireboard.postings.errors import PostingNotFound
from hireboard.reference import normalise_skill

POOL = 500
READ = policy.Permission(
    "see candidates for a posting", policy.ALL_ROLES, scope="applications:read"
)


class ProfileNotFound(NotFound):
    code = "profile_not_found"
    title = "Create your profile first (PUT /v1/me/profile)"


def _words(*parts: str) -> str:
    """An OR query in websearch syntax (quoted terms), from the candidate's own words."""
    terms = {w.strip('"').lower() for part in parts for w in part.split() if len(w) > 1}
    return " or ".join(f'"{t}"' for t in sorted(terms)[:50])


def _page(
    scored: list[dict[str, Any]], after: list[str] | None, limit: int
) -> list[dict[str, Any]]:
    scored.sort(key=lambda m: (-m["score"], m["id"]))
    if after is not None:
        try:
            last_score, last_id = float(after[0]), after[1]
        except ValueError:
            raise InvalidCursor() from None
        scored = [m for m in scored if (-m["score"], m["id"]) > (-last_score, last_id)]
    return scored[: limit + 1]


_POSTING_FACTS = (
    "SELECT id, level, workplace_type, countries, required_skills, nice_to_have_skills, "
    "pay_currency, pay_max_annual, ts_rank_cd(search_vector, "
    "websearch_to_tsquery('english', :q)) AS rank FROM postings "
)


async def _profile(session: AsyncSession, user_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(
        text("SELECT * FROM candidate_profiles WHERE user_id = :user"), {"user": user_id}
    )
    return result.one_or_none()


def _scored(row: Row[Any], profile: Row[Any], weights: dict[str, float]) -> Match:
    return score(row._asdict(), profile._asdict(), float(row.rank), weights)


async def for_candidate(
    session: AsyncSession, actor: Actor, settings: Settings, after: list[str] | None, limit: int
) -> list[dict[str, Any]]:
    user_id = policy.require_user(actor)
    profile = await _profile(session, user_id)
    if profile is None:
        raise ProfileNotFound()
    skills = [normalise_skill(s["name"]) for s in profile.skills]
    rows = await session.execute(
        text(
            _POSTING_FACTS + "WHERE status = 'published' AND ("
            "required_skills && CAST(:skills AS text[]) "
            "OR nice_to_have_skills && CAST(:skills AS text[]) "
            "OR role_family = ANY(CAST(:families AS text[])) "
            "OR search_vector @@ websearch_to_tsquery('english', :q)) "
            "ORDER BY published_at DESC LIMIT :pool"
        ),
        {
            "q": _words(profile.headline or "", *skills),
            "skills": skills,
            "families": list(profile.desired_role_families),
            "pool": POOL,
        },
    )
    weights = settings.match_weights
    scored = []
    for row in rows:
        match = _scored(row, profile, weights)
        scored.append(
            {
                "id": str(row.id),
                "posting_id": row.id,
                "score": match.score,
                "explanation": _explanation(match),
            }
        )
    return _page(scored, after, limit)


def _explanation(match: Match) -> dict[str, Any]:
    """The response's reasons: every skill of the posting is matched or missing."""
    return {
        "matched_skills": match.matched_skills,
        "missing_skills": match.missing_skills,
        "missing_required": match.missing_required,
        "related_skills": match.related_skills,
        "components": match.components,
    }


async def scores_for_candidate(
    session: AsyncSession, settings: Settings, candidate_id: uuid.UUID, posting_ids: list[Any]
) -> dict[uuid.UUID, float]:
    """The candidate's score for each posting the session can read, exactly as
    ``GET /v1/me/matches`` ranks it; empty when the candidate has no profile."""
    profile = await _profile(session, candidate_id)
    if profile is None or not posting_ids:
        return {}
    skills = [normalise_skill(s["name"]) for s in profile.skills]
    rows = await session.execute(
        text(_POSTING_FACTS + "WHERE id = ANY(:ids)"),
        {"q": _words(profile.headline or "", *skills), "ids": list(posting_ids)},
    )
    weights = settings.match_weights
    return {row.id: _scored(row, profile, weights).score for row in rows}


async def for_posting(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    posting_id: uuid.UUID,
    after: list[str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    posting = await postings.get(session, posting_id)
    if posting is None:
        raise PostingNotFound()
    policy.authorize(actor, posting.organization_id, READ, PostingNotFound, public=True)
    wanted = list(posting.required_skills) + list(posting.nice_to_have_skills)
    rows = await session.execute(
        text(
            "SELECT p.*, ts_rank_cd(to_tsvector('english', coalesce(p.headline, '') || ' ' || "
            "coalesce((SELECT string_agg(s->>'name', ' ') FROM jsonb_array_elements(p.skills) s), "
            "'')), websearch_to_tsquery('english', :q)) AS rank "
            "FROM candidate_profiles p WHERE p.visibility = 'employers' AND EXISTS ("
            "SELECT 1 FROM jsonb_array_elements(p.skills) s WHERE s->>'name' = ANY(:skills)) "
            "ORDER BY p.updated_at DESC LIMIT :pool"
        ),
        {"q": _words(posting.title, *wanted), "skills": wanted, "pool": POOL},
    )
    weights = settings.match_weights
    facts = posting._asdict()
    scored = []
    for row in rows:
        match = score(facts, row._asdict(), float(row.rank), weights)
        scored.append(
            {
                "id": str(row.user_id),
                "candidate_id": row.user_id,
                "score": match.score,
                "explanation": _explanation(match),
            }
        )
    return _page(scored, after, limit)
