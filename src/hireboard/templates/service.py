"""Templates: read built-ins and an organization's own, copy, edit (each edit a version), render."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hireboard.access import audit, policy
from hireboard.access.actor import Actor
from hireboard.kit.cache import announce
from hireboard.kit.text import STORED_CONTEXT
from hireboard.organizations.errors import OrganizationNotFound
from hireboard.organizations.repository import get_organization
from hireboard.templates import repository
from hireboard.templates.content import TemplateContent
from hireboard.templates.errors import (
    BuiltinTemplateReadOnly,
    InvalidTemplate,
    LevelNotAvailable,
    TemplateNotFound,
    TemplateVersionNotFound,
)
from hireboard.templates.render import Format, render
from hireboard.templates.schemas import (
    Template,
    TemplateCreate,
    TemplateFields,
    TemplateSummary,
    TemplateVersion,
    TemplateVersionSummary,
)
from hireboard.vocabulary import ROLE_FAMILIES, Level


def template_tag(ref: object) -> str:
    """The cache tag of a template's rendered forms (by id or built-in role-family id)."""
    return f"template:{ref}"


def is_builtin_ref(ref: str) -> bool:
    """A built-in's role-family id: public, the same for every caller."""
    return ref in ROLE_FAMILIES


async def announce_changed(
    session: AsyncSession, template_id: uuid.UUID, builtin_id: str | None
) -> None:
    """Every process drops the template's cached renderings when this transaction commits."""
    refs: list[object] = [template_id] if builtin_id is None else [template_id, builtin_id]
    await announce(session, [template_tag(ref) for ref in refs])


def _template(row: Row[Any]) -> Template:
    return Template(
        id=row.id,
        builtin_id=row.builtin_id,
        organization_id=row.organization_id,
        role_family=row.role_family,
        title=row.title,
        version=row.version,
        copied_from=row.copied_from,
        created_at=row.created_at,
        updated_at=row.updated_at,
        content=TemplateContent.model_validate(row.content, context=STORED_CONTEXT),
    )


async def find(session: AsyncSession, actor: Actor, ref: str) -> Row[Any]:
    """A template by id, or a built-in by its role-family id; 404 when not visible."""
    row = None
    if is_builtin_ref(ref):
        row = await repository.get_builtin(session, ref)
    else:
        try:
            template_id = uuid.UUID(ref)
        except ValueError:
            raise TemplateNotFound() from None
        row = await repository.get_template(session, template_id)
    if row is None:
        raise TemplateNotFound()
    if row.organization_id is not None:
        policy.authorize(actor, row.organization_id, policy.READ_TEMPLATES, TemplateNotFound)
    return row


async def get_template(session: AsyncSession, actor: Actor, ref: str) -> Template:
    return _template(await find(session, actor, ref))


