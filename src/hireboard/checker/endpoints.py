"""/v1/checks: lint a job description; /v1/checks/rules: what it checks, with sources."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from hireboard.checker import service
from hireboard.checker.rules import RuleSet
from hireboard.checker.schemas import CheckRequest, CheckResponse, RulesResponse
from hireboard.kit.caching import cached_response
from hireboard.kit.problem import problem_responses
from hireboard.kit.ratelimit import Policy, rate_limit
from hireboard.kit.routing import JSONRoute

router = APIRouter(route_class=JSONRoute, tags=["checker"])

# Open when the store is down: the checker stores nothing, and the thread it runs in keeps
# the API answering; a refused check helps nobody.
CHECKS = Policy("checks", lambda r: r.app.state.settings.checks_per_address)


def rules_from(request: Request) -> RuleSet:
    rules: RuleSet = request.app.state.checker_rules
    return rules


@router.post(
    "/v1/checks",
    summary="Check a job description against pay-transparency law and wording rules",
    responses=problem_responses(400, 413, 415, 422, 429),
    dependencies=[rate_limit(CHECKS)],
)
async def check(body: CheckRequest, request: Request) -> CheckResponse:
    """Public and stateless: nothing sent here is stored. Findings carry code-point spans
    into ``text``, the rule's fix and its sources; ``score`` is 0-100. Rate limited per
    client (``RateLimit`` headers)."""
    # CPU-bound: in a worker thread, so the event loop keeps serving other requests.
    return await anyio.to_thread.run_sync(service.check, rules_from(request), body)


@router.get(
    "/v1/checks/rules",
    summary="Every rule the checker applies, with its sources",
    response_model=RulesResponse,
)
async def list_rules(request: Request) -> Response:
    """Law rules carry their jurisdiction, effective dates and employer-size threshold."""
    body = service.list_rules(rules_from(request)).model_dump_json().encode()
    return cached_response(request, body, "application/json", cache_control="public, max-age=300")
