"""Postings: drafts, edits, publishing behind the checker, closing, moderation, history."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hireboard.access import audit, policy
from hireboard.access.actor import Actor
from hireboard.access.context import set_context
from hireboard.access.errors import NotAllowed
from hireboard.checker.engine import CheckInput, run
from hireboard.checker.jurisdictions import EU_MEMBERS
from hireboard.checker.rules import RuleSet
from hireboard.config import Settings
from hireboard.kit.cache import LocalCache, announce, rendered_size
from hireboard.kit.caching import Rendered
from hireboard.organizations.errors import OrganizationNotFound
from hireboard.organizations.repository import get_organization
from hireboard.postings import pay, repository, syndication
from hireboard.postings.errors import (
    ClosesAtPassed,
    InvalidTransition,
    PostingNotCompliant,
    PostingNotFound,
    PostingRemoved,
    ReportNotFound,
)
from hireboard.postings.schemas import (
    HistoryEntry,
    OrganizationRef,
    PayRangeOut,
    Posting,
    PostingCreate,
    PostingFields,
    Report,
    ReportCreate,
)
from hireboard.reference import normalise_skills
from hireboard.templates import service as templates
from hireboard.templates.content import TemplateContent
from hireboard.templates.render import render
from hireboard.worker import defer

PUBLIC = frozenset({"published", "closed", "expired"})
WRITE = policy.Permission(
    "create or change postings",
    frozenset({"owner", "admin", "recruiter"}),
    scope="postings:write",
)
READ = policy.Permission(
    "read the organization's postings",
    policy.ALL_ROLES,
    scope="postings:read",
    platform_admin=True,
)


# --- shaping -------------------------------------------------------------------------------


def to_posting(row: Row[Any], settings: Settings) -> Posting:
    return Posting(
        id=row.id,
        organization=OrganizationRef(
            id=row.organization_id,
            name=row.organization_name,
            website=row.organization_website,
            logo_url=row.organization_logo_url,
        ),
        status=row.status,
        title=row.title,
        role_family=row.role_family,
        level=row.level,
        employment_type=row.employment_type,
        workplace_type=row.workplace_type,
        remote_from=list(row.remote_from),
        locations=list(row.locations),
        description=row.description,
        required_skills=list(row.required_skills),
        nice_to_have_skills=list(row.nice_to_have_skills),
        years_experience=row.years_experience,
        benefits=list(row.benefits),
        closes_at=row.closes_at,
        apply_url=row.apply_url,
        vacancy_exists=row.vacancy_exists,
        ai_screening=row.ai_screening,
        pay_ranges=[PayRangeOut(**r) for r in row.pay_ranges],
        annualisation_factors=dict(row.annualisation_factors),
        questions=list(row.questions),
        template_id=row.template_id,
        template_version=row.template_version,
        published_at=row.published_at,
        closed_at=row.closed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        url=f"{settings.base_url}/v1/postings/{row.id}",
    )


def _columns(sent: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Request fields as stored: skills normalised, pay annualised, countries derived."""
    fields = dict(sent)
    for name in ("required_skills", "nice_to_have_skills"):
        if name in fields:
            fields[name] = normalise_skills(fields[name] or [])
    for name in ("remote_from", "locations", "benefits", "questions"):
        if name in fields and fields[name] is None:
            fields[name] = []
    if fields.get("apply_url") is not None:
        fields["apply_url"] = str(fields["apply_url"])
    merged = {**(current or {}), **fields}
    if {"pay_ranges", "annualisation_factors"} & fields.keys():
        factors = merged.get("annualisation_factors") or {}
        fields["annualisation_factors"] = factors
        ranges = []
        for item in merged.get("pay_ranges") or []:
            annual_min = pay.annual(item.get("min"), item["period"], factors)
            annual_max = pay.annual(item.get("max"), item["period"], factors)
            defaults = {"min": None, "max": None, "basis": "salary", "scope": None}
            ranges.append(
                {
                    **defaults,
                    "components": ["base"],
                    **item,
                    "annual_min": annual_min,
                    "annual_max": annual_max,
                }
            )
        fields["pay_ranges"] = ranges
        first = ranges[0] if ranges else None
        fields["pay_currency"] = first["currency"] if first else None
        fields["pay_min_annual"] = (first["annual_min"] or first["annual_max"]) if first else None
        fields["pay_max_annual"] = (first["annual_max"] or first["annual_min"]) if first else None
    if {"locations", "remote_from"} & fields.keys():
        countries = {loc["country"] for loc in merged.get("locations") or []}
        for code in merged.get("remote_from") or []:
            countries |= EU_MEMBERS if code == "EU" else {code[:2]}
        fields["countries"] = sorted(countries)
    return fields


