"""schemathesis against the real app: every operation, every check, then stateful sequences.

This is `schemathesis run --checks all` driven from pytest, so it reuses the test fixtures
(a migrated PostgreSQL, a real Redis) and reaches the ASGI app in-process. The engine runs
the examples, coverage, fuzzing and stateful phases (links inferred from the responses);
every built-in check is on: no 5xx, status codes, media types, headers and bodies as
documented, valid input accepted, invalid input refused, `Allow` on 405s, deleted resources
gone. Authenticated operations get real credentials (see tests/fixtures/fuzz.py), and the
run is seeded and derandomized, so it repeats exactly.

schemathesis' own pytest plugin (`from_fixture`) cannot be used: it sets `Node._nodeid`,
which pytest 9.2 no longer has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.auths import AuthContext
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.engine import Status, StopReason, events
from schemathesis.engine.recorder import Interaction
from schemathesis.hooks import HookContext
from schemathesis.python import asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema

from hireboard.app import create_app
from tests.fixtures.fuzz import FuzzTarget, schema_config
from tests.postings.test_postings import draft

REJECTED = "Schema-valid request rejected"
# Refusals no schema can predict, so a schema-valid request may get them: the value is
# judged against server state (a cursor, a one-time or unsubscribe token, the
# organization's pipeline, a posting's questions, a template's levels), the clock (an API
# key's expiry window), the file's bytes, or a list of breached passwords; or against
# reference data the document states only in shape: ISO 3166-2 subdivisions (some 5,000
# codes, kept in checker/subdivisions.txt) behind a jurisdiction's country-region pattern.
STATE_DEPENDENT = frozenset(
    {
        "unknown_jurisdiction",
        "invalid_cursor",
        "invalid_one_time_token",
        "invalid_unsubscribe_token",
        "unknown_stage",
        "unknown_question",
        "level_not_available",
        "invalid_expiry",
        "unsupported_file_type",
        "weak_password",
    }
)
# Rules between fields, or beyond what `format` says, that no JSON Schema keyword states:
# matched on the message of each refused field.
CROSS_FIELD = (
    "is not in ",  # a region outside its country
    "levels must be distinct and in order",
    "placeholders used but not listed",
    "value is not a valid email address",  # email-validator refuses special-use domains
    "a choice question needs choices",
    "only choice questions have choices",
    "question ids must be unique",
    "is implausibly",  # pay plausibility depends on the currency and the period
    "min is above max",  # JSON Schema cannot compare two fields
    # OpenAPI cannot tie two query parameters together; pay_min's description says it.
    "required with pay_min",
    # A stateful link may carry a value the target's `format: uuid` refuses (a null id
    # of an earlier response): the request was not schema-valid after all.
    "Input should be a valid UUID",
)
# 404s for an id inside the body, which ensure_resource_availability takes for the path's.
BODY_REFERENCES = frozenset(
    {("POST /v1/organizations/{organization_id}/applications/transitions", "application_not_found")}
)


def state_dependent(failure: Failure, case: Case[Any], response: Response) -> bool:
    """A schema-valid request refused for one of the reasons above, and only those."""
    if not 400 <= response.status_code < 500:
        return False
    problem = response.json() if response.content else {}
    if failure.title == "Created resource not found":
        return (f"{case.method.upper()} {case.path}", problem.get("code")) in BODY_REFERENCES
    if failure.title != REJECTED:
        return False
    if problem.get("code") in STATE_DEPENDENT:
        return True
    errors = problem.get("errors") or []
    return bool(errors) and all(
        error.get("code") in STATE_DEPENDENT
        or any(rule in str(error.get("msg")) for rule in CROSS_FIELD)
        for error in errors
    )


def has_control_characters(case: Case[Any]) -> bool:
    return any(
        ord(char) < 32 and char not in "\t\n"
        for text in strings((case.path_parameters, case.query, case.body))
        for char in text
    )


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


@dataclass(frozen=True)
class Known:
    """A failure that another item of issue 19 fixes on its own branch."""

    item: int
    check: str  # the failure's title, as schemathesis reports it
    message: str = ""  # a part of the failure's message
    when: Callable[[Case[Any]], bool] = lambda case: True

    def matches(self, failure: Failure, case: Case[Any]) -> bool:
        return failure.title == self.check and self.message in failure.message and self.when(case)


# TEMPORARY: failures whose fixes are on other branches of issue 19. Each entry keeps this
# branch green only until its branch is merged; the merged state has an empty tuple.
KNOWN_UNTIL_MERGE: tuple[Known, ...] = ()


def expected(failure: Failure, case: Case[Any], response: Response) -> bool:
    return state_dependent(failure, case, response) or any(
        known.matches(failure, case) for known in KNOWN_UNTIL_MERGE
    )


@pytest.fixture
def fuzz_schema(fuzz_target: FuzzTarget) -> Iterator[OpenApiSchema]:
    app = create_app(fuzz_target.settings)
    # schemathesis types the app as its own ASGI callable; FastAPI's is the same protocol.
    with asgi.get_client(
        cast("asgi.ASGIApp", app)
    ) as client:  # starts the lifespan that schemathesis calls into
        published = publish_posting(client, fuzz_target)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=schema_config(fuzz_target.world, published)
    )

    @schema.hook
    def filter_failure(
        context: HookContext, failure: Failure, case: Case[Any], response: Response
    ) -> bool:
        return not expected(failure, case, response)

    class Credentials:
        """The caller each operation needs (tests/fixtures/fuzz.py), fresh for every case."""

        def get(self, case: Case[Any], ctx: AuthContext) -> dict[str, str]:
            return fuzz_target.headers(case.method.upper(), case.path)

        def set(self, case: Case[Any], data: dict[str, str], ctx: AuthContext) -> None:
            case.headers.update(data)

    schema.auth(refresh_interval=None)(Credentials)
    try:
        yield schema
    finally:
        asgi.shutdown_lifespans()


def publish_posting(client: Any, target: FuzzTarget) -> str:
    """A posting published through the API, so public routes and applications find one."""
    world = target.world
    created = client.post(
        f"/v1/organizations/{world.organization_id}/postings",
        json=draft(),
        headers=world.headers("owner"),
    )
    assert created.status_code == 201, created.text
    posting_id: str = created.json()["id"]
    published = client.post(f"/v1/postings/{posting_id}/publish", headers=world.headers("owner"))
    assert published.status_code == 200, published.text
    return posting_id


# Tracing every line of the app under thousands of requests would triple this test's time;
# the other tests measure coverage.
@pytest.mark.no_cover
def test_every_operation_and_sequence_conforms(fuzz_schema: OpenApiSchema) -> None:
    failures: list[str] = []
    finished: events.EngineFinished | None = None
    for event in schemathesis.engine.from_schema(fuzz_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            failures.extend(describe(event))
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: error\n{event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            finished = event
    assert finished is not None and finished.stop_reason is StopReason.COMPLETED
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)


def describe(event: events.ScenarioFinished) -> Iterator[str]:
    """One entry per failed check, with the request that reproduces it."""
    for case_id, checks in event.recorder.checks.items():
        case = event.recorder.cases[case_id].value
        for check in checks:
            if check.status is not Status.FAILURE or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            yield (
                f"[{event.phase}] {case.method.upper()} {case.path}: {failure.title}\n"
                f"{failure.message}\n{check.failure_info.code_sample}\n"
                f"-> {answer(event.recorder.interactions.get(case_id))}"
            )


def answer(interaction: Interaction | None) -> str:
    """The status and the start of the body: why the app said what it said."""
    if interaction is None or interaction.response is None:
        return "no response"
    response = interaction.response
    return f"{response.status_code} {response.content[:400]!r}"