async def list_templates(
    session: AsyncSession,
    actor: Actor,
    organization_id: uuid.UUID | None,
    role_family: str | None,
    after: list[str] | None,
    limit: int,
) -> list[TemplateSummary]:
    """Built-ins, and the templates of the caller's organizations."""
    if organization_id is not None:
        policy.authorize(actor, organization_id, policy.READ_TEMPLATES, OrganizationNotFound)
    rows = await repository.list_templates(session, organization_id, role_family, after, limit)
    return [
        TemplateSummary(
            id=row.id,
            builtin_id=row.builtin_id,
            organization_id=row.organization_id,
            role_family=row.role_family,
            title=row.title,
            version=row.version,
            levels=[v["level"] for v in row.content["levels"]],
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _validated(content: dict[str, Any]) -> TemplateContent:
    try:
        return TemplateContent.model_validate(content)
    except ValidationError as exc:
        raise InvalidTemplate(
            "The template is incomplete or inconsistent; see errors.",
            errors=[
                {"loc": ["body", *error["loc"]], "msg": error["msg"], "code": error["type"]}
                for error in exc.errors(include_url=False, include_context=False)
            ],
        ) from None


def _sent(body: TemplateFields) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=True, exclude={"from_template_id"})


async def create_template(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID, body: TemplateCreate
) -> Template:
    """A new organization template, from scratch or copied from one the caller can see."""
    policy.authorize(actor, organization_id, policy.WRITE_TEMPLATES, OrganizationNotFound)
    if await get_organization(session, organization_id) is None:
        raise OrganizationNotFound()
    base: dict[str, Any] = {}
    copied_from = None
    if body.from_template_id is not None:
        source = await find(session, actor, body.from_template_id)
        base, copied_from = dict(source.content), source.id
    content = _validated({**base, **_sent(body)}).model_dump(mode="json")
    template_id = await repository.insert_template(
        session,
        organization_id=organization_id,
        builtin_id=None,
        content=content,
        copied_from=copied_from,
        created_by=actor.user_id,
    )
    await audit.record(
        session,
        organization_id,
        "template.created",
        actor,
        target_type="template",
        target_id=template_id,
        details={"title": content["title"], "copied_from": str(copied_from or "") or None},
    )
    row = await repository.get_template(session, template_id)
    assert row is not None  # noqa: S101 - inserted in this transaction
    return _template(row)


async def update_template(
    session: AsyncSession, actor: Actor, ref: str, body: TemplateFields
) -> Template:
    """Every edit is a new version; the fields sent replace those of the current one."""
    row = await find(session, actor, ref)
    if row.organization_id is None:
        raise BuiltinTemplateReadOnly("Copy it into your organization, then edit the copy.")
    policy.authorize(actor, row.organization_id, policy.WRITE_TEMPLATES, TemplateNotFound)
    content = _validated({**row.content, **_sent(body)}).model_dump(mode="json")
    if content != row.content:
        version = await repository.add_version(
            session, row.id, row.organization_id, content, actor.user_id
        )
        await announce_changed(session, row.id, row.builtin_id)
        await audit.record(
            session,
            row.organization_id,
            "template.updated",
            actor,
            target_type="template",
            target_id=row.id,
            details={"version": version, "fields": sorted(_sent(body))},
        )
    changed = await repository.get_template(session, row.id)
    assert changed is not None  # noqa: S101 - read above
    return _template(changed)


async def list_versions(
    session: AsyncSession, actor: Actor, ref: str
) -> list[TemplateVersionSummary]:
    row = await find(session, actor, ref)
    rows = await repository.list_versions(session, row.id)
    return [
        TemplateVersionSummary(
            version=r.version, title=r.title, created_by=r.created_by, created_at=r.created_at
        )
        for r in rows
    ]


async def get_version(
    session: AsyncSession, actor: Actor, ref: str, version: int
) -> TemplateVersion:
    row = await find(session, actor, ref)
    found = await repository.get_version(session, row.id, version)
    if found is None:
        raise TemplateVersionNotFound(f"Versions run from 1 to {row.version}.")
    return TemplateVersion(
        version=found.version,
        created_by=found.created_by,
        created_at=found.created_at,
        content=TemplateContent.model_validate(found.content, context=STORED_CONTEXT),
    )


async def render_template(
    session: AsyncSession,
    actor: Actor,
    ref: str,
    level: Level | None,
    output: Format,
    values: dict[str, str],
) -> tuple[str, bool]:
    """The rendered text, and whether it is public (a built-in) for caching."""
    row = await find(session, actor, ref)
    content = TemplateContent.model_validate(row.content, context=STORED_CONTEXT)
    variant = None
    if level is not None:
        variant = content.variant(level)
        if variant is None:
            levels = ", ".join(content.level_ids)
            raise LevelNotAvailable(
                f"This template has variants for: {levels}.",
                errors=[
                    {
                        "loc": ["query", "level"],
                        "msg": f"choose one of {levels}",
                        "code": "level_not_available",
                    }
                ],
            )
    known = {k: v for k, v in values.items() if k in content.placeholders}
    return render(content, variant, known, output), row.organization_id is None
