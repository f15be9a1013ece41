"""/v1/me/profile, /v1/me/resumes and /v1/resumes/{id}."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile

from hireboard.access.auth import ActingRead, ActingWrite, CurrentActor
from hireboard.candidates import files, service
from hireboard.candidates.schemas import Profile, ProfileIn, Resume
from hireboard.errors import PayloadTooLarge
from hireboard.kit.hosts import public_url
from hireboard.kit.pagination import Page
from hireboard.kit.problem import problem_responses
from hireboard.kit.routing import JSONRoute, body_limit
from hireboard.storage import Storage, storage_for

router = APIRouter(route_class=JSONRoute, tags=["candidates"])
_ERRORS = problem_responses(401, 403, 404, 422)
# Every type an upload can be stored as (files.inspect decides it from the bytes).
_FILE_TYPES = {
    media_type: {"schema": {"type": "string", "format": "binary"}}
    for media_type in (files.PDF, files.DOCX, files.TEXT)
}


def _storage(request: Request) -> Storage:
    return storage_for(request.app.state.settings)


@router.get("/v1/me/profile", summary="The caller's candidate profile", responses=_ERRORS)
async def get_profile(actor: CurrentActor, session: ActingRead) -> Profile:
    """Empty until first saved."""
    return await service.get_profile(session, actor)


@router.put("/v1/me/profile", summary="Replace the caller's candidate profile", responses=_ERRORS)
async def put_profile(body: ProfileIn, actor: CurrentActor, session: ActingWrite) -> Profile:
    """Skills are normalised through the taxonomy; `visibility: employers` makes the profile
    searchable by organizations."""
    return await service.put_profile(session, actor, body)


@router.post(
    "/v1/me/resumes",
    status_code=201,
    summary="Upload a resume (PDF, DOCX or plain text, at most 10 MiB)",
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra=body_limit(files.MAX_BYTES + 64 * 1024),
)
async def upload_resume(
    file: Annotated[UploadFile, File(description="The resume.")],
    actor: CurrentActor,
    session: ActingWrite,
    request: Request,
    response: Response,
) -> Resume:
    """The type is decided from the file's bytes, never its name or declared type (415);
    over 10 MiB, or a DOCX that expands too far, is 413. Text is extracted by a job:
    `status` goes from `pending` to `parsed` (with `proposed_skills`) or `failed`."""
    data = await file.read(files.MAX_BYTES + 1)
    if len(data) > files.MAX_BYTES:
        raise PayloadTooLarge("Files are limited to 10 MiB.")
    resume = await service.upload(session, actor, _storage(request), file.filename or "", data)
    response.headers["Location"] = public_url(request, f"/v1/resumes/{resume.id}")
    return resume


@router.get("/v1/me/resumes", summary="The caller's resumes", responses=_ERRORS)
async def list_resumes(actor: CurrentActor, session: ActingRead) -> Page[Resume]:
    """Newest first, in one page."""
    return Page[Resume](items=await service.list_resumes(session, actor), next_cursor=None)


@router.get("/v1/resumes/{resume_id}", summary="One of the caller's resumes", responses=_ERRORS)
async def get_resume(resume_id: uuid.UUID, actor: CurrentActor, session: ActingRead) -> Resume:
    """404 for anyone but its owner."""
    return await service.get_resume(session, actor, resume_id)


@router.get(
    "/v1/resumes/{resume_id}/file",
    summary="Download a resume",
    response_class=Response,
    responses={200: {"content": _FILE_TYPES, "description": "The file as uploaded."}, **_ERRORS},
)
async def resume_file(
    resume_id: uuid.UUID, actor: CurrentActor, session: ActingRead, request: Request
) -> Response:
    """Always an attachment, never rendered by the browser."""
    data, content_type, filename = await service.resume_file(
        session, actor, _storage(request), resume_id
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/v1/resumes/{resume_id}", status_code=204, summary="Delete a resume", responses=_ERRORS
)
async def delete_resume(
    resume_id: uuid.UUID, actor: CurrentActor, session: ActingWrite
) -> Response:
    """The row goes with this request; the file by a job queued in the same transaction,
    retried while the storage fails."""
    await service.delete_resume(session, actor, resume_id)
    return Response(status_code=204)
