"""Row-level security context: who is acting, set per transaction (requests and jobs alike).

The values live in ``app.*`` settings made with ``set_config(..., true)``, so they end with
the transaction and never leak to the next user of a pooled connection. The migration
``0006_organizations`` reads them in its policies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access.actor import Actor

_SET = text(
    "SELECT set_config('app.user_id', :user_id, true), "
    "set_config('app.org_ids', :org_ids, true), "
    "set_config('app.platform_admin', :platform_admin, true), "
    "set_config('app.credential_hash', '', true), "
    # A route class's statement timeout rides on this round trip (db.timed_read_session).
    "set_config('statement_timeout', "
    "coalesce(CAST(:statement_timeout AS text), current_setting('statement_timeout')), true)"
)


def org_ids_literal(ids: Iterable[uuid.UUID]) -> str:
    """A PostgreSQL array literal of uuids (uuids need no quoting)."""
    return "{" + ",".join(sorted(str(i) for i in ids)) + "}"


async def act_as(session: AsyncSession, actor: Actor) -> None:
    """Make the transaction act for ``actor``: one round trip."""
    await set_context(
        session,
        user_id=actor.user_id,
        organization_ids=actor.organization_ids,
        platform_admin=actor.platform_admin,
    )


async def set_context(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    organization_ids: Iterable[uuid.UUID] = (),
    platform_admin: bool = False,
) -> None:
    await session.execute(
        _SET,
        {
            "user_id": "" if user_id is None else str(user_id),
            "org_ids": org_ids_literal(organization_ids),
            "platform_admin": "on" if platform_admin else "",
            "statement_timeout": session.info.get("statement_timeout"),
        },
    )


async def present_credential(session: AsyncSession, credential_hash: str) -> None:
    """Show the one invitation or API key whose secret hashes to ``credential_hash``."""
    await session.execute(
        text("SELECT set_config('app.credential_hash', :hash, true)"), {"hash": credential_hash}
    )


async def restore_context(session: AsyncSession, saved: Mapping[str, Any]) -> None:
    """Set the context ``worker.defer`` saved with a job, in the job's transaction."""
    org_ids = saved.get("org_ids") or "{}"
    await session.execute(
        _SET,
        {
            "user_id": saved.get("user_id") or "",
            "org_ids": org_ids,
            "platform_admin": "on" if saved.get("platform_admin") == "on" else "",
            "statement_timeout": None,
        },
    )
