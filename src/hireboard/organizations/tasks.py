"""Invitation emails, sent by a job: the token is made here, so no plain token is stored."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hireboard import mail
from hireboard.identity.tokens import new_refresh_token as new_secret
from hireboard.organizations import repository
from hireboard.worker import task
from hireboard.worker.registry import job_settings


@task("organizations.invitation_email", retries=5)
async def invitation_email(session: AsyncSession, invitation_id: str) -> None:
    """Runs acting for whoever invited (the job carries their row-level-security context)."""
    settings = job_settings()
    invitation = await repository.get_invitation(session, uuid.UUID(invitation_id))
    if invitation is None or invitation.status != "pending" or invitation.sent:
        return  # revoked, replaced or already sent before a retry
    organization = await repository.get_organization(session, invitation.organization_id)
    token, token_hash = new_secret()
    if organization is None or not await repository.set_invitation_token(
        session, invitation.id, token_hash
    ):
        return
    role = invitation.role.replace("_", " ")
    body = (
        f"You are invited to join {organization.name} on hireboard as {role}.\n\n"
        f"Accept the invitation: {settings.base_url}/invitations/{token}\n"
        f"(API: POST {settings.base_url}/v1/invitations/{token}/accept, logged in with "
        f"this address.)\n\nThe link expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    subject = f"Join {organization.name} on hireboard"
    await mail.send(settings, mail.compose(settings, invitation.email, subject, body))
