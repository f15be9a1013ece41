"""Settings: the one place that reads the environment (prefix ``HIREBOARD_``).

Every field is documented in ``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "production"]

# Values people paste from examples; a secret equal to one of them is treated as unset.
_WEAK_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "password", "dev", "test", "token"}
)
_MIN_SECRET_LENGTH = 24


def available_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers narrow), max 64."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 64))


def default_data_dir() -> Path:
    """Where runtime state lives when ``HIREBOARD_DATA_DIR`` is unset.

    root gets a system location the database's own user can traverse (root's home is
    private); everyone else gets the per-user data directory.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/hireboard")
    return Path(platformdirs.user_data_dir("hireboard", appauthor=False))


def _check_postgres_url(value: SecretStr | None) -> SecretStr | None:
    if value is None:
        return None
    scheme = urlsplit(value.get_secret_value()).scheme
    if scheme not in {"postgresql", "postgres"}:
        raise ValueError("must be a postgresql:// URL")
    return value


class Settings(BaseSettings):
    """Typed configuration; see docs/configuration.md for each field."""

    model_config = SettingsConfigDict(env_prefix="HIREBOARD_", extra="ignore", frozen=True)

    env: Environment = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default_factory=available_cores, ge=1, le=64)
    data_dir: Path = Field(default_factory=default_data_dir)
    # Sizing of the embedded PostgreSQL when its cluster is created (embedded_tuning.py).
    embedded_pg_memory_mb: int | None = Field(default=None, ge=256)
    embedded_pg_settings: dict[str, str] = Field(default_factory=dict)
    public_url: str | None = None

    database_url: SecretStr | None = None
    app_database_url: SecretStr | None = None
    read_database_url: SecretStr | None = None
    app_role: str = Field(default="hireboard_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    statement_timeout_ms: int = Field(default=5000, ge=100)
    lock_timeout_ms: int = Field(default=5000, ge=100)

    redis_url: SecretStr | None = None
    # Rate limits and login throttling in a shared store (Redis, else PostgreSQL) even with
    # one worker here: set it when several replicas serve. Unset: shared when workers > 1.
    shared_limits: bool | None = None

    s3_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_key_prefix: str = ""
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    s3_server_side_encryption: Literal["AES256", "aws:kms", "none"] = "AES256"
    s3_connect_timeout_s: float = Field(default=3.0, gt=0, le=60)
    s3_read_timeout_s: float = Field(default=20.0, gt=0, le=300)
    s3_max_attempts: int = Field(default=3, ge=1, le=10)

    worker_concurrency: int = Field(default=4, ge=1, le=100)
    worker_task_modules: list[str] = Field(default_factory=list)
    job_stall_timeout_s: float = Field(default=30, gt=0)
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60)

    jwt_private_key: SecretStr | None = None
    jwt_previous_public_keys: list[str] = Field(default_factory=list)
    jwt_issuer: str = "hireboard"
    jwt_audience: str = "hireboard-api"
    access_token_ttl_s: int = Field(default=900, ge=30, le=3600)
    refresh_family_ttl_s: int = Field(default=30 * 24 * 3600, ge=300)
    refresh_reuse_grace_seconds: int = Field(default=0, ge=0, le=60)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    login_failures_per_account: str = "100/hour"
    login_free_failures_per_source: int = Field(default=5, ge=1, le=100)
    login_backoff_max_s: int = Field(default=900, ge=1, le=86400)
    login_known_source_days: int = Field(default=30, ge=1, le=365)
    login_attempts_per_address: str = "300/15 minutes"
    signups_per_address: str = "60/hour"
    resets_per_address: str = "60/hour"
    # /v1/checks is public and CPU-bound (up to about a second at its largest size).
    checks_per_address: str = "60/minute"

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "hireboard <no-reply@hireboard.invalid>"
    verify_email_token_ttl_s: int = Field(default=48 * 3600, ge=60)
    password_reset_token_ttl_s: int = Field(default=3600, ge=60)
    require_verified_email: bool | None = None
    invitation_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    api_key_default_ttl_days: int = Field(default=90, ge=1)
    api_key_max_ttl_days: int = Field(default=365, ge=1)
    api_key_touch_interval_s: int = Field(default=60, ge=0)
    checker_rules_dir: Path | None = None
    search_facet_exact_limit: int = Field(default=1_000, ge=100)
    # Facets per query signature, in each process: a few seconds, so a new posting shows.
    search_facet_cache_seconds: float = Field(default=5, ge=0, le=60)
    # Feeds and first search pages of published postings, kept rendered in each process
    # (single flight); dropped sooner when a posting change is announced. 0: not kept.
    public_cache_seconds: float = Field(default=5, ge=0, le=60)
    # Statement timeouts of the public read routes, per route class (writes and everything
    # else keep statement_timeout_ms); a cancelled statement answers 503 query_timeout.
    statement_timeout_search_ms: int = Field(default=1500, ge=1)
    statement_timeout_detail_ms: int = Field(default=500, ge=1)
    statement_timeout_stats_ms: int = Field(default=2000, ge=1)
    # The hourly lexicon recount reads every published posting, so it gets its own limit.
    lexicon_refresh_timeout_ms: int = Field(default=600_000, ge=1000)
    stats_min_sample: int = Field(default=5, ge=1)
    match_weight_must_have: float = Field(default=0.35, ge=0, le=1)
    match_weight_nice_to_have: float = Field(default=0.1, ge=0, le=1)
    match_weight_level: float = Field(default=0.15, ge=0, le=1)
    match_weight_pay: float = Field(default=0.15, ge=0, le=1)
    match_weight_location: float = Field(default=0.15, ge=0, le=1)
    match_weight_text: float = Field(default=0.1, ge=0, le=1)
    candidate_retention_days: int = Field(default=730, ge=30)
    privacy_notice_version: str = Field(default="2026-11-01", min_length=1, max_length=40)
    stats_cache_seconds: float = Field(default=5, ge=0, le=5)
    cache_max_mb: int = Field(default=64, ge=0, le=65536)

    outbound_connect_timeout_s: float = Field(default=3.0, gt=0)
    outbound_read_timeout_s: float = Field(default=10.0, gt=0)
    outbound_retries: int = Field(default=2, ge=0, le=10)
    outbound_failure_threshold: int = Field(default=5, ge=1)
    outbound_reset_after_s: float = Field(default=30.0, gt=0)

    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "hireboard"

    docs_enabled: bool | None = None
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    trusted_hosts: list[str] = Field(default_factory=list)
    max_header_bytes: int = Field(default=32 * 1024, ge=4096, le=1024 * 1024)
    max_header_count: int = Field(default=100, ge=16, le=1000)
    gzip_min_bytes: int = Field(default=1024, ge=0)
    shutdown_timeout_s: int = Field(default=30, ge=1)
    # Admission control per worker process (kit/admission.py). The limit defaults to the
    # pool plus its overflow (2 x db_pool_size by default): past that, requests only wait
    # on the pool. The queue absorbs bursts; its wait is short so a shed answer is quick.
    # A limit of 0 turns admission control off.
    admission_limit: int | None = Field(default=None, ge=0, le=10_000)
    admission_queue: int | None = Field(default=None, ge=0, le=10_000)
    admission_max_wait_ms: int = Field(default=200, ge=0, le=10_000)
    admission_retry_after_s: int = Field(default=1, ge=1, le=60)
    # Set by serve for several workers, with prometheus-client's PROMETHEUS_MULTIPROC_DIR.
    metrics_multiproc_dir: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    _check_urls = field_validator("database_url", "app_database_url", "read_database_url")(
        _check_postgres_url
    )

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and urlsplit(value.get_secret_value()).scheme not in {
            "redis",
            "rediss",
            "unix",
        }:
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError("must be an absolute http:// or https:// URL")
            if parts.query or parts.fragment:
                raise ValueError("must not have a query or fragment")
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _check_s3_endpoint(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("s3_key_prefix")
    @classmethod
    def _check_s3_prefix(cls, value: str) -> str:
        """Stored as ``a/b/`` (or empty), whatever slashes the operator wrote around it."""
        parts = value.strip("/").split("/") if value.strip("/") else []
        if any(p in {"", ".", ".."} or not re.fullmatch(r"[A-Za-z0-9._-]+", p) for p in parts):
            raise ValueError("must be path segments of letters, digits, '.', '_' or '-'")
        return "".join(f"{p}/" for p in parts)

    @model_validator(mode="after")
    def _s3_credentials_come_in_pairs(self) -> Settings:
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "set both HIREBOARD_S3_ACCESS_KEY_ID and HIREBOARD_S3_SECRET_ACCESS_KEY, or "
                "neither (then the standard AWS credential chain applies)"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "production":
            problems = self.production_problems()
            if problems:
                raise ValueError("production settings are incomplete: " + "; ".join(problems))
        return self

    def production_problems(self) -> list[str]:
        """What keeps these settings from being safe to run in production."""
        problems = []
        if self.database_url is None:
            problems.append(
                "HIREBOARD_DATABASE_URL is required (no embedded database in production)"
            )
        if self.public_url is None:
            problems.append(
                "HIREBOARD_PUBLIC_URL is required (absolute links and trusted hosts derive from it)"
            )
        if self.smtp_host is None:
            problems.append(
                "HIREBOARD_SMTP_HOST is required (development writes mail to the outbox)"
            )
        if self.jwt_private_key is None:
            problems.append("HIREBOARD_JWT_PRIVATE_KEY (an Ed25519 private key, PEM) is required")
        if self.metrics_port is None and not _is_strong(self.metrics_token):
            problems.append(
                "HIREBOARD_METRICS_TOKEN must be a random value of at least "
                f"{_MIN_SECRET_LENGTH} characters, or set HIREBOARD_METRICS_PORT"
            )
        return problems

    @property
    def base_url(self) -> str:
        """Where links in emails and feeds point."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Host names requests may name: the setting, else the public URL's host (and, in
        development, the loopback names)."""
        if self.trusted_hosts:
            return frozenset(host.lower() for host in self.trusted_hosts)
        public_host = urlsplit(self.base_url).hostname or ""
        loopback = {"localhost", "127.0.0.1", "::1"} if self.is_development else set()
        return frozenset({public_host, *loopback} - {""})

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def match_weights(self) -> dict[str, float]:
        return {
            "must_have": self.match_weight_must_have,
            "nice_to_have": self.match_weight_nice_to_have,
            "level": self.match_weight_level,
            "pay": self.match_weight_pay,
            "location": self.match_weight_location,
            "text": self.match_weight_text,
        }

    @property
    def verified_email_required(self) -> bool:
        """Unverified users may log in, but not create organizations, publish or apply."""
        if self.require_verified_email is None:
            return not self.is_development
        return self.require_verified_email

    @property
    def show_docs(self) -> bool:
        return self.is_development if self.docs_enabled is None else self.docs_enabled

    @property
    def limits_are_shared(self) -> bool:
        """Whether limits must be counted where every process sees them."""
        return self.workers > 1 if self.shared_limits is None else self.shared_limits

    @property
    def admission_slots(self) -> tuple[int, int]:
        """(concurrency limit, queue length) per process; the limit is 0 when off."""
        limit = self.admission_limit
        if limit is None:
            limit = self.db_pool_size + self.db_max_overflow
        return limit, limit if self.admission_queue is None else self.admission_queue

    @property
    def embedded(self) -> bool:
        """True when hireboard runs its own PostgreSQL in the data directory."""
        return self.database_url is None


def _is_strong(secret: SecretStr | None) -> bool:
    if secret is None:
        return False
    value = secret.get_secret_value()
    return len(value) >= _MIN_SECRET_LENGTH and value.strip().lower() not in _WEAK_SECRETS


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment, for entry points that have no other source."""
    return Settings()
