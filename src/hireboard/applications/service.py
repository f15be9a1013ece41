"""Applying, and moving applications through the organization's pipeline."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import policy
from hireboard.access.actor import Actor
from hireboard.access.context import set_context
from hireboard.applications import answers
from hireboard.applications.errors import (
    AlreadyApplied,
    ApplicationNotFound,
    ApplyElsewhere,
    FinalStage,
    NoteNotFound,
    PostingNotOpen,
    UnknownStage,
)
from hireboard.applications.schemas import (
    FINAL,
    ApplicationCreate,
    ApplicationForCandidate,
    ApplicationForOrganization,
    BulkTransition,
    Event,
    Note,
    NoteCreate,
    Stage,
    StageCreate,
)
from hireboard.candidates.service import ResumeNotFound
from hireboard.config import Settings
from hireboard.errors import Conflict, NotFound, ValidationFailed
from hireboard.matching import service as matching
from hireboard.organizations.errors import OrganizationNotFound
from hireboard.postings import repository as postings
from hireboard.postings.errors import PostingNotFound
from hireboard.worker import defer

DEFAULT_STAGES = ("applied", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
MOVE = policy.Permission(
    "move applications", policy.ALL_ROLES, scope="applications:write", platform_admin=False
)
READ = policy.Permission(
    "read applications", policy.ALL_ROLES, scope="applications:read", platform_admin=True
)

_SELECT = (
    "SELECT a.*, s.name AS stage_name, p.title AS posting_title, o.name AS organization_name "
    # A candidate keeps seeing their application when its posting is no longer public.
    "FROM applications a LEFT JOIN postings p ON p.id = a.posting_id "
    "JOIN organizations o ON o.id = a.organization_id "
    "LEFT JOIN pipeline_stages s ON s.organization_id = a.organization_id "
    "AND s.key = a.stage_key "
)


async def ensure_stages(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """One stage per category, key = category, the first time they are needed."""
    await session.execute(
        text(
            "INSERT INTO pipeline_stages (organization_id, key, name, category, position) "
            "SELECT :org, c, initcap(c), c, n FROM unnest(CAST(:keys AS text[])) "
            "WITH ORDINALITY AS t(c, n) ON CONFLICT DO NOTHING"
        ),
        {"org": organization_id, "keys": list(DEFAULT_STAGES)},
    )


async def stages(session: AsyncSession, actor: Actor, organization_id: uuid.UUID) -> list[Stage]:
    policy.authorize(actor, organization_id, READ, OrganizationNotFound)
    result = await session.execute(
        text(
            "SELECT key, name, category, position FROM pipeline_stages "
            "WHERE organization_id = :org ORDER BY position, key"
        ),
        {"org": organization_id},
    )
    rows = result.all()
    if not rows:  # defaults, not stored until an application needs them
        return [
            Stage.model_validate({"key": k, "name": k.title(), "category": k, "position": i})
            for i, k in enumerate(DEFAULT_STAGES, start=1)
        ]
    return [Stage.model_validate(r, from_attributes=True) for r in rows]


async def stage(session: AsyncSession, actor: Actor, organization_id: uuid.UUID, key: str) -> Stage:
    for found in await stages(session, actor, organization_id):
        if found.key == key:
            return found
    raise StageNotFound()


def for_organization(row: Row[Any]) -> ApplicationForOrganization:
    return ApplicationForOrganization(
        id=row.id,
        posting_id=row.posting_id,
        candidate_id=row.candidate_id,
        resume_id=row.resume_id,
        stage=row.stage_key,
        # Default stages are stored the first time the organization moves an application.
        stage_name=row.stage_name or row.stage_key.replace("_", " ").capitalize(),
        stage_category=row.stage_category,
        answers=list(row.answers),
        cover_letter=row.cover_letter,
        match_score=None if row.match_score is None else float(row.match_score),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def for_candidate(row: Row[Any]) -> ApplicationForCandidate:
    return ApplicationForCandidate(
        id=row.id,
        posting_id=row.posting_id,
        posting_title=row.posting_title,
        organization_name=row.organization_name,
        resume_id=row.resume_id,
        stage=row.stage_category,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def apply(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    posting_id: uuid.UUID,
    body: ApplicationCreate,
) -> ApplicationForCandidate:
    user_id = policy.require_user(actor)
    posting = await postings.get(session, posting_id)
    if posting is None or posting.status in {"draft", "removed"}:
        raise PostingNotFound()
    if posting.status != "published":
        raise PostingNotOpen(f"The posting is {posting.status}.")
    if posting.apply_url:
        raise ApplyElsewhere(f"Apply at {posting.apply_url}.", apply_url=posting.apply_url)
    policy.require_verified_email(actor, settings)
    bad_answers = answers.problems(list(posting.questions), body.answers)
    if bad_answers:
        raise ValidationFailed(
            "Some answers to the screening questions are missing or invalid.", errors=bad_answers
        )
    resume = await session.execute(
        text("SELECT 1 FROM resumes WHERE id = :id AND user_id = :user"),
        {"id": body.resume_id, "user": user_id},
    )
    if resume.scalar() is None:
        raise ResumeNotFound("Upload the resume first (POST /v1/me/resumes).")
    scores = await matching.scores_for_candidate(session, settings, user_id, [posting_id])
    inserted = await session.execute(
        text(
            "INSERT INTO applications (posting_id, organization_id, candidate_id, resume_id, "
            "stage_key, stage_category, answers, cover_letter, consent_version, match_score) "
            "VALUES (:posting, :org, :user, :resume, 'applied', 'applied', "
            "CAST(:answers AS jsonb), :cover, :consent, :score) "
            "ON CONFLICT (posting_id, candidate_id) DO NOTHING RETURNING id"
        ),
        {
            "posting": posting_id,
            "org": posting.organization_id,
            "user": user_id,
            "resume": body.resume_id,
            "answers": json.dumps([a.model_dump(mode="json") for a in body.answers]),
            "cover": body.cover_letter,
            "consent": settings.privacy_notice_version,
            "score": scores.get(posting_id),
        },
    )
    application_id = inserted.scalar()
    if application_id is None:
        raise AlreadyApplied("Each candidate applies once per posting.")
    await _event(
        session, application_id, posting.organization_id, user_id, None, "applied", user_id, None
    )
    await defer(session, "applications.received", application_id=str(application_id))
    return for_candidate(await _get(session, application_id))


async def _event(
    session: AsyncSession,
    application_id: Any,
    organization_id: uuid.UUID,
    candidate_id: uuid.UUID,
    from_stage: str | None,
    to_stage: str,
    actor_id: uuid.UUID | None,
    reason: str | None,
) -> None:
    await session.execute(
        text(
            "INSERT INTO application_events (application_id, organization_id, candidate_id, "
            "from_stage, to_stage, actor_id, reason) VALUES (:id, :org, :candidate, :from, "
            ":to, :actor, :reason)"
        ),
        {
            "id": application_id,
            "org": organization_id,
            "candidate": candidate_id,
            "from": from_stage,
            "to": to_stage,
            "actor": actor_id,
            "reason": reason,
        },
    )


async def _get(session: AsyncSession, application_id: Any, *, lock: bool = False) -> Row[Any]:
    result = await session.execute(
        text(_SELECT + "WHERE a.id = :id" + (" FOR UPDATE OF a" if lock else "")),
        {"id": application_id},
    )
    row = result.one_or_none()
    if row is None:
        raise ApplicationNotFound()
    return row


async def get(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> ApplicationForCandidate | ApplicationForOrganization:
    """The candidate's view to the candidate, the pipeline view to the organization."""
    row = await _get(session, application_id)
    if actor.user_id is not None and row.candidate_id == actor.user_id:
        return for_candidate(row)
    policy.authorize(actor, row.organization_id, READ, ApplicationNotFound)
    return for_organization(row)


