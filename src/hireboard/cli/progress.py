"""Progress of long commands: a bar on a terminal, periodic one-line reports elsewhere.

A load that runs for minutes under CI or ``nohup`` must still say how far it is, how fast
it goes and when it should end; a bar's carriage returns are noise in a log file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

import typer


class Progress:
    """Counts ``done`` of ``total`` items; ``phase`` names the steps that follow them."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        every_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label, self.every_s, self.clock = total, label, every_s, clock
        self.stream = stream or sys.stderr
        self.started = self.last_report = clock()
        self.done = 0
        self._bar: Any = None
        if self.stream.isatty():
            self._bar = typer.progressbar(length=total, label=label, file=self.stream)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.__enter__()
        else:
            self._line(f"{self.label}: {self.total:,} to go")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)
            self._bar = None

    def update(self, done: int) -> None:
        """``done`` items so far (a running total, not an increment)."""
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        now = self.clock()
        if self._bar is None and (now - self.last_report >= self.every_s or done >= self.total):
            self.last_report = now
            self._line(self.report(now))

    def report(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        share = 100 * self.done / self.total if self.total else 100.0
        line = f"{self.label}: {self.done:,} of {self.total:,} ({share:.0f}%), {rate:,.0f}/s"
        if 0 < self.done < self.total:
            line += f", about {_duration((self.total - self.done) / rate)} left"
        return line

    def phase(self, name: str) -> None:
        """A step without a count (building indexes...): one line, with the time so far."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        self._line(f"{name} ({_duration(self.clock() - self.started)} so far)")

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
