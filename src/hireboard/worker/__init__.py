"""Background jobs on procrastinate: declared with ``task``, deferred inside a transaction.

    @task("postings.expire", schedule="*/5 * * * *")
    async def expire_postings(session: AsyncSession, timestamp: int) -> None: ...

    await defer(session, "postings.expire_one", posting_id=str(posting.id))

A job row written by ``defer`` is part of the caller's transaction: a rolled-back request
leaves no job, a committed one cannot lose it. Each job runs in one transaction of its own
(the ``session`` its handler receives); handlers must be safe to run twice.
"""

from hireboard.worker.defer import defer
from hireboard.worker.registry import registry, task

__all__ = ["defer", "registry", "task"]
