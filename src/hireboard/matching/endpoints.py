"""/v1/me/matches and /v1/postings/{id}/matches."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hireboard.access.auth import ActingRead, CurrentActor
from hireboard.kit.pagination import Page, Paging
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute
from hireboard.matching import service

router = APIRouter(route_class=JSONRoute, tags=["matching"])


class Explanation(BaseModel):
    """Why the score is what it is: every skill of the posting is in ``matched_skills`` or
    ``missing_skills``, so the skill components can be recomputed from the response."""

    matched_skills: list[str] = Field(
        description="The posting's skills the candidate has, required then nice-to-have, "
        "in the posting's order (taxonomy names)."
    )
    missing_skills: list[str] = Field(
        description="The posting's skills the candidate lacks, required and nice-to-have "
        "alike, required first, in the posting's order (taxonomy names)."
    )
    missing_required: list[str] = Field(description="The required skills among `missing_skills`.")
    related_skills: list[str] = Field(
        description="The skills among `missing_skills` that earn half credit because the "
        "candidate has another skill of the same taxonomy category."
    )
    components: dict[str, float] = Field(
        description="Each component between 0 and 1 (`must_have`, `nice_to_have`, `level`, "
        "`pay`, `location`, `text`). `must_have` is (matched required + 0.5 x related "
        "required) / required, and `nice_to_have` the same over nice-to-have skills (1 when "
        "the posting lists none); the score is their mean weighted by the "
        "`HIREBOARD_MATCH_WEIGHT_*` settings."
    )


class PostingMatch(BaseModel):
    posting_id: uuid.UUID
    score: float
    explanation: Explanation


class CandidateMatch(BaseModel):
    candidate_id: uuid.UUID
    score: float
    explanation: Explanation


def _key(match: Any) -> tuple[str, str]:
    return (str(match.score), str(getattr(match, "posting_id", None) or match.candidate_id))


@router.get(
    "/v1/me/matches",
    summary="Published postings ranked for the caller's profile",
    responses=problem_responses(401, 403, 404),
)
async def my_matches(
    actor: CurrentActor, session: ActingRead, request: Request, paging: Paging
) -> Page[PostingMatch]:
    """Score 0-1 with its components and the skills matched and missing; see
    `src/hireboard/matching/score.py` for the formula and the weight settings."""
    rows = await service.for_candidate(
        session, actor, request.app.state.settings, paging.after(2), paging.limit
    )
    return paging.page([PostingMatch(**r) for r in rows], _key)


@router.get(
    "/v1/postings/{posting_id}/matches",
    summary="Candidates visible to employers, ranked for a posting (its organization)",
    responses=problem_responses(401, 403, 404),
)
async def posting_matches(
    posting_id: uuid.UUID,
    actor: CurrentActor,
    session: ActingRead,
    request: Request,
    paging: Paging,
) -> Page[CandidateMatch]:
    """Only profiles whose owners chose `visibility: employers`."""
    rows = await service.for_posting(
        session, actor, request.app.state.settings, posting_id, paging.after(2), paging.limit
    )
    return paging.page([CandidateMatch(**r) for r in rows], _key)