def _current(row: Row[Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in repository.COLUMNS}


# --- compliance ----------------------------------------------------------------------------


def findings_for(row: Row[Any], rules: RuleSet) -> list[dict[str, Any]]:
    """Error-level checker findings for the jurisdictions the posting reaches."""
    posting = {
        "title": row.title,
        "employment_type": row.employment_type,
        "workplace_type": row.workplace_type,
        "locations": list(row.locations),
        "remote_from": list(row.remote_from),
        "pay_ranges": list(row.pay_ranges),
        "benefits": list(row.benefits),
        "closes_at": row.closes_at,
        "vacancy_exists": row.vacancy_exists,
        "ai_screening": row.ai_screening,
    }
    result = run(
        rules,
        CheckInput(
            text=f"{row.title}\n\n{row.description}",
            posting=posting,
            employer_headcount=row.organization_headcount,
        ),
    )
    return [
        {**asdict(f), "sources": list(f.sources)} for f in result.findings if f.severity == "error"
    ]


def _gate(row: Row[Any], rules: RuleSet) -> None:
    errors = findings_for(row, rules)
    if errors:
        raise PostingNotCompliant(
            f"{len(errors)} error-level finding(s) for the places this posting reaches; "
            "fix them and publish again.",
            findings=errors,
        )


# --- operations ----------------------------------------------------------------------------


async def _history(
    session: AsyncSession, row: Row[Any], actor: Actor, action: str, changes: dict[str, Any]
) -> None:
    await repository.add_history(
        session,
        row.id,
        row.organization_id,
        action,
        changes,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
    )


async def _load(session: AsyncSession, actor: Actor, posting_id: uuid.UUID) -> Row[Any]:
    """The posting if the caller may see it: public ones to all, others to the organization."""
    row = await repository.get(session, posting_id)
    if row is None:
        raise PostingNotFound()
    if row.status not in PUBLIC:
        policy.authorize(actor, row.organization_id, READ, PostingNotFound)
    return row


async def _lock(session: AsyncSession, posting_id: uuid.UUID) -> Row[Any]:
    """The posting row-locked, once the caller is known to be allowed. Under row-level
    security ``FOR UPDATE`` returns no row to a caller the update policy refuses, so it
    never decides visibility: that would turn a 403 into a 404."""
    row = await repository.get(session, posting_id, lock=True)
    if row is None:  # deleted since the plain read
        raise PostingNotFound()
    return row


async def _load_for_write(session: AsyncSession, actor: Actor, posting_id: uuid.UUID) -> Row[Any]:
    """Visible (plain read), then allowed (404 vs 403 by the policy), then locked."""
    seen = await _load(session, actor, posting_id)
    policy.authorize(
        actor, seen.organization_id, WRITE, PostingNotFound, public=seen.status in PUBLIC
    )
    return await _lock(session, posting_id)


async def _from_template(
    session: AsyncSession, actor: Actor, body: PostingCreate, organization_name: str
) -> dict[str, Any]:
    assert body.template_id is not None and body.level is not None  # noqa: S101 - validated
    found = await templates.find(session, actor, body.template_id)
    content = TemplateContent.model_validate(found.content)
    variant = content.variant(body.level)
    values = {"company_name": organization_name}
    if body.locations:
        values["location"] = body.locations[0].city
    if body.apply_url is not None:
        values["apply_link"] = str(body.apply_url)
    if body.benefits:
        values["benefits"] = "; ".join(body.benefits)
    if body.closes_at is not None:
        values["application_deadline"] = f"{body.closes_at:%Y-%m-%d}"
    return {
        "title": variant.title if variant else content.title,
        "role_family": content.role_family,
        "description": render(content, variant, values, "markdown"),
        "required_skills": list(content.must_have_skills),
        "nice_to_have_skills": list(content.nice_to_have_skills),
        "years_experience": variant.years_experience.min if variant else None,
        "template_id": found.id,
        "template_version": found.version,
    }


async def create(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    organization_id: uuid.UUID,
    body: PostingCreate,
) -> Posting:
    """A draft; publishing is a separate step that runs the checker."""
    policy.authorize(actor, organization_id, WRITE, OrganizationNotFound)
    organization = await get_organization(session, organization_id)
    if organization is None:
        raise OrganizationNotFound()
    sent = body.model_dump(mode="json", exclude_unset=True, exclude={"template_id"})
    base = await _from_template(session, actor, body, organization.name) if body.template_id else {}
    fields = _columns({**base, **sent})
    posting_id = await repository.insert(session, organization_id, fields, actor.user_id)
    row = await repository.get(session, posting_id)
    assert row is not None  # noqa: S101 - inserted in this transaction
    await _history(session, row, actor, "created", {"fields": sorted(fields)})
    return to_posting(row, settings)


async def get(
    session: AsyncSession, actor: Actor, settings: Settings, posting_id: uuid.UUID
) -> Posting:
    return to_posting(await _load(session, actor, posting_id), settings)


async def update(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    rules: RuleSet,
    posting_id: uuid.UUID,
    body: PostingFields,
) -> Posting:
    """Fields sent replace the posting's; a published posting must stay compliant."""
    row = await _load_for_write(session, actor, posting_id)
    if row.status == "removed":
        raise PostingRemoved("A removed posting cannot change.")
    current = _current(row)
    fields = _columns(body.model_dump(mode="json", exclude_unset=True), current)
    changes = {
        name: {"from": current[name], "to": value}
        for name, value in fields.items()
        if _comparable(current[name]) != _comparable(value)
    }
    if changes:
        await repository.update(session, posting_id, fields)
        changed = await repository.get(session, posting_id)
        assert changed is not None  # noqa: S101 - locked above
        if changed.status == "published":
            await anyio.to_thread.run_sync(_gate, changed, rules)  # CPU-bound: off the loop
        await _history(session, changed, actor, "updated", changes)
        await _publicise(session, settings, changed)
        if changes.keys() & SCORED_FIELDS:  # applicants' match scores follow the posting
            await defer(session, "applications.rescore_posting", posting_id=str(posting_id))
        row = changed
    return to_posting(row, settings)


# What the candidate-to-posting match score reads (``matching.service``).
SCORED_FIELDS = frozenset(
    {
        "title",
        "description",
        "level",
        "workplace_type",
        "locations",
        "countries",
        "required_skills",
        "nice_to_have_skills",
        "pay_ranges",
        "annualisation_factors",
    }
)


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone(UTC).isoformat()
        except ValueError:
            return value
    return value


TRANSITIONS: dict[str, tuple[frozenset[str], str, str | None]] = {
    "publish": (frozenset({"draft"}), "published", "published_at"),
    "close": (frozenset({"published"}), "closed", "closed_at"),
    "reopen": (frozenset({"closed", "expired"}), "published", "published_at"),
}


async def transition(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    rules: RuleSet,
    posting_id: uuid.UUID,
    action: str,
) -> Posting:
    row = await _load_for_write(session, actor, posting_id)
    if row.status == "removed":
        raise PostingRemoved("A removed posting cannot change.")
    allowed, target, stamp = TRANSITIONS[action]
    if row.status not in allowed:
        raise InvalidTransition(f"A {row.status} posting cannot {action}.")
    if target == "published":
        if actor.user_id is not None:
            policy.require_verified_email(actor, settings)
        if row.closes_at is not None and row.closes_at <= datetime.now(UTC):
            raise ClosesAtPassed("Move closes_at into the future first (PATCH), then retry.")
        await anyio.to_thread.run_sync(_gate, row, rules)  # CPU-bound: off the loop
    await repository.set_status(session, posting_id, target, stamp=stamp)
    await _history(session, row, actor, action, {"status": {"from": row.status, "to": target}})
    changed = await repository.get(session, posting_id)
    assert changed is not None  # noqa: S101 - locked above
    await _publicise(session, settings, changed)
    return to_posting(changed, settings)


async def history(session: AsyncSession, actor: Actor, posting_id: uuid.UUID) -> list[HistoryEntry]:
    row = await _load(session, actor, posting_id)
    policy.authorize(actor, row.organization_id, READ, PostingNotFound)
    return [
        HistoryEntry.model_validate(h, from_attributes=True)
        for h in await repository.history(session, posting_id)
    ]


async def list_for_organization(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    organization_id: uuid.UUID,
    statuses: list[str] | None,
    after: list[str] | None,
    limit: int,
) -> list[Posting]:
    policy.authorize(actor, organization_id, READ, OrganizationNotFound)
    rows = await repository.list_for_organization(session, organization_id, statuses, after, limit)
    return [to_posting(row, settings) for row in rows]


async def report(
    session: AsyncSession, actor: Actor, posting_id: uuid.UUID, body: ReportCreate
) -> Report:
    """Any signed-in user may report a public posting; platform admins review reports."""
    user_id = policy.require_user(actor)
    row = await repository.get(session, posting_id)
    if row is None or row.status not in PUBLIC:
        raise PostingNotFound()
    created = await repository.add_report(session, posting_id, user_id, body.reason, body.details)
    return Report.model_validate(created, from_attributes=True)


async def get_report(
    session: AsyncSession, actor: Actor, posting_id: uuid.UUID, report_id: uuid.UUID
) -> Report:
    """Its reporter's and the moderators' (platform admins) only; 404 to anyone else."""
    policy.require_user(actor)
    found = await repository.get_report(session, posting_id, report_id)
    if found is None:
        raise ReportNotFound()
    return Report.model_validate(found, from_attributes=True)


async def takedown(
    session: AsyncSession, actor: Actor, settings: Settings, posting_id: uuid.UUID
) -> Posting:
    """Platform admins only: the posting leaves search and feeds; the organization is told."""
    seen = await repository.get(session, posting_id)
    if seen is None or (seen.status not in PUBLIC and not actor.platform_admin):
        raise PostingNotFound()
    if not actor.platform_admin:
        raise NotAllowed("Only platform admins take postings down.")
    row = await _lock(session, posting_id)
    if row.status == "removed":
        return to_posting(row, settings)
    await repository.set_status(session, posting_id, "removed", stamp="removed_at")
    await _history(
        session, row, actor, "removed", {"status": {"from": row.status, "to": "removed"}}
    )
    await audit.record(
        session,
        row.organization_id,
        "posting.removed",
        actor,
        target_type="posting",
        target_id=posting_id,
    )
    await defer(session, "postings.takedown_email", posting_id=str(posting_id))
    changed = await repository.get(session, posting_id)
    assert changed is not None  # noqa: S101 - locked above
    await _publicise(session, settings, changed)
    return to_posting(changed, settings)


# --- public renderings ---------------------------------------------------------------------
#
# The public answers of GET /v1/postings/{id} and /jsonld are rendered once, by the write
# that changes them, and stored (``posting_public``, migration 0022) in the same transaction;
# every process's cache is told when it commits (``kit.cache.announce``). Anonymous reads
# are then a cache hit, or one primary-key lookup on an autocommit connection.

PUBLIC_CACHE_CONTROL = "public, max-age=60"
_MEDIA = {"document": "application/json", "jsonld": "application/ld+json"}
_KEPT_S = 300.0  # the bus drops changed entries; this only bounds what an unseen change costs


def _renderings(row: Row[Any], settings: Settings) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": row.id,
        "organization_id": row.organization_id,
        "rendered_from": row.updated_at,
        "document": None,
        "document_etag": None,
        "jsonld": None,
        "jsonld_etag": None,
    }
    if row.status in PUBLIC:
        posting = to_posting(row, settings)
        document = Rendered.of(posting.model_dump_json().encode(), _MEDIA["document"])
        jsonld = json.dumps(syndication.job_posting(posting), ensure_ascii=False).encode()
        values |= {
            "document": document.body,
            "document_etag": document.etag,
            "jsonld": jsonld,
            "jsonld_etag": Rendered.of(jsonld, _MEDIA["jsonld"]).etag,
        }
    return values


