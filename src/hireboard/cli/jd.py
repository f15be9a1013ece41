"""``hireboard jd check FILE``: the JD checker offline, for scripts and CI pipelines."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from hireboard.checker import service
from hireboard.checker.rules import load_rules
from hireboard.checker.schemas import CheckRequest, CheckResponse
from hireboard.cli.runtime import fail, load_settings

app = typer.Typer(help="Job descriptions: check one against the law and wording rules.")

USAGE_ERROR = 2


@app.command()
def check(
    file: Annotated[str, typer.Argument(help="A text or Markdown file; - reads standard input.")],
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option("--jurisdiction", "-j", help="EU, DE, US-CO, US-NY-NYC... (repeatable)."),
    ] = None,
    headcount: Annotated[int | None, typer.Option(help="The employer's headcount.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Check as of this date (YYYY-MM-DD).")] = None,
    output: Annotated[
        str, typer.Option("--format", help="text or json.", show_default=True)
    ] = "text",
) -> None:
    """Exit 0 without error-level findings, 1 with them, 2 on a usage error."""
    if output not in {"text", "json"}:
        fail("--format must be text or json", USAGE_ERROR)
    text = _read(file)
    try:
        request = CheckRequest(
            text=text,
            jurisdictions=jurisdiction or [],
            employer_headcount=headcount,
            as_of=date.fromisoformat(as_of) if as_of else None,
        )
    except (ValidationError, ValueError) as exc:
        fail(f"invalid input: {_errors(exc)}", USAGE_ERROR)
    settings = load_settings()
    result = service.check(load_rules(settings.checker_rules_dir), request)
    if output == "json":
        typer.echo(result.model_dump_json(indent=2))
    else:
        _print_text(result, text)
    raise typer.Exit(1 if any(f.severity == "error" for f in result.findings) else 0)


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}", USAGE_ERROR)


def _errors(exc: ValidationError | ValueError) -> str:
    """Every bad value, each with where it was given (``jurisdictions.0``: the first -j)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
    return str(exc)


def _print_text(result: CheckResponse, text: str) -> None:
    typer.echo(f"score {result.score}/100  (rules {result.rules_version}, as of {result.as_of})")
    if result.jurisdictions:
        typer.echo("jurisdictions: " + ", ".join(result.jurisdictions))
    for finding in result.findings:
        where = ""
        if finding.end > finding.start:
            line = text.count("\n", 0, finding.start) + 1
            snippet = text[finding.start : finding.end][:60].replace("\n", " ")
            where = f' line {line}: "{snippet}"'
        typer.echo(f"{finding.severity:7} {finding.rule_id}{where}")
        typer.echo(f"        {finding.message}")
        typer.echo(f"        fix: {finding.fix}")
    if not result.findings:
        typer.echo("no findings")
