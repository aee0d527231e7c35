"""The one settings object, read from ``PEPPER_*`` environment variables.

Every tunable of the service lives here with its type and default, and is validated at
start-up: a production deployment with a default secret, SQLite or no Redis refuses to
start with a one-line reason instead of limping along.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A value anyone can read in this file must never protect a production deployment.
DEFAULT_SECRET = "insecure-development-secret-change-me"  # noqa: S105
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    """The environment describes a deployment that must not start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PEPPER_", extra="ignore", frozen=True, validate_default=True
    )

    env: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)

    # Storage. The embedded default is a SQLite file under var/; production points
    # these at PostgreSQL and Redis shared by every process on every host.
    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = Field(default="pepper:", min_length=1, max_length=64)

    # Timeouts: a dead dependency must cost a bounded, small time (PRODUCTION.md).
    db_connect_timeout_s: int = Field(default=3, ge=1, le=60)
    db_statement_timeout_ms: int = Field(default=5000, ge=10, le=600_000)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)
    db_pool_timeout_s: float = Field(default=2.0, gt=0, le=60)
    # How many requests of a process may wait on the database at once (pepper/db/
    # bulkhead.py). gunicorn.conf.py sets it to its threads minus two, kept for decisions
    # and health checks; unset (tests, the CLI) there is no bound.
    db_request_slots: int | None = Field(default=None, ge=1, le=256)
    # How long a request that cannot be answered without the database (a device the
    # standby does not know) may wait for a slot before its 503.
    db_slot_wait_ms: int = Field(default=500, ge=0, le=5000)
    # Request threads of a process (gunicorn.conf.py sets it to its own): each may store
    # a carrier call on the decision's pool, which is sized to match.
    threads: int = Field(default=1, ge=1, le=256)
    sqlite_busy_timeout_s: float = Field(default=5.0, gt=0, le=60)
    redis_socket_timeout_s: float = Field(default=0.25, gt=0, le=30)
    redis_connect_timeout_s: float = Field(default=0.5, gt=0, le=30)

    # HTTP.
    bind: str = "127.0.0.1:8000"
    max_content_length: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    proxy_hops: int = Field(default=0, ge=0, le=5)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Numbers.
    default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")

    # Rate limits (Flask-Limiter notation). Per token where a token is sent, else per IP.
    rate_limit_default: str = "600/minute"
    rate_limit_per_ip: str = "3000/minute"
    rate_limit_register: str = "20/hour"
    rate_limit_screen: str = "300/minute"
    # How long /v1/screen waits on Redis for its rate limit before counting in memory: a
    # slow Redis must not spend the call's budget (its connection setup alone is several
    # round trips).
    rate_limit_screen_budget_ms: int = Field(default=50, ge=5, le=1000)
    # How often each process sends /v1/screen's counts to Redis (pepper/http/shared_limit.py):
    # hits far below the limit are counted in memory and reach Redis within this.
    rate_limit_sync_ms: int = Field(default=100, ge=10, le=5000)
    rate_limit_reports: str = "120/hour"
    rate_limit_lookup: str = "300/minute"
    rate_limit_field_issues: str = "30/hour"
    rate_limit_blocklist: str = "120/hour"

    # Screening. Thresholds on p_spam per device sensitivity: silence, then block.
    screen_deadline_ms: int = Field(default=300, ge=20, le=4000)
    threshold_low: tuple[float, float] = (0.85, 0.97)
    threshold_normal: tuple[float, float] = (0.6, 0.9)
    threshold_high: tuple[float, float] = (0.45, 0.8)
    breaker_failures: int = Field(default=5, ge=1, le=1000)
    breaker_reset_s: float = Field(default=5.0, gt=0, le=600)
    decision_cache_ttl_s: int = Field(default=3600, ge=0, le=7 * 86400)
    # What decisions read, kept in each process (pepper/screening/cache.py). Devices and
    # their lists are forgotten through the change log, polled every cache_sync_s by
    # every process; callers' evidence lives number_cache_ttl_s. A size of 0 turns a
    # cache off.
    cache_sync_s: float = Field(default=1.0, ge=0.05, le=10)
    device_cache_size: int = Field(default=50_000, ge=0, le=10_000_000)
    device_cache_ttl_s: float = Field(default=300.0, ge=0, le=86400)
    number_cache_size: int = Field(default=100_000, ge=0, le=10_000_000)
    number_cache_ttl_s: float = Field(default=15.0, ge=0, le=3600)

    # Twilio. Without an auth token the /twilio routes are not served at all (never
    # "open when unconfigured"). The public base URL is what Twilio signs.
    public_base_url: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_auth_token_previous: SecretStr | None = None
    # Fallback URL routes, read from settings alone: {"+1twilio": "+1ring_to", ...}.
    twilio_fallback_routes: dict[str, str] = Field(default_factory=dict)
    challenge_timeout_s: int = Field(default=6, ge=2, le=30)
    # Call records are stored behind the call, in batches every this many ms (0: during
    # the webhook); at most call_record_queue wait in a process while the database is
    # away (pepper/carriers/twilio/recorder.py).
    call_record_flush_ms: int = Field(default=50, ge=0, le=10_000)
    call_record_queue: int = Field(default=50_000, ge=100, le=10_000_000)
    short_call_s: int = Field(default=10, ge=1, le=600)

    # The spam model: artifacts live in models_dir; every process re-reads the active
    # pointer every model_poll_s seconds.
    models_dir: Path = Path(__file__).resolve().parents[1] / "models"
    model_poll_s: float = Field(default=5.0, gt=0, le=60)
    ftc_data: Path = (
        Path(__file__).resolve().parents[2]
        / "shared"
        / "data"
        / "ftc-dnc"
        / ("complaint_numbers_2025-10-28_to_2025-11-26.csv.gz")
    )

    # Sentry: off unless a DSN is set. Sample rates are shares of events and traces.
    sentry_dsn: SecretStr | None = None
    sentry_sample_rate: float = Field(default=1.0, ge=0, le=1)
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0, le=1)

    # /metrics: a bearer token, or (unset) loopback clients only.
    metrics_token: SecretStr | None = None

    # Without PostgreSQL (pepper/standby, with Redis): how long a device is remembered for
    # authenticating during an outage, how many writes may wait, how often each process
    # replays them.
    standby_device_ttl_s: int = Field(default=7 * 86400, ge=60, le=90 * 86400)
    outbox_limit: int = Field(default=100_000, ge=100, le=10_000_000)
    outbox_replay_s: float = Field(default=1.0, ge=0.05, le=60)
    # After the database failed a request, how long this process's other routes do
    # without it before trying again (decisions have their own breaker).
    standby_retry_s: float = Field(default=2.0, ge=0.1, le=60)

    # Reputation and reports.
    reputation_half_life_days: float = Field(default=90.0, gt=0, le=3650)
    list_max_entries: int = Field(default=2000, ge=1, le=100_000)
    idempotency_retention_days: int = Field(default=35, ge=30, le=365)

    # Block-list sync (pepper/blocklist): entries per country list, how many published
    # versions deltas are kept from, when clients should come back (plus up to
    # jitter x that, so that a fleet does not return at once), and whose thresholds
    # decide between the block list and the identification list.
    blocklist_max_entries: int = Field(default=1_000_000, ge=1, le=10_000_000)
    blocklist_retained_versions: int = Field(default=30, ge=2, le=500)
    blocklist_refresh_s: int = Field(default=6 * 3600, ge=60, le=7 * 86400)
    blocklist_refresh_jitter: float = Field(default=0.25, ge=0, le=1)
    blocklist_sensitivity: Literal["low", "normal", "high"] = "normal"

    @field_validator("default_region")
    @classmethod
    def _dialable_region(cls, value: str) -> str:
        import phonenumbers

        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value} is not a region phone numbers can be dialled from")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        for name in ("threshold_low", "threshold_normal", "threshold_high"):
            silence, block = getattr(self, name)
            if not 0.0 < silence <= block <= 1.0:
                raise ValueError(f"PEPPER_{name.upper()} must be 0 < silence <= block <= 1")
        if not self.database_url:
            # frozen model: set through object.__setattr__ once, at construction.
            url = f"sqlite:///{(self.var_dir / 'pepper.sqlite3').resolve()}"
            object.__setattr__(self, "database_url", url)
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("PEPPER_DATABASE_URL must be sqlite:/// or postgresql+psycopg://")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("PEPPER_REDIS_URL must be a redis:// URL")
        if self.public_base_url is not None:
            base = self.public_base_url.rstrip("/")
            if not base.startswith(("https://", "http://")):
                raise ValueError("PEPPER_PUBLIC_BASE_URL must be an http(s):// URL")
            object.__setattr__(self, "public_base_url", base)
        if self.env == "production":
            self._check_production()
        return self

    def _check_production(self) -> None:
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"PEPPER_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production"
            )
        if self.is_sqlite:
            raise ValueError("production needs PostgreSQL: set PEPPER_DATABASE_URL")
        if not self.redis_url:
            raise ValueError(
                "production needs Redis for shared rate limits and jobs: set PEPPER_REDIS_URL"
            )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides), or raise SettingsError in one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = f"PEPPER_{where.upper()}: " if where else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"invalid settings: {field}{message}") from None