def tags_of(posting_id: uuid.UUID) -> list[str]:
    """What a change to the posting's public form changes: its own answers, and every list
    of postings (search pages, feeds, statistics)."""
    return [f"posting:{posting_id}", "postings"]


async def _publicise(session: AsyncSession, settings: Settings, row: Row[Any]) -> None:
    """Store ``row``'s public renderings (or mark it not public) in the write's transaction,
    and have every process drop its cached ones when that commits. Drafts that were never
    public have nothing stored and nothing to announce."""
    if row.status == "draft" and row.published_at is None:
        return
    await repository.store_public(session, _renderings(row, settings))
    await announce(session, tags_of(row.id))


async def forget_public(session: AsyncSession, posting_ids: Sequence[uuid.UUID]) -> None:
    """For jobs that change postings in bulk (expiry), which have no request settings to
    render with: their stored renderings dropped, rendered again on the next read."""
    if posting_ids:
        await repository.forget_public(session, posting_ids)
        await announce(session, [tag for i in posting_ids for tag in tags_of(i)])


@dataclass(frozen=True)
class PublicReader:
    """What an anonymous detail read needs: the per-process cache, the lean autocommit
    engine (one statement per miss), and write sessions for a first rendering."""

    cache: LocalCache
    lean_engine: AsyncEngine
    write_sessions: async_sessionmaker[AsyncSession]
    settings: Settings


