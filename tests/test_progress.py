"""Progress of long commands, on a terminal and in a log."""

from __future__ import annotations

import io

from hireboard.cli.progress import Progress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_every_interval_with_rate_and_time_left() -> None:
    log, clock = io.StringIO(), _Clock()
    with Progress(1_000_000, "copying", stream=log, every_s=5, clock=clock) as progress:
        clock.now += 1
        progress.update(20_000)  # within the interval: no line
        clock.now += 4
        progress.update(100_000)
        clock.now += 5
        progress.update(200_000)
        clock.now += 30
        progress.phase("rebuilding indexes")
        progress.update(1_000_000)
    lines = log.getvalue().splitlines()
    assert lines == [
        "copying: 1,000,000 to go",
        "copying: 100,000 of 1,000,000 (10%), 20,000/s, about 45 s left",
        "copying: 200,000 of 1,000,000 (20%), 20,000/s, about 40 s left",
        "rebuilding indexes (40 s so far)",
        "copying: 1,000,000 of 1,000,000 (100%), 25,000/s",
    ]


def test_long_remaining_times_read_in_minutes_and_hours() -> None:
    log, clock = io.StringIO(), _Clock()
    with Progress(10_000_000, "copying", stream=log, every_s=1, clock=clock) as progress:
        clock.now += 10
        progress.update(1_000)
        clock.now += 10
        progress.update(200_000)
    first, second = log.getvalue().splitlines()[1:]
    assert first.endswith("about 27 h 46 min left")
    assert second.endswith("about 16 min 20 s left")


def test_a_terminal_gets_a_bar_instead_of_lines() -> None:
    terminal = _Terminal()
    with Progress(100, "copying", stream=terminal) as progress:
        progress.update(50)
        progress.update(100)
    shown = terminal.getvalue()
    assert "copying" in shown
    assert "100%" in shown
    assert "of 100" not in shown  # no log lines on a terminal