async def mine(session: AsyncSession, actor: Actor) -> list[ApplicationForCandidate]:
    user_id = policy.require_user(actor)
    result = await session.execute(
        text(_SELECT + "WHERE a.candidate_id = :user ORDER BY a.created_at DESC, a.id"),
        {"user": user_id},
    )
    return [for_candidate(row) for row in result]


async def withdraw(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID
) -> ApplicationForCandidate:
    user_id = policy.require_user(actor)
    seen = await _get(session, application_id)
    if seen.candidate_id != user_id:
        raise ApplicationNotFound()
    row = await _get(session, application_id, lock=True)
    await _move(session, row, "withdrawn", "withdrawn", user_id, "withdrawn by the candidate")
    return for_candidate(await _get(session, application_id))


async def _move(
    session: AsyncSession,
    row: Row[Any],
    key: str,
    category: str,
    actor_id: uuid.UUID | None,
    reason: str | None,
) -> None:
    if row.stage_category in FINAL:
        raise FinalStage(f"It is {row.stage_category}; nothing moves it any more.")
    await session.execute(
        text(
            "UPDATE applications SET stage_key = :key, stage_category = :category, "
            "updated_at = now() WHERE id = :id"
        ),
        {"id": row.id, "key": key, "category": category},
    )
    await _event(
        session, row.id, row.organization_id, row.candidate_id, row.stage_key, key, actor_id, reason
    )
    if category != row.stage_category and actor_id != row.candidate_id:
        await defer(session, "applications.status_changed", application_id=str(row.id))


