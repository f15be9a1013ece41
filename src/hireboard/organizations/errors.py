"""Organizations' errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import Conflict, Forbidden, NotFound, ValidationFailed


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    title = "Organization not found"


class MemberNotFound(NotFound):
    code = "member_not_found"
    title = "Member not found"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    title = "Invitation not found, expired or already used"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    title = "API key not found"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Another organization uses this slug"


class LastOwner(Conflict):
    code = "last_owner"
    title = "An organization needs at least one owner"


class AlreadyMember(Conflict):
    code = "already_member"
    title = "Already a member of this organization"


class InvitationForAnotherEmail(Forbidden):
    code = "invitation_email_mismatch"
    title = "The invitation was sent to another email address"


class OwnersOnly(Forbidden):
    code = "owners_only"
    title = "Only an owner may do this"


class InvalidExpiry(ValidationFailed):
    code = "invalid_expiry"
    title = "Invalid expiry"
