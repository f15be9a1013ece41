"""Profiles and resumes: each user's own, checked on upload, parsed by a job."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import anyio
from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import policy
from hireboard.access.actor import Actor
from hireboard.candidates import files, repository
from hireboard.candidates.schemas import Profile, ProfileIn, Resume
from hireboard.errors import NotFound
from hireboard.kit.text import STORED_CONTEXT, without_controls
from hireboard.reference import normalise_skill
from hireboard.storage import Storage, in_thread
from hireboard.worker import defer

READ_APPLICATIONS = policy.Permission(
    "read applications and their resumes", policy.ALL_ROLES, scope="applications:read"
)


class ResumeNotFound(NotFound):
    code = "resume_not_found"
    title = "Resume not found"


async def get_profile(session: AsyncSession, actor: Actor) -> Profile:
    user_id = policy.require_user(actor)
    row = await repository.get_profile(session, user_id)
    if row is None:
        return Profile(user_id=user_id, updated_at=None)
    return Profile.model_validate(row, from_attributes=True, context=STORED_CONTEXT)


async def put_profile(session: AsyncSession, actor: Actor, body: ProfileIn) -> Profile:
    """Replaces the whole profile; skills are normalised through the taxonomy. The match
    scores of the candidate's applications follow, by job."""
    user_id = policy.require_user(actor)
    profile: dict[str, Any] = body.model_dump(mode="json")
    merged: dict[str, dict[str, Any]] = {}
    for skill in profile["skills"]:
        name = normalise_skill(skill["name"])
        merged[name.lower()] = {**skill, "name": name}
    profile["skills"] = list(merged.values())
    await repository.put_profile(session, user_id, profile)
    # Applications carry the score of the profile they are judged by: the current one.
    await defer(session, "applications.rescore", candidate_id=str(user_id))
    return await get_profile(session, actor)


def _resume(row: Row[Any]) -> Resume:
    return Resume.model_validate(row, from_attributes=True)


async def upload(
    session: AsyncSession, actor: Actor, storage: Storage, filename: str, data: bytes
) -> Resume:
    """Checked in this request (size, type from the bytes, DOCX expansion): a refused file
    stores nothing. Stored, then parsed by a job."""
    user_id = policy.require_user(actor)
    inspected = files.inspect(data)
    key = await in_thread(storage.put, data)
    try:
        row = await repository.add_resume(
            session,
            user_id,
            without_controls(filename)[:255] or "resume",
            inspected.content_type,
            len(data),
            hashlib.sha256(data).hexdigest(),
            key,
        )
        await defer(session, "candidates.parse_resume", resume_id=str(row.id))
    except BaseException:
        with anyio.CancelScope(shield=True):  # also when the request is cancelled
            await in_thread(storage.delete, key)  # the row did not commit: no orphan file
        raise
    return _resume(row)


async def _own(session: AsyncSession, actor: Actor, resume_id: uuid.UUID) -> Row[Any]:
    user_id = policy.require_user(actor)
    row = await repository.get_resume(session, resume_id)
    if row is None or row.user_id != user_id:
        raise ResumeNotFound()
    return row


async def _visible(session: AsyncSession, actor: Actor, resume_id: uuid.UUID) -> Row[Any]:
    """The owner's resume, or one a candidate applied with to the caller's organization."""
    row = await repository.get_resume(session, resume_id)
    if row is None:
        raise ResumeNotFound()
    if actor.user_id is not None and row.user_id == actor.user_id:
        return row
    if actor.is_anonymous:
        policy.require_user(actor)
    organization = await session.scalar(
        text(
            "SELECT organization_id FROM applications WHERE resume_id = :id "
            "AND organization_id = ANY(:orgs) LIMIT 1"
        ),
        {"id": resume_id, "orgs": list(actor.organization_ids)},
    )
    if organization is None:
        raise ResumeNotFound()
    policy.authorize(actor, organization, READ_APPLICATIONS, ResumeNotFound)
    return row


async def list_resumes(session: AsyncSession, actor: Actor) -> list[Resume]:
    user_id = policy.require_user(actor)
    return [_resume(row) for row in await repository.list_resumes(session, user_id)]


async def get_resume(session: AsyncSession, actor: Actor, resume_id: uuid.UUID) -> Resume:
    return _resume(await _visible(session, actor, resume_id))


async def resume_file(
    session: AsyncSession, actor: Actor, storage: Storage, resume_id: uuid.UUID
) -> tuple[bytes, str, str]:
    row = await _visible(session, actor, resume_id)
    return await in_thread(storage.get, row.storage_key), row.content_type, row.filename


async def delete_resume(session: AsyncSession, actor: Actor, resume_id: uuid.UUID) -> None:
    """Deletes the row now, and queues the file's deletion in the same transaction."""
    row = await _own(session, actor, resume_id)
    await repository.delete_resume(session, resume_id)
    await defer(session, "candidates.delete_file", storage_key=str(row.storage_key))