async def transition(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    stage: str,
    reason: str | None,
) -> ApplicationForOrganization:
    seen = await _get(session, application_id)
    policy.authorize(actor, seen.organization_id, MOVE, ApplicationNotFound)
    policy.refuse_own_application(actor, seen.candidate_id)
    # Locked only now: under row-level security FOR UPDATE hides the row from a caller
    # the update policy refuses, which would answer 404 where the policy says 403.
    row = await _get(session, application_id, lock=True)
    await ensure_stages(session, row.organization_id)
    found = await session.execute(
        text("SELECT category FROM pipeline_stages WHERE organization_id = :org AND key = :key"),
        {"org": row.organization_id, "key": stage},
    )
    category = found.scalar()
    if category is None:
        raise UnknownStage(
            f"No stage {stage!r} in this pipeline.",
            errors=[{"loc": ["body", "stage"], "msg": "unknown stage", "code": "unknown_stage"}],
        )
    await _move(session, row, stage, str(category), actor.user_id, reason)
    return for_organization(await _get(session, application_id))


async def history(session: AsyncSession, actor: Actor, application_id: uuid.UUID) -> list[Event]:
    row = await _get(session, application_id)
    if not (actor.user_id is not None and row.candidate_id == actor.user_id):
        policy.authorize(actor, row.organization_id, READ, ApplicationNotFound)
    result = await session.execute(
        text(
            "SELECT from_stage, to_stage, actor_id, reason, created_at AS at "
            "FROM application_events WHERE application_id = :id ORDER BY id"
        ),
        {"id": application_id},
    )
    return [Event.model_validate(r, from_attributes=True) for r in result]


MANAGE_STAGES = policy.Permission("add or rename pipeline stages", policy.MANAGERS)


class StageExists(Conflict):
    code = "stage_exists"
    title = "The pipeline already has a stage with this key"


class StageNotFound(NotFound):
    code = "stage_not_found"
    title = "No such stage in the pipeline"


async def add_stage(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, body: StageCreate
) -> Stage:
    policy.authorize(actor, organization_id, MANAGE_STAGES, OrganizationNotFound)
    await ensure_stages(session, organization_id)
    result = await session.execute(
        text(
            "INSERT INTO pipeline_stages (organization_id, key, name, category, position) "
            "SELECT :org, :key, :name, :category, coalesce(max(position), 0) + 1 "
            "FROM pipeline_stages WHERE organization_id = :org "
            "ON CONFLICT DO NOTHING RETURNING key, name, category, position"
        ),
        {"org": organization_id, "key": body.key, "name": body.name, "category": body.category},
    )
    row = result.one_or_none()
    if row is None:
        raise StageExists(f"The key {body.key!r} is taken.")
    return Stage.model_validate(row, from_attributes=True)


