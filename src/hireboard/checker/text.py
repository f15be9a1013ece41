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
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "and",
        "to",
        "of",
        "a",
        "in",
        "you",
        "we",
        "for",
        "with",
        "is",
        "are",
        "our",
        "your",
        "will",
        "be",
        "on",
        "as",
        "at",
        "this",
        "that",
        "it",
        "or",
        "an",
        "by",
        "from",
        "have",
        "has",
        "who",
        "can",
        "what",
    ]
)
_ENGLISH_SHARE = 0.12

HEADING = bounded(
    r"(?m)^[ \t]{0,3}(?:#{1,6}[ \t]{1,8}(?P<md>[^\n]{1,200}?)[ \t]{0,4}#{0,6}[ \t\r]{0,4}$"
    r"|(?P<colon>[^\n:]{2,60}):[ \t\r]{0,4}$)"
)
YEARS = bounded(r"(?i)\b(\d{1,2})\s{0,3}\+?\s{0,3}(?:years?|yrs?)\b")
EMPLOYMENT_TYPE = bounded(
    r"(?i)\b(?:full[- ]time|part[- ]time|contract(?:or)?|temporary|fixed[- ]term|internship|"
    r"permanent|freelance"
    # German, French, Polish, Spanish
    r"|vollzeit|teilzeit|unbefristet\w{0,3}|befristet\w{0,3}|festanstellung|praktikum"
    r"|cdi|cdd|temps plein|temps partiel|alternance"
    r"|umow\w{1,2} o prac\w{1,2}|pełny etat|pełen etat|umow\w{1,2} zlecenie"
    r"|umow\w{1,2} b2b|kontrakt b2b"
    r"|jornada completa|media jornada|tiempo completo|tiempo parcial|contrato indefinido)\b"
)
WORKPLACE = bounded(
    r"(?i)\b(?:remote|hybrid|on[- ]?site|in[- ]office|office[- ]based|based\s+in|located\s+in|"
    r"from\s+our\s+\w+\s+office|relocat\w*"
    # German, French, Polish, Spanish
    r"|homeoffice|home-office|mobiles arbeiten|vor ort|hybrid\w{0,3}|télétravail|sur site"
    r"|hybrydow\w{0,3}|zdaln\w{0,3}|stacjonarn\w{0,3}|híbrid\w{0,2}|remoto|teletrabajo"
    r"|presencial)\b"
)

# A place in the title line: "Title - City, Region", "Title | City, Region", "Title at
# Company, City, Region", "Title (City, Region)", "Title (Remote, EU)". Which region names
# count is decided by the engine (``_title_names_place``): codes and a few names.
_PLACE_WORD = r"[^\W\d_][\w.'\u2019-]{0,30}"
TITLE_PLACE = bounded(
    rf"(?:[ \t](?:[-\u2013\u2014|@\u00b7/]|at|in)[ \t]{{1,3}}|\([ \t]{{0,2}}|,[ \t]{{1,2}})"
    rf"(?P<city>{_PLACE_WORD}(?:[ \t]{_PLACE_WORD}){{0,3}}),[ \t]{{0,2}}"
    rf"(?P<region>{_PLACE_WORD}(?:[ \t]{_PLACE_WORD}){{0,2}})[ \t]{{0,3}}"
    r"(?=[)\-\u2013\u2014|(/,\r]|$)"
)
FIRST_LINE = bounded(r"[^\n]{0,200}")

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

    @cached_property
    def pay_figures(self) -> list[PayFigure]:
        """The pay ranges written in the text (see ``pay_figures``)."""
        return pay_figures(self.text)

    def open_ended(self) -> list[Span]:
        """Figures with only one end: "up to $X", "from $X", "$X+", "$X and up"."""
        return [f.span for f in self.pay_figures if f.low is None or f.high is None]

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
    def english(self) -> bool:
        """Whether the text is mostly English: English's commonest function words make up a
        quarter or more of English prose and a few percent of German, French, Polish or
        Spanish. The reading-ease formula and the "you" count only mean something in English."""
        words = [m.group(0).lower() for m in self.words]
        if not words:
            return True
        common = sum(1 for w in words if w in _ENGLISH_FUNCTION_WORDS)
        return common / len(words) >= _ENGLISH_SHARE

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


