"""Text analysis the checks share: money, sections, words, sentences, syllables.

Every pattern here is ``bounded`` (see ``checker.limits``): repeats are capped, so a scan
costs at most the text's length times the pattern's width, whatever the text."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from hireboard.checker.limits import REPEAT_CAP, bounded

_CURRENCY_CODES = (
    "USD|EUR|GBP|CAD|AUD|NZD|CHF|PLN|SEK|NOK|DKK|CZK|HUF|RON|INR|JPY|SGD|HKD|BRL|MXN|ZAR"
)
# Digit runs are capped (15 digits is more money than anyone pays) and an amount starts
# where a number starts: a run of 100,000 digits was tried from each digit and rescanned
# to the end (quadratic).
_AMOUNT = r"\d{1,3}(?:[,.\s]\d{3}){1,4}(?:[.,]\d{1,4})?\s?[kK]?|\d{1,15}(?:[.,]\d{1,4})?\s?[kKmM]?"
MONEY = bounded(
    rf"(?:[$€£¥]|\b(?:{_CURRENCY_CODES}|C\$|CA\$|US\$|A\$)\b)\s?(?:{_AMOUNT})"
    rf"|(?<!\d)(?:{_AMOUNT})\s?(?:{_CURRENCY_CODES}|euros?|dollars?|zł|zl|PLN)\b"
)
# Open-ended pay: a word before an amount ("up to $X") or after it ("$X+", "$X and up"),
# looked for around each amount rather than across the whole text.
OPEN_BEFORE = bounded(
    r"(?i)\b(?:up\s+to|from|starting\s+(?:at|from)|as\s+(?:much|high)\s+as|at\s+least|"
    r"minimum(?:\s+of)?)\s+$"
)
OPEN_AFTER = bounded(r"(?i)^\s*(?:\+|(?:and|or)\s+(?:up|above|more)\b|plus\b)")
RANGE_AFTER = bounded(r"^\s*(?:-|\u2013|\u2014|to)\s*\S*\d")
PERIOD = bounded(
    r"(?i)\b(?:per|a|an|each|/)\s*(?:hour|hr|day|week|month|year|yr|annum)\b"
    r"|/\s?(?:h|hr|yr|year|month|mo)\b"
    r"|\b(?:hourly|daily|weekly|monthly|annual(?:ly)?|yearly|p\.?a\.?|per\s+annum)\b"
)
BENEFITS = bounded(
    r"(?i)\b(?:benefits?|health(?:care)?\s+(?:insurance|plan|coverage)|medical|dental|vision|"
    r"pension|401\s?\(?k\)?|retirement\s+plan|paid\s+(?:time\s+off|leave|holidays?)|PTO|"
    r"vacation|annual\s+leave|parental\s+leave|sick\s+(?:leave|days)|stock\s+options|equity)\b"
)
DEADLINE = bounded(
    r"(?i)\b(?:apply\s+(?:by|before|until)|applications?\s+(?:close|closes|are\s+due|due|deadline|"
    r"will\s+be\s+accepted\s+until)|(?:application\s+)?deadline|closing\s+date|open\s+until|"
    r"accepting\s+applications\s+until)\b"
)
VACANCY = bounded(
    r"(?i)\b(?:existing\s+(?:vacancy|position|role|job)|(?:not\s+)?currently\s+vacant|"
    r"(?:new(?:ly\s+created)?|additional)\s+(?:position|role|headcount)|"
    r"(?:this|the)\s+(?:position|role|vacancy)\s+(?:is|exists|does\s+not\s+exist)|vacancy\s+exists|"
    r"replac(?:es|ing)\s+a\s+departing|backfill)\b"
)
AI_USE = bounded(
    r"(?i)\b(?:AI|A\.I\.|artificial\s+intelligence|machine[- ]learning\s+tools?|"
    r"automated\s+(?:tools?|systems?|screening|assessment|decision[- ]making|software))\b"
)
COMMISSION = bounded(r"(?i)\b(?:commissions?|commission-based|OTE|on-target\s+earnings)\b")
TIPS = bounded(r"(?i)\b(?:tips?|tipped|gratuit(?:y|ies))\b")
WORD = bounded(r"[A-Za-z][A-Za-z'\u2019-]*")
SENTENCE_END = bounded(r"[.!?]{1,8}(?:\s|$)|\n\s{0,16}\n|\n\s{0,16}[-*•]\s")
# One line each, and the optional runs around a title kept short: three adjacent
# whitespace runs would otherwise multiply their backtracking.
HEADING = bounded(
    r"(?m)^[ \t]{0,3}(?:#{1,6}[ \t]{1,8}(?P<md>[^\n]{1,200}?)[ \t]{0,4}#{0,6}[ \t\r]{0,4}$"
    r"|(?P<colon>[^\n:]{2,60}):[ \t\r]{0,4}$)"
)
YEARS = bounded(r"(?i)\b(\d{1,2})\s{0,3}\+?\s{0,3}(?:years?|yrs?)\b")
EMPLOYMENT_TYPE = bounded(
    r"(?i)\b(?:full[- ]time|part[- ]time|contract(?:or)?|temporary|fixed[- ]term|internship|"
    r"permanent|freelance)\b"
)
WORKPLACE = bounded(
    r"(?i)\b(?:remote|hybrid|on[- ]?site|in[- ]office|office[- ]based|based\s+in|located\s+in|"
    r"from\s+our\s+\w+\s+office|relocat\w*)\b"
)


# Syllables are counted per word of at most MAX_TOKEN letters: each pattern below looks
# no further than the end of its word, and no word is longer than the cap (a lazy
# unbounded ``[a-z]*?`` here scanned to the end of a 99,000-letter word from every vowel).
_VOWEL_GROUP = bounded(r"[aeiouy]+")
# A final e after a consonant other than l, in a word with another vowel before it: found
# from the start of each word only (a scan from every vowel held the GIL for 0.4 s on one
# 200,000-letter word), the vowel looked for in the match.
_FINAL_E = bounded(rf"(?<![a-z])[a-z]{{0,{REPEAT_CAP - 2}}}[b-df-hj-km-np-tv-xz]e\b")
_VOWELS = frozenset("aeiouy")
_NO_VOWEL_WORD = bounded(r"\b[b-df-hj-np-tv-xz]+\b")
_RUN = bounded(r"\w+")
_YOU = frozenset({"you", "your", "yours", "yourself", "you'll", "you're", "you've", "you'd"})


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    note: str = ""  # appended to the rule's message: the figures behind this finding


class Text:
    """One description, analysed lazily."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lowered(self) -> str | None:
        """The text in lower case when that keeps every offset (almost always), else None."""
        lowered = self.text.lower()
        return lowered if len(lowered) == len(self.text) else None

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Every run of word characters, lower-cased."""
        return frozenset(_RUN.findall(self.text.lower()))

    @cached_property
    def sorted_tokens(self) -> list[str]:
        return sorted(self.tokens)

    def has_word(self, word: str, *, prefix: bool) -> bool:
        if not prefix:
            return word in self.tokens
        index = bisect.bisect_left(self.sorted_tokens, word)
        return index < len(self.sorted_tokens) and self.sorted_tokens[index].startswith(word)

    @cached_property
    def money(self) -> list[re.Match[str]]:
        return list(MONEY.finditer(self.text))

    def open_ended(self) -> list[Span]:
        """Amounts with only one end: "up to $X", "from $X", "$X+", "$X and up"."""
        spans = []
        for amount in self.money:
            before = self.text[max(0, amount.start() - 30) : amount.start()]
            after = self.text[amount.end() : amount.end() + 20]
            opener = OPEN_BEFORE.search(before)
            if opener and not RANGE_AFTER.match(after):
                spans.append(Span(amount.start() - len(before) + opener.start(), amount.end()))
                continue
            closer = OPEN_AFTER.match(after)
            if closer:
                spans.append(Span(amount.start(), amount.end() + closer.end()))
        return spans

    @cached_property
    def words(self) -> list[re.Match[str]]:
        return list(WORD.finditer(self.text))

    @cached_property
    def sentence_count(self) -> int:
        pieces = [p for p in SENTENCE_END.split(self.text) if WORD.search(p)]
        return max(1, len(pieces))

    @cached_property
    def syllables(self) -> int:
        """Vowel groups, less a silent final e, at least one per word: whole-text scans."""
        lowered = self.text.lower()
        groups = len(_VOWEL_GROUP.findall(lowered))
        silent = sum(1 for word in _FINAL_E.findall(lowered) if not _VOWELS.isdisjoint(word[:-2]))
        voiceless = len(_NO_VOWEL_WORD.findall(lowered))
        return max(len(self.words), groups - silent + voiceless)

    @cached_property
    def headings(self) -> list[tuple[str, Span]]:
        found = []
        for match in HEADING.finditer(self.text):
            title = (match.group("md") or match.group("colon") or "").strip()
            found.append((title.lower(), Span(match.start(), match.end())))
        return found

    def reading_ease(self) -> float:
        """Flesch reading ease (higher is easier; 60-70 is plain English)."""
        words = max(1, len(self.words))
        return 206.835 - 1.015 * (words / self.sentence_count) - 84.6 * (self.syllables / words)

    def grade_level(self) -> float:
        """Flesch-Kincaid grade level."""
        words = max(1, len(self.words))
        return 0.39 * (words / self.sentence_count) + 11.8 * (self.syllables / words) - 15.59

    @cached_property
    def you_per_100(self) -> float:
        return self.you_ratio()

    def you_ratio(self) -> float:
        """Second-person words per hundred words: a description written to the reader."""
        words = max(1, len(self.words))
        you = sum(
            1
            for m in self.words
            if m.group(0).lower()
            in {"you", "your", "you'll", "you're", "yours", "you\u2019ll", "you\u2019re"}
        )
        return 100 * you / words