async def rename_stage(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, key: str, name: str
) -> Stage:
    """The key stays (it is what clients and history refer to); the name changes."""
    policy.authorize(actor, organization_id, MANAGE_STAGES, OrganizationNotFound)
    await ensure_stages(session, organization_id)
    result = await session.execute(
        text(
            "UPDATE pipeline_stages SET name = :name WHERE organization_id = :org AND key = :key "
            "RETURNING key, name, category, position"
        ),
        {"org": organization_id, "key": key, "name": name},
    )
    row = result.one_or_none()
    if row is None:
        raise StageNotFound()
    return Stage.model_validate(row, from_attributes=True)


async def add_note(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, body: NoteCreate
) -> Note:
    row = await _pipeline_side(session, actor, application_id, MOVE)
    result = await session.execute(
        text(
            "INSERT INTO application_notes (application_id, organization_id, author_id, body, "
            "rating) VALUES (:id, :org, :author, :body, :rating) "
            "RETURNING id, author_id, body, rating, created_at"
        ),
        {
            "id": application_id,
            "org": row.organization_id,
            "author": actor.user_id,
            "body": body.body,
            "rating": body.rating,
        },
    )
    return Note.model_validate(result.one(), from_attributes=True)


async def notes(session: AsyncSession, actor: Actor, application_id: uuid.UUID) -> list[Note]:
    """The organization's only: a candidate asking gets 404, as if there were none."""
    await _pipeline_side(session, actor, application_id, READ)
    result = await session.execute(
        text(_NOTE + "WHERE application_id = :id ORDER BY created_at, id"),
        {"id": application_id},
    )
    return [Note.model_validate(r, from_attributes=True) for r in result]


async def note(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, note_id: uuid.UUID
) -> Note:
    """One note, where ``POST .../notes`` points its ``Location``."""
    await _pipeline_side(session, actor, application_id, READ)
    result = await session.execute(
        text(_NOTE + "WHERE application_id = :application AND id = :id"),
        {"application": application_id, "id": note_id},
    )
    row = result.one_or_none()
    if row is None:
        raise NoteNotFound()
    return Note.model_validate(row, from_attributes=True)


_NOTE = "SELECT id, author_id, body, rating, created_at FROM application_notes "


async def _pipeline_side(
    session: AsyncSession, actor: Actor, application_id: uuid.UUID, permission: policy.Permission
) -> Row[Any]:
    """The application as its organization sees it: never to its own applicant."""
    row = await _get(session, application_id)
    policy.authorize(actor, row.organization_id, permission, ApplicationNotFound)
    policy.refuse_own_application(actor, row.candidate_id)
    return row


async def list_for_organization(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    *,
    posting_id: uuid.UUID | None,
    stages: list[str],
    min_rating: int | None,
    min_match_score: float | None,
    since: Any,
    after: list[str] | None,
    limit: int,
) -> list[ApplicationForOrganization]:
    policy.authorize(actor, organization_id, READ, OrganizationNotFound)
    result = await session.execute(
        text(
            _SELECT + "WHERE a.organization_id = :org "  # noqa: S608
            # A member's own application stays out of their pipeline view.
            "AND a.candidate_id IS DISTINCT FROM CAST(:me AS uuid) "
            "AND (CAST(:posting AS uuid) IS NULL OR a.posting_id = :posting) "
            "AND (cardinality(CAST(:stages AS text[])) = 0 OR a.stage_key = ANY(:stages)) "
            "AND (CAST(:since AS timestamptz) IS NULL OR a.created_at >= :since) "
            "AND (CAST(:rating AS int) IS NULL OR (SELECT avg(n.rating) FROM application_notes n "
            "     WHERE n.application_id = a.id) >= :rating) "
            # Unscored applications (no profile when applying) never pass a threshold.
            "AND (CAST(:min_score AS numeric) IS NULL "
            "     OR a.match_score >= CAST(:min_score AS numeric)) "
            "AND (CAST(:after_at AS timestamptz) IS NULL OR (a.created_at, a.id) < "
            "     (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))) "
            "ORDER BY a.created_at DESC, a.id DESC LIMIT :limit"
        ),
        {
            "org": organization_id,
            "me": actor.user_id,
            "posting": posting_id,
            "stages": stages,
            "since": since,
            "rating": min_rating,
            "min_score": min_match_score,
            "after_at": after[0] if after else None,
            "after_id": after[1] if after else None,
            "limit": limit + 1,
        },
    )
    return [for_organization(row) for row in result]