# --- pay ranges written in the text ------------------------------------------------------
# One parser for every rule about pay figures (the law rules on width, completeness and
# period, and the vague-pay rule on open-ended figures), in the languages the rules cover:
# "CAD 90,000 - 160,000 per year", "€55k to €70k", "$45-$60/hour",
# "55.000-70.000 EUR brutto jährlich", "od 12 000 do 15 000 zł brutto miesięcznie".
_PAY_BEFORE = rf"(?:C\$|CA\$|US\$|A\$|[$€£]|\b(?:{_CURRENCY_CODES})\b)"
_PAY_AFTER = rf"(?:\b(?:{_CURRENCY_CODES}|euros?|dollars?|złotych|zł|zl)(?!\w)|€|\$)"
# Thousands separated by a comma, a dot or a (narrow, no-break) space, never a line break.
_PAY_NUMBER = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3}){1,3}(?:[.,]\d{1,2})?|\d{1,7}(?:[.,]\d{1,2})?"


def _pay_amount(n: int) -> str:
    return (
        rf"(?P<cb{n}>{_PAY_BEFORE})?[ \u00a0]?(?P<n{n}>{_PAY_NUMBER})"
        rf"(?:[ \u00a0]?(?P<k{n}>[kKmM])(?![^\W\d_]))?(?:[ \u00a0]?(?P<ca{n}>{_PAY_AFTER}))?"
    )


# The words between the two ends: a dash of any kind, or "to" and its translations
# (bis/und, do, à/a/et, hasta/y, and); never a line break (a bullet's "-" starts no range).
_PAY_BETWEEN = (
    r"[ \u00a0\t]{0,3}(?:-|\u2013|\u2014|to|and|bis|und|do|à|a|et|y|hasta)[ \u00a0\t]{0,3}"
)
PAY_FIGURES = bounded(rf"(?<![\w.,]){_pay_amount(1)}(?:{_PAY_BETWEEN}{_pay_amount(2)})?")
# A single figure's open end, in the 30 characters before it or the 20 after it.
PAY_OPEN_BEFORE = bounded(
    r"(?i)(?:\b(?:up\s+to|from|starting\s+(?:at|from)|as\s+(?:much|high)\s+as|at\s+least|"
    r"minimum(?:\s+of)?|bis\s+zu|ab|jusqu'à|à\s+partir\s+de|desde|hasta|do|od|von|"
    r"mindestens|au\s+moins|minimo|mínimo|ponad)|\bmin\.)\s{1,3}$"
)
PAY_OPEN_AFTER = bounded(
    r"(?i)^[ \t]{0,3}(?:\+|(?:and|or)\s+(?:up|above|more)\b|plus\b|und\s+mehr\b|et\s+plus\b|"
    r"o\s+más\b|i\s+więcej\b)"
)
# Openers that give the bottom of the range ("from", "ab", "od"); the others give the top.
_LOW_ONLY = frozenset(
    {"from", "starting", "at", "minimum", "min", "ab", "à", "desde", "od", "von"}
    | {"mindestens", "au", "minimo", "mínimo", "ponad"}
)
# Each period's words; the short or ambiguous ones ("an", "h", "tag") only after their
# preposition or a slash. Group names are ``period_n``: a name may appear only once.
_PAY_PERIODS = (
    ("hour", r"hours?|hr|hourly|stunde|stündlich|godz\w{0,4}|godzinę|heure|horaire|hora"),
    ("hour", r"/[ \t]?h\b"),
    ("day", r"day|daily|täglich|dziennie|jour|día"),
    ("day", r"pro[ \t]tag"),
    ("week", r"week|weekly|woche|wöchentlich|tydzień|semaine|semana"),
    (
        "month",
        r"months?|monthly|monat|monatlich|miesiąc|miesięcznie|mois|mensuel\w{0,2}|mes|mensual\w{0,2}",
    ),
    ("month", r"/[ \t]?mo\b"),
    (
        "year",
        r"years?|yr|annum|annual|annually|yearly|p\.[ \t]?a\.|jahr|jährlich|jahresgehalt|"
        r"rocznie|rok|annuel\w{0,2}|año|anual\w{0,2}",
    ),
    ("year", r"par[ \t]an"),
)
PAY_PERIOD = bounded(
    "(?i)(?<!\\w)(?:(?:per|a|an|each|pro|im|na|par|al|por|/)[ \\t]{0,2})?(?:"
    + "|".join(f"(?P<{name}_{n}>{words})" for n, (name, words) in enumerate(_PAY_PERIODS))
    + ")(?!\\w)"
)
_CURRENCY_NAMES = {
    "$": "$", "DOLLAR": "$", "DOLLARS": "$", "C$": "CAD", "CA$": "CAD", "US$": "USD",
    "A$": "AUD", "€": "EUR", "EURO": "EUR", "EUROS": "EUR", "£": "GBP", "¥": "JPY",
    "ZŁ": "PLN", "ZL": "PLN", "ZŁOTYCH": "PLN",
}  # fmt: skip
DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"})