# Cached "not public" (404), dropped like any entry when the posting is published.
_ABSENT = Rendered(b"", "", "")


async def public_rendering(
    reader: PublicReader, posting_id: uuid.UUID, kind: str
) -> Rendered | None:
    """The anonymous answer: the cached rendering, else the stored one (one statement),
    else rendered now and stored. None: not public (404)."""
    rendered = await reader.cache.get_or_compute(
        f"posting:{posting_id}:{kind}",
        lambda: _stored_or_rendered(reader, posting_id, kind),
        ttl=_KEPT_S,
        tags=[f"posting:{posting_id}"],
        size=rendered_size,
    )
    return None if rendered is _ABSENT else rendered


async def _stored_or_rendered(reader: PublicReader, posting_id: uuid.UUID, kind: str) -> Rendered:
    async with reader.lean_engine.connect() as conn:
        stored = await repository.public_rendering(conn, posting_id, kind)
    if stored is not None and stored.body is not None:
        return Rendered(bytes(stored.body), _MEDIA[kind], stored.etag)
    if stored is not None:
        return _ABSENT  # taken down
    return await _render_and_fill(reader, posting_id, kind)


async def _render_and_fill(reader: PublicReader, posting_id: uuid.UUID, kind: str) -> Rendered:
    """A posting with nothing stored (bulk loaded, or public before migration 0022): read
    as the public may, render, and store unless it changed meanwhile."""
    async with reader.write_sessions() as session, session.begin():
        session.info["statement_timeout"] = str(reader.settings.statement_timeout_detail_ms)
        await set_context(session)
        row = await repository.get(session, posting_id)
        if row is None or row.status not in PUBLIC:
            return _ABSENT
        values = _renderings(row, reader.settings)
        await repository.fill_public(session, values)
    body: bytes = values[kind]
    return Rendered(body, _MEDIA[kind], values[f"{kind}_etag"])
