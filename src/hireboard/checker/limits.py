"""What one check may cost: every regex the checker runs has a bounded reach.

Python's ``re`` backtracks, so a pattern that can match arbitrarily long text may be tried
from every position and rescan to the end each time (quadratic; a 99,000-character word
took 50 s). The checker keeps three invariants instead of switching engines (RE2's
Python binding treats ``\\w`` as ASCII and converts match offsets slowly):

- every pattern is compiled through ``bounded``: unbounded repeats (``*``, ``+``,
  ``{n,}``) become at most ``REPEAT_CAP``, so no match attempt looks further than the
  pattern's ``width`` from where it starts, and a scan costs at most text length times
  width; a pattern that could still backtrack without end is refused, so an operator's
  rule fails at load rather than in a request (``tests/checker/test_limits.py``);
- no text longer than ``MAX_TEXT_CHARS`` reaches the engine, and a word (a token) is at
  most ``MAX_TOKEN`` characters, so per-word work (syllables) is bounded;
- every scan is counted in a ``Meter`` (characters scanned times the pattern's width), the
  deterministic step count that the tests bound per rule and per character.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from re import _compiler, _constants, _parser  # type: ignore[attr-defined]  # no public AST
from typing import Any

MAX_TEXT_CHARS = 200_000  # the longest text /v1/checks accepts (schemas.CheckRequest)
REPEAT_CAP = 63  # an unbounded repeat matches at most this many times
MAX_TOKEN = REPEAT_CAP + 1  # the longest word: a letter and REPEAT_CAP more
MAX_WIDTH = 2_000  # the furthest any checker pattern may look from where it starts
# A repeat of more than this many rounds may hold only single-width items: ``(a+)+`` or
# ``(a|aa)*`` backtrack exponentially within even a short window.
MAX_NESTED_ROUNDS = 4

_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


class UnboundedPattern(ValueError):
    """A pattern that could still look arbitrarily far (a rule the operator wrote)."""


class Meter:
    """Counts the steps of regex work: characters scanned times the pattern's width."""

    def __init__(self) -> None:
        self.steps = 0

    def add(self, steps: int) -> None:
        self.steps += steps


_METER: ContextVar[Meter | None] = ContextVar("checker_meter", default=None)


@contextmanager
def metering() -> Iterator[Meter]:
    """Count the regex work done inside the block (tests and benchmarks read it)."""
    meter = Meter()
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def _count(width: int, scanned: int) -> None:
    meter = _METER.get()
    if meter is not None:
        meter.add((scanned + 1) * width)


@dataclass(frozen=True)
class Bounded:
    """A compiled pattern whose reach is at most ``width``; every scan is metered."""

    regex: re.Pattern[str]
    width: int
    source: str

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        _count(self.width, len(text) - pos)
        return self.regex.search(text, pos)

    def match(self, text: str) -> re.Match[str] | None:
        _count(self.width, 1)
        return self.regex.match(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        _count(self.width, len(text))
        return self.regex.finditer(text)

    def findall(self, text: str) -> list[Any]:
        _count(self.width, len(text))
        return self.regex.findall(text)

    def split(self, text: str) -> list[str]:
        _count(self.width, len(text))
        return self.regex.split(text)


def bounded(pattern: str, flags: int = 0) -> Bounded:
    """``pattern`` with every unbounded repeat capped at ``REPEAT_CAP``."""
    tree = _parser.parse(pattern, flags)
    _cap(tree)
    width = int(tree.getwidth()[1])
    if width > MAX_WIDTH:
        raise UnboundedPattern(f"pattern can look {width} characters ahead: {pattern[:80]}")
    if _nested(tree, outer_rounds=1):
        raise UnboundedPattern(f"a repeated group holds a repeat or alternatives: {pattern[:80]}")
    regex: re.Pattern[str] = _compiler.compile(tree, flags)
    return Bounded(regex=regex, width=max(width, 1), source=pattern)


def _cap(node: Any) -> None:
    """Rewrite repeats in place: the parse tree is lists of (opcode, argument)."""
    if isinstance(node, _parser.SubPattern):
        node.width = None  # getwidth() caches; the repeats below may change
    items = node.data if isinstance(node, _parser.SubPattern) else node
    for index, (op, av) in enumerate(items):
        for child in _children(op, av):
            _cap(child)
        if op in _REPEATS and av[1] == _constants.MAXREPEAT:
            items[index] = (op, (av[0], max(av[0], REPEAT_CAP), av[2]))


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns under one parse-tree item."""
    if op in _REPEATS:
        return [av[2]]
    if op is _constants.SUBPATTERN:
        return [av[-1]]
    if op is _constants.ATOMIC_GROUP:
        return [av]
    if op in (_constants.ASSERT, _constants.ASSERT_NOT):
        return [av[1]]
    if op is _constants.BRANCH:
        return list(av[1])
    if op is _constants.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _nested(node: Any, outer_rounds: int) -> bool:
    """Whether a repeat of many rounds holds a variable repeat or alternatives."""
    for op, av in node.data if isinstance(node, _parser.SubPattern) else node:
        variable = (op in _REPEATS and av[0] != av[1]) or op is _constants.BRANCH
        if variable and outer_rounds > MAX_NESTED_ROUNDS:
            return True
        rounds = outer_rounds * (av[1] if op in _REPEATS else 1)
        if any(_nested(child, rounds) for child in _children(op, av)):
            return True
    return False
