"""Failed-attempt throttling per (account, source), with a ceiling per account.

A plain per-account limit lets anyone lock an account's owner out: ten wrong passwords
from anywhere and the real user waits. Here the budget belongs to the pair (account,
source address):

- each source gets ``free_failures`` wrong guesses at an account, then must wait before
  each further one: 1 s, 2 s, 4 s ... up to ``max_delay_s`` (429 with ``Retry-After``;
  the server never sleeps). The waits cost a stranger guessing from one address, not the
  owner logging in from another;
- a success resets the pair and marks the source as known to the account for
  ``known_source_s``;
- the per-account ``ceiling`` (a moving window of failures from all sources) only trips
  under a distributed attack; it then refuses unknown sources, while sources that logged
  in to the account recently still get their own budget.

IPv6 sources count per /64: one host usually holds a whole /64. Accounts are stored as
digests, so the store holds no email addresses. ``attempt`` counts the attempt before the
password is checked, so parallel guesses cannot all slip in before the first failure.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from starlette.requests import Request

from hireboard.errors import RateLimited
from hireboard.kit.ratelimit import Policy, RateLimiter

_MAX_DOUBLINGS = 30  # 2**30 s is far past any sensible max_delay_s; bounds the power


@dataclass(frozen=True)
class ThrottleRules:
    name: str
    free_failures: int
    max_delay_s: int
    window_s: int  # how long a source's failures at an account are remembered
    known_source_s: int
    ceiling: Policy  # failures per account, from every source


def source_of(request: Request) -> str:
    """The client address; an IPv6 address stands for its /64."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def delay_after(failures: int, free: int, max_delay_s: int) -> int:
    """Seconds a source must wait after its ``failures``-th failure (0 while still free)."""
    if failures <= free:
        return 0
    return min(max_delay_s, 1 << min(failures - free - 1, _MAX_DOUBLINGS))


@dataclass(frozen=True)
class FailureThrottle:
    limiter: RateLimiter
    rules: ThrottleRules
    request: Request

    async def attempt(self, account: str) -> None:
        """Counts an attempt at ``account``; 429 while its source must wait."""
        keys = self._keys(account)
        try:
            retry = await self._ceiling_retry(keys) or await self._backoff_retry(keys)
        except Exception as exc:  # the store (Redis) is unreachable or failing
            self.limiter.store_failed(self.rules.ceiling, exc)
            return
        if retry:
            raise RateLimited(
                "Too many failed logins to this account; retry later.",
                headers={"Retry-After": str(retry)},
            )

    async def failed(self, account: str) -> None:
        keys = self._keys(account)
        try:
            await self.limiter.strategy.hit(self._ceiling(), self.rules.name, keys.account)
        except Exception as exc:
            self.limiter.store_failed(self.rules.ceiling, exc)

    async def succeeded(self, account: str) -> None:
        keys = self._keys(account)
        storage = self.limiter.storage
        try:
            await storage.clear(keys.failures)
            await storage.clear(keys.wait)
            await storage.incr(keys.known, self.rules.known_source_s)
        except Exception as exc:
            self.limiter.store_failed(self.rules.ceiling, exc)

    async def _ceiling_retry(self, keys: _Keys) -> int:
        if await self.limiter.storage.get(keys.known):
            return 0
        item, strategy = self._ceiling(), self.limiter.strategy
        if await strategy.test(item, self.rules.name, keys.account):
            return 0
        stats = await strategy.get_window_stats(item, self.rules.name, keys.account)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _backoff_retry(self, keys: _Keys) -> int:
        """Counts the attempt; once past the free ones, only one attempt per delay passes."""
        storage, rules = self.limiter.storage, self.rules
        failures = await storage.incr(keys.failures, rules.window_s)
        delay = delay_after(failures, rules.free_failures, rules.max_delay_s)
        if not delay or await storage.incr(keys.wait, delay) == 1:
            return 0
        await storage.incr(keys.failures, rules.window_s, -1)  # a refused attempt is no guess
        return max(1, math.ceil(await storage.get_expiry(keys.wait) - time.time()))

    def _ceiling(self) -> RateLimitItem:
        return self.rules.ceiling.item(self.request)

    def _keys(self, account: str) -> _Keys:
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]
        pair = f"{self.rules.name}:{digest}:{source_of(self.request)}"
        return _Keys(digest, f"{pair}:failures", f"{pair}:wait", f"{pair}:known")


@dataclass(frozen=True)
class _Keys:
    account: str
    failures: str
    wait: str
    known: str
