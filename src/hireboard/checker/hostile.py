"""Texts built to make a backtracking regex engine slow, for the limit tests and the bench.

Each targets a shape that made a checker pattern superlinear before the patterns were
bounded: one endless word (syllables), digit runs (money), runs of punctuation (sentence
ends), whitespace runs between words (phrases), heading-like lines, "N years" windows
(technology age), and a rule's own trigger example repeated with its gaps widened.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from hireboard.checker.rules import Rule

_GENERIC = {
    "one-word": "a",
    "vowels-and-consonants": "bae",
    "silent-e": "abe",
    "consonants": "bcd",
    "digits": "1",
    "digit-gaps": "1 ",
    "money": "$1,",
    "amounts": "1,000.",
    "punctuation": "!",
    "blank-lines": "\n \n",
    "bullets": "\n - ",
    "headings": "# \t",
    "colons": "a:",
    "years": "5 years ",
    "years-tech": "12 + years Kubernetes Go ",
    "spaces": "up  ",
    "pronouns": "he ",
}


def _fill(piece: str, size: int) -> str:
    return (piece * (size // max(1, len(piece)) + 1))[:size]


def generic(size: int) -> Iterator[tuple[str, str]]:
    """(name, text) pairs of exactly ``size`` characters."""
    for name, piece in _GENERIC.items():
        yield name, _fill(piece, size)
    alphabet = "aeiou bcdy 1$.,!\n-#:+'"
    noise = random.Random(19)  # noqa: S311 - fixed test data, not a secret
    yield "noise", "".join(noise.choice(alphabet) for _ in range(size))


def for_rule(rule: Rule, size: int) -> Iterator[tuple[str, str]]:
    """The rule's trigger examples repeated, as written and with every gap widened."""
    for index, example in enumerate(rule.examples.trigger):
        if example.text:
            yield f"trigger-{index}", _fill(example.text + " ", size)
            wide = example.text.replace(" ", " " * 40)
            yield f"trigger-{index}-wide", _fill(wide + "\n", size)
