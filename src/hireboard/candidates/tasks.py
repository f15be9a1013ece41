"""Resume parsing, by a job: text extraction with maintained libraries, skills proposed."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.candidates import files, repository
from hireboard.reference import skills_in_text
from hireboard.storage import in_thread, storage_for
from hireboard.worker import task
from hireboard.worker.registry import job_settings

logger = logging.getLogger("hireboard.candidates")


@task("candidates.parse_resume", retries=2)
async def parse_resume(session: AsyncSession, resume_id: str) -> None:
    """Runs as the uploading user (their row-level-security context travels with the job)."""
    row = await repository.get_resume(session, uuid.UUID(resume_id))
    if row is None or row.status != "pending":
        return
    data = await in_thread(storage_for(job_settings()).get, row.storage_key)
    try:
        body = files.extract_text(data, row.content_type)
    except Exception as exc:  # a damaged file fails the resume, not the job
        logger.info(
            "resume not readable", extra={"resume_id": resume_id, "error": type(exc).__name__}
        )
        await repository.set_parsed(
            session,
            row.id,
            status="failed",
            body=None,
            skills=[],
            error="The file could not be read; upload it again or as another type.",
        )
        return
    await repository.set_parsed(
        session, row.id, status="parsed", body=body, skills=skills_in_text(body), error=None
    )


@task("candidates.delete_file", retries=10, backoff_s=3)
async def delete_file(session: AsyncSession, storage_key: str) -> None:
    """A file whose row is gone. Deferred in the transaction that deletes the row (a resume
    deleted, an account erased), so it happens exactly when that commits; retried with
    backoff while the storage fails (deleting twice is harmless), then left ``failed`` for
    ``hireboard jobs failed``."""
    await in_thread(storage_for(job_settings()).delete, storage_key)
