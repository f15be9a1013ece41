"""Checking answers against a posting's screening questions: every problem is listed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hireboard.applications.schemas import Answer


def _problem(index: int | None, question_id: str, message: str, code: str) -> dict[str, Any]:
    loc: list[str | int] = ["body", "answers"]
    if index is not None:
        loc += [index, "value"]
    return {"loc": loc, "msg": f"{question_id}: {message}", "code": code}


def _value_problem(question: Mapping[str, Any], value: Any) -> str | None:
    kind = question["kind"]
    if kind == "text":
        ok = isinstance(value, str) and 0 < len(value.strip()) <= 2000
        return None if ok else "give a text of 1 to 2,000 characters"
    if kind == "yes_no":
        return None if isinstance(value, bool) else "answer true or false"
    if kind == "choice":
        choices = question.get("choices") or []
        return None if value in choices else "choose one of " + ", ".join(choices)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "give a number"
    low, high = question.get("min"), question.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        lowest = "..." if low is None else low
        highest = "..." if high is None else high
        return f"give a number from {lowest} to {highest}"
    return None


def problems(
    questions: Sequence[Mapping[str, Any]], answers: Sequence[Answer]
) -> list[dict[str, Any]]:
    by_id = {q["id"]: q for q in questions}
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        question = by_id.get(answer.question_id)
        if question is None:
            found.append(
                _problem(index, answer.question_id, "no such question", "unknown_question")
            )
            continue
        if answer.question_id in seen:
            found.append(_problem(index, answer.question_id, "answered twice", "duplicate_answer"))
        seen.add(answer.question_id)
        message = _value_problem(question, answer.value)
        if message:
            found.append(_problem(index, answer.question_id, message, "invalid_answer"))
    found.extend(
        _problem(None, question["id"], "this question is required", "answer_required")
        for question in questions
        if question.get("required") and question["id"] not in seen
    )
    return found
