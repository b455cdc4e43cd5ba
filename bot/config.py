"""Configuration: a TOML file, with secrets also taken from ANJU_* environment variables."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CentreConfig(Section):
    name: str = "安居物业服务客户中心"
    name_en: str = "Anju Property Service Centre"
    hotline: str = "400-800-1234"
    emergency_phone: str = "0755-8888-1234"
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"


class StoreConfig(Section):
    url: str = "sqlite:///var/anju.db"
    migrate_on_start: bool = True


class SlaConfig(Section):
    """The centre's promises (DOMAIN.md), in hours unless named otherwise."""

    first_reply_hours: float = 2
    handle_hours: float = 24
    complaint_routine_hours: float = 24
    complaint_major_hours: float = 72
    suggestion_forward_minutes: float = 10
    suggestion_reply_hours: float = 24
    business_time: bool = False


class ChannelPacingConfig(Section):
    """Overrides of a channel's built-in pacing (`[sender.pacing.telegram]`)."""

    per_second: float | None = None
    per_chat_interval: float | None = None
    group_per_minute: float | None = None
    chat_burst: int = 3
    group_burst: int = 5
    global_burst: int = 1


class SenderConfig(Section):
    poll_seconds: float = 0.5
    lease_seconds: float = 30
    max_attempts: int = 6
    batch: int = 50
    concurrency: int = Field(default=1, ge=1, le=256)
    paid_broadcast: bool = False
    paid_per_second: float = 1000
    paid_channels: tuple[str, ...] = ("telegram",)
    leader: bool = True
    pacing: dict[str, ChannelPacingConfig] = Field(default_factory=dict)


class SchedulerConfig(Section):
    poll_seconds: float = 5
    lease_seconds: float = 60


class HoursConfig(Section):
    """Opening hours of the centre (weekday -> "HH:MM" pairs) and its holidays (issue 6)."""

    enabled: bool = False  # auto-reply outside hours; SLA business time also uses these hours
    weekly: dict[str, list[list[str]]] = Field(
        default_factory=lambda: {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    )
    statutory_holidays: bool = True  # closed on Chinese statutory holidays, open on 调休 workdays
    extra_holidays: list[str] = Field(default_factory=list)  # "YYYY-MM-DD" override table
    extra_workdays: list[str] = Field(default_factory=list)
    override_years: list[int] = Field(default_factory=list)  # years fully covered by the overrides


class GreetingsConfig(Section):
    """Birthday and holiday greetings (issue 6)."""

    enabled: bool = True
    send_time: str = "09:00"  # local time (centre.timezone)
    holidays: list[str] = Field(
        default_factory=lambda: ["new_year", "chuxi", "spring_festival", "lantern", "qingming",
                                 "labour_day", "dragon_boat", "mid_autumn", "national_day"]
    )
    texts: dict[str, dict[str, str]] = Field(default_factory=dict)  # code -> {"zh": ..., "en": ...}


class TimersConfig(Section):
    """Follow-ups the centre promises (issue 6): SLA reminders, surveys, revisits, notices."""

    sla_reminder_fraction: float = Field(default=0.75, gt=0, lt=1)
    survey_reminder_hours: float = 72
    revisit_days: float = 14
    warranty_notice_days: int = 61
    monthly_check: bool = True
    notice_time: str = "10:00"  # local time for warranty notices and monthly checks


class TelegramConfig(Section):
    token: SecretStr | None = None
    base_url: str | None = None
    base_file_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    staff_chat_id: int | None = None
    supervisor_chat_id: int | None = None
    department_chats: dict[str, int] = Field(default_factory=dict)
    files_dir: str = "var/files"
    member_cache_seconds: float = 60


class WebConfig(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    secret: SecretStr | None = None
    allowed_origins: tuple[str, ...] = ()  # other sites allowed to open the chat socket


class LoggingConfig(Section):
    level: str = "INFO"
    json_lines: bool = Field(default=False, alias="json")


class Config(Section):
    centre: CentreConfig = CentreConfig()
    store: StoreConfig = StoreConfig()
    sla: SlaConfig = SlaConfig()
    routing: dict[str, str] = Field(default_factory=dict)
    sender: SenderConfig = SenderConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    hours: HoursConfig = HoursConfig()
    greetings: GreetingsConfig = GreetingsConfig()
    timers: TimersConfig = TimersConfig()
    telegram: TelegramConfig | None = None
    web: WebConfig = WebConfig()
    logging: LoggingConfig = LoggingConfig()


class ConfigError(Exception):
    """A configuration problem, phrased for the person editing the file."""


# Environment variables that override (or supply) keys, mostly secrets.
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "ANJU_STORE_URL": ("store", "url"),
    "ANJU_TELEGRAM_TOKEN": ("telegram", "token"),
    "ANJU_TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "ANJU_WEB_SECRET": ("web", "secret"),
}


def load_config(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read TOML (if given), apply ANJU_* variables, validate; errors name the key."""
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for var, keys in ENV_KEYS.items():
        if env.get(var):
            section = raw.setdefault(keys[0], {})
            if not isinstance(section, dict):
                raise ConfigError(f"[{keys[0]}] must be a table")
            section[keys[1]] = env[var]
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            problems.append(f"  {key}: {err['msg']}")
        where = f" in {path}" if path else ""
        raise ConfigError(f"bad configuration{where}:\n" + "\n".join(problems)) from exc
