"""argon2id password hashing, with rules for new passwords.

A hash costs tens to hundreds of milliseconds of CPU by design; run on the event loop it
would stall every other request of the process (health probes included). So every hash
and check runs in a worker thread (argon2-cffi releases the GIL while hashing).
"""

from __future__ import annotations

from functools import cached_property

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hireboard.config import Settings

MIN_LENGTH, MAX_LENGTH = 10, 128
# Passwords of 10+ characters that top published breach lists (NCSC "PwnedPasswordsTop100k",
# SecLists "10-million-password-list-top-1000"); compiled by hand, lower-cased.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou12",
        "princess12",
        "sunshine12",
        "football12",
        "baseball12",
        "1234qwerty",
        "abcdefghij",
        "abc1234567",
        "asdfghjkl1",
        "zaq12wsxcde",
        "welcome123",
        "letmein123",
        "changeme123",
        "admin12345",
        "administrator",
        "trustno1234",
        "1111111111",
        "0000000000",
        "123123123123",
        "9876543210",
        "monkey1234",
        "dragon1234",
        "superman12",
        "michael123",
        "jennifer12",
        "charlie123",
        "computer12",
        "whatever12",
        "starwars12",
    }
)


def password_problems(password: str, email: str) -> list[str]:
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        problems.append("is too common")
    if lowered == email.lower() or lowered == email.split("@", 1)[0].lower():
        problems.append("must not be your email address")
    return problems


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("not a real password, only for timing")

    async def waste_time(self, password: str) -> None:
        """Spend what a real check costs, so unknown emails answer as slowly as known ones."""
        await anyio.to_thread.run_sync(self._verify, self._dummy_hash, password)