async def bulk_transition(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID,
    body: BulkTransition,
) -> list[ApplicationForOrganization]:
    """All or nothing: one refused move (unknown, another organization's, final) undoes all."""
    policy.authorize(actor, organization_id, MOVE, OrganizationNotFound)
    moved = []
    for application_id in sorted(set(body.application_ids)):
        row = await _get(session, application_id)
        if row.organization_id != organization_id:
            raise ApplicationNotFound(f"Application {application_id} is not this organization's.")
        moved.append(await transition(session, actor, application_id, body.stage, body.reason))
    return moved


async def rescore_candidate(session: AsyncSession, settings: Settings, candidate_id: Any) -> int:
    """Recompute the match score of the candidate's applications from their current
    profile (the session acts for the candidate). Postings it can no longer read (removed)
    keep their score; ``updated_at`` is left alone: no pipeline change. Returns how many
    applications were scored."""
    result = await session.execute(
        text("SELECT id, posting_id FROM applications WHERE candidate_id = :user"),
        {"user": candidate_id},
    )
    applications = result.all()
    scores = await matching.scores_for_candidate(
        session, settings, candidate_id, [a.posting_id for a in applications]
    )
    scored = [(a.id, scores[a.posting_id]) for a in applications if a.posting_id in scores]
    await _store_scores(session, scored)
    return len(scored)


async def _store_scores(session: AsyncSession, scored: list[tuple[Any, float]]) -> None:
    """``(application id, score)`` pairs; ``updated_at`` is left alone (no pipeline change)."""
    if scored:
        await session.execute(
            text(
                "UPDATE applications a SET match_score = s.score FROM unnest("
                "CAST(:ids AS uuid[]), CAST(:scores AS numeric[])) AS s(id, score) "
                "WHERE a.id = s.id"
            ),
            {"ids": [i for i, _ in scored], "scores": [v for _, v in scored]},
        )


async def rescore_posting(session: AsyncSession, settings: Settings, posting_id: Any) -> int:
    """Recompute the match score of every application to a posting that changed, each
    under its candidate's own row-level security, as when the candidate applied. Returns
    how many applications were scored."""
    await set_context(session, platform_admin=True)  # the board reads who applied
    result = await session.execute(
        text(
            "SELECT id, candidate_id FROM applications WHERE posting_id = :posting "
            "AND candidate_id IS NOT NULL ORDER BY candidate_id"
        ),
        {"posting": posting_id},
    )
    scored = []
    for application in result.all():
        await set_context(session, user_id=application.candidate_id)
        scores = await matching.scores_for_candidate(
            session, settings, application.candidate_id, [posting_id]
        )
        if posting_id in scores:
            scored.append((application.id, scores[posting_id]))
    await set_context(session, platform_admin=True)
    await _store_scores(session, scored)
    return len(scored)


async def backfill_scores(
    session: AsyncSession, settings: Settings, after: uuid.UUID | None, limit: int
) -> uuid.UUID | None:
    """Score the applications that have none, for up to ``limit`` candidates after
    ``after`` (by id), each under that candidate's own row-level security. Returns the last
    candidate handled when there may be more."""
    await set_context(session, platform_admin=True)  # the board reads which are missing
    result = await session.execute(
        text(
            "SELECT DISTINCT candidate_id FROM applications WHERE match_score IS NULL "
            "AND candidate_id IS NOT NULL "
            "AND (CAST(:after AS uuid) IS NULL OR candidate_id > CAST(:after AS uuid)) "
            "ORDER BY candidate_id LIMIT :limit"
        ),
        {"after": after, "limit": limit},
    )
    candidates = list(result.scalars())
    for candidate_id in candidates:
        await set_context(session, user_id=candidate_id)
        await rescore_candidate(session, settings, candidate_id)
    await set_context(session, platform_admin=True)
    return candidates[-1] if len(candidates) == limit else None
