"""Postings for search engines and feed readers: schema.org JobPosting, JSON Feed, RSS 2.0."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from hireboard.postings.schemas import Posting

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
_EMPLOYMENT = {
    "full_time": "FULL_TIME",
    "part_time": "PART_TIME",
    "contract": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "internship": "INTERN",
}


def description_html(posting: Posting) -> str:
    """The Markdown description as HTML; raw HTML is escaped, unsafe links dropped."""
    return str(_markdown.render(posting.description))


def _place(location: dict[str, Any]) -> dict[str, Any]:
    address = {"@type": "PostalAddress", "addressLocality": location.get("city")}
    if location.get("region"):
        address["addressRegion"] = location["region"]
    address["addressCountry"] = location.get("country")
    return {"@type": "Place", "address": address}


def _area(code: str) -> dict[str, str]:
    kind = "Country" if len(code) == 2 else "AdministrativeArea"
    return {"@type": kind, "name": "European Union" if code == "EU" else code}


def job_posting(posting: Posting) -> dict[str, Any]:
    """schema.org ``JobPosting`` with the properties Google requires and recommends."""
    organization: dict[str, Any] = {"@type": "Organization", "name": posting.organization.name}
    if posting.organization.website:
        organization["sameAs"] = posting.organization.website
    if posting.organization.logo_url:
        organization["logo"] = posting.organization.logo_url
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": description_html(posting),
        "datePosted": (posting.published_at or posting.created_at).date().isoformat(),
        "hiringOrganization": organization,
        "employmentType": _EMPLOYMENT[posting.employment_type],
        "identifier": {
            "@type": "PropertyValue",
            "name": posting.organization.name,
            "value": str(posting.id),
        },
        "url": posting.url,
        "directApply": posting.apply_url is None,
    }
    if posting.closes_at is not None:
        document["validThrough"] = posting.closes_at.isoformat()
    if posting.locations:
        document["jobLocation"] = [_place(location) for location in posting.locations]
    if posting.workplace_type == "remote":
        document["jobLocationType"] = "TELECOMMUTE"
        document["applicantLocationRequirements"] = [_area(c) for c in posting.remote_from]
    if posting.pay_ranges:
        first = posting.pay_ranges[0]
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": first.period.upper()}
        if first.min is not None and first.max is not None and first.min != first.max:
            value |= {"minValue": first.min, "maxValue": first.max}
        else:
            value["value"] = first.min if first.min is not None else first.max
        document["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": first.currency,
            "value": value,
        }
    if posting.years_experience:
        document["experienceRequirements"] = {
            "@type": "OccupationalExperienceRequirements",
            "monthsOfExperience": posting.years_experience * 12,
        }
    if posting.required_skills:
        document["skills"] = ", ".join(posting.required_skills)
    return document


def json_feed(
    postings: list[Posting], *, base_url: str, feed_url: str, next_url: str | None
) -> dict[str, Any]:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "hireboard: job postings",
        "home_page_url": base_url,
        "feed_url": feed_url,
        "items": [
            {
                "id": str(p.id),
                "url": p.url,
                "title": f"{p.title} at {p.organization.name}",
                "content_html": description_html(p),
                "date_published": (p.published_at or p.created_at).isoformat(),
                "date_modified": p.updated_at.isoformat(),
                "tags": [p.role_family, p.level, p.workplace_type, *p.required_skills],
            }
            for p in postings
        ],
    }
    if next_url:
        feed["next_url"] = next_url
    return feed


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rss(postings: list[Posting], *, base_url: str, feed_url: str) -> str:
    """RSS 2.0; every text is escaped, descriptions are HTML as the format expects."""
    items = "".join(
        "<item>"
        f"<title>{escape(p.title)} at {escape(p.organization.name)}</title>"
        f"<link>{escape(p.url)}</link>"
        f'<guid isPermaLink="false">{p.id}</guid>'
        f"<pubDate>{_rfc822(p.published_at or p.created_at)}</pubDate>"
        f"<description>{escape(description_html(p))}</description>"
        + "".join(f"<category>{escape(tag)}</category>" for tag in (p.role_family, p.level))
        + "</item>"
        for p in postings
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        "<title>hireboard: job postings</title>"
        f"<link>{escape(base_url)}</link>"
        f'<atom:link href="{escape(feed_url)}" rel="self" type="application/rss+xml"/>'
        "<description>Published job postings with transparent pay.</description>"
        f"{items}</channel></rss>"
    )
