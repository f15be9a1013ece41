"""Templates' errors; each keeps a stable code."""

from __future__ import annotations

from hireboard.errors import Forbidden, NotFound, ValidationFailed


class TemplateNotFound(NotFound):
    code = "template_not_found"
    title = "Template not found"


class TemplateVersionNotFound(NotFound):
    code = "template_version_not_found"
    title = "Template version not found"


class BuiltinTemplateReadOnly(Forbidden):
    code = "builtin_template_read_only"
    title = "Built-in templates cannot be changed; copy one into your organization"


class LevelNotAvailable(ValidationFailed):
    code = "level_not_available"
    title = "The template has no variant for this level"


class InvalidTemplate(ValidationFailed):
    code = "invalid_template"
    title = "The template is not valid"