@dataclass(frozen=True)
class PayFigure:
    """A pay range (or one end of one) as written in the text; ``currency`` "$" is a
    dollar of unknown country, ``period`` None when no period is written next to it."""

    low: float | None
    high: float | None
    currency: str
    period: str | None
    span: Span

    def as_range(self) -> dict[str, object]:
        """The shape of a structured ``pay_ranges`` item, so one check reads both."""
        return {"min": self.low, "max": self.high, "currency": self.currency,
                "period": self.period, "span": self.span}  # fmt: skip


def _number(digits: str, multiplier: str | None) -> float:
    """90,000 / 90.000 / 90 000 / 45.50 / 45,50, times k or M."""
    cleaned = digits.replace("\u00a0", " ").replace("\u202f", " ")
    parts = re.split(r"[,. ]", cleaned)
    if len(parts) > 1 and len(parts[-1]) != 3:  # a decimal fraction
        value = float("".join(parts[:-1]) + "." + parts[-1])
    else:
        value = float("".join(parts))
    factor = {"k": 1_000, "m": 1_000_000}.get((multiplier or "").lower(), 1)
    return value * factor


def _currency(*written: str | None) -> str | None:
    for name in written:
        if name:
            key = name.strip().upper()
            return _CURRENCY_NAMES.get(key, key)
    return None


def _period_near(text: str, start: int, end: int) -> str | None:
    """The period written on the same line just after the figures, else just before (at
    most 40 characters either way: a search to the line's end would be quadratic)."""
    after = text[end : end + 40].split("\n", 1)[0]
    before = text[max(0, start - 40) : start].rsplit("\n", 1)[-1]
    for window in (after, before):
        found = PAY_PERIOD.search(window)
        if found is not None and found.lastgroup is not None:
            return found.lastgroup.split("_")[0]
    return None


def pay_figures(text: str) -> list[PayFigure]:
    """Every pay figure with a currency: closed ranges, and single figures with an open
    end ("up to $90,000", "ab 55.000 €", "$120k+"); plain amounts ("a $500 budget") are
    not pay ranges and are left out."""
    figures = []
    for match in PAY_FIGURES.finditer(text):
        currency = _currency(*(match.group(g) for g in ("cb1", "ca1", "cb2", "ca2")))
        if currency is None:
            continue
        span = Span(match.start(), match.end())
        low = _number(match.group("n1"), match.group("k1") or match.group("k2"))
        if match.group("n2") is not None:
            high = _number(match.group("n2"), match.group("k2"))
            if match.group("k1") is None and match.group("k2") and low >= high:
                low = _number(match.group("n1"), None)  # "90-110k" is 90k-110k ...
                low = low * 1_000 if low * 1_000 < high else low  # ... "9,500-12k" is not
            figures.append(PayFigure(min(low, high), max(low, high), currency,
                                     _period_near(text, span.start, span.end), span))  # fmt: skip
            continue
        figure = _open_figure(text, match, low, currency)
        if figure is not None:
            figures.append(figure)
    return figures


def _open_figure(text: str, match: re.Match[str], amount: float, currency: str) -> PayFigure | None:
    """A single figure with an opener before it ("up to", "ab", "do") or a closer after it
    ("+", "and up"); which end it gives depends on the opener's first word."""
    before = text[max(0, match.start() - 30) : match.start()]
    opener = PAY_OPEN_BEFORE.search(before)
    closer = None if opener else PAY_OPEN_AFTER.match(text[match.end() : match.end() + 20])
    if opener is None and closer is None:
        return None
    period = _period_near(text, match.start(), match.end())
    if opener is not None:
        first = opener.group(0).split()[0].lower().rstrip(".")
        start = match.start() - len(before) + opener.start()
        low, high = (amount, None) if first in _LOW_ONLY else (None, amount)
        return PayFigure(low, high, currency, period, Span(start, match.end()))
    assert closer is not None  # noqa: S101 - one of the two, see above
    return PayFigure(
        amount, None, currency, period, Span(match.start(), match.end() + closer.end())
    )
