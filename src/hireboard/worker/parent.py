"""A worker started by ``serve`` ends with it, even when ``serve`` is killed outright.

Two mechanisms, because either alone has a gap:

* Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) sends SIGTERM the moment the
  parent goes; the parent may already be gone by the time it is armed, hence the
  ``getppid`` check right after;
* a watch in the worker's event loop compares ``getppid`` with the parent's pid once a
  second: the portable fallback (and a second line if the signal is lost).

SIGTERM is the worker's ordinary stop: running jobs get their grace period, then it exits.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import sys

logger = logging.getLogger("hireboard.worker")

_PR_SET_PDEATHSIG = 1
WATCH_INTERVAL_S = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """Arm the parent-death signal (Linux); exit at once if the parent is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            logger.warning(
                "no parent-death signal (errno %d): the watch remains", ctypes.get_errno()
            )
    if os.getppid() != parent_pid:
        logger.warning("serve (pid %d) ended before its worker started", parent_pid)
        raise SystemExit(0)


async def parent_gone(parent_pid: int) -> None:
    """Return once the process that started us is no longer our parent."""
    while True:
        if os.getppid() != parent_pid:
            logger.warning("serve (pid %d) is gone: the worker stops", parent_pid)
            return
        await asyncio.sleep(WATCH_INTERVAL_S)
