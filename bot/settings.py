"""The one reader of the environment: every setting studybot understands, validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.rules.timezones import is_timezone


def default_database_url() -> str:
    """A SQLite file in the user's data directory, e.g. ~/.local/share/studybot/studybot.db on Linux."""
    return f"sqlite:///{Path(user_data_dir('studybot', appauthor=False)) / 'studybot.db'}"


class Settings(BaseSettings):
    """Settings from environment variables (and a ``.env`` file in the working directory)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(default_factory=default_database_url, validation_alias="DATABASE_URL")
    content_dirs: str = Field(default="", validation_alias="STUDYBOT_CONTENT_DIRS")
    default_deck: str = Field(default="mlops-interview", validation_alias="STUDYBOT_DEFAULT_DECK")
    default_language: Literal["en", "pt-BR"] = Field(default="en", validation_alias="STUDYBOT_DEFAULT_LANGUAGE")
    default_timezone: str = Field(default="UTC", validation_alias="STUDYBOT_DEFAULT_TIMEZONE")
    selection_seed: str = Field(default="studybot", min_length=1, validation_alias="STUDYBOT_SEED")
    http_port: int = Field(default=3000, ge=1, le=65535, validation_alias="STUDYBOT_HTTP_PORT")
    http_host: str = Field(default="0.0.0.0", validation_alias="STUDYBOT_HTTP_HOST")
    http_idle_timeout: float = Field(default=30.0, gt=0, le=3600, validation_alias="STUDYBOT_HTTP_IDLE_TIMEOUT")
    http_request_timeout: float = Field(default=30.0, gt=0, le=600, validation_alias="STUDYBOT_HTTP_REQUEST_TIMEOUT")
    http_max_connections: int = Field(default=1000, ge=8, validation_alias="STUDYBOT_HTTP_MAX_CONNECTIONS")
    metrics_host: str = Field(default="127.0.0.1", validation_alias="STUDYBOT_METRICS_HOST")
    metrics_port: int = Field(default=9464, ge=0, le=65535, validation_alias="STUDYBOT_METRICS_PORT")  # 0: off
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="STUDYBOT_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="STUDYBOT_LOG_LEVEL"
    )

    # Slack: single workspace with a bot token and signing secret; Socket Mode with an app-level token;
    # several workspaces (OAuth install) with a client id and secret.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

    # Discord
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: str = Field(default="", validation_alias="DISCORD_GUILD_IDS")
    discord_api_base: str = Field(default="https://discord.com/api/v10", validation_alias="DISCORD_API_BASE")
    discord_gateway_url: str = Field(default="wss://gateway.discord.gg", validation_alias="DISCORD_GATEWAY_URL")
    discord_shards: str | None = Field(default=None, validation_alias="DISCORD_SHARDS")

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_id", "slack_client_secret",
        "discord_token", "discord_shards", mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # "SLACK_BOT_TOKEN=" in a .env copied from .env.example means "not set", not "set to nothing".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url", "discord_api_base", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError(f"{value!r} is not a URL; for example https://slack.com/api/")
        return value

    @field_validator("discord_guild_ids")
    @classmethod
    def _guild_ids(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and not part.strip().isdigit():
                raise ValueError(f"{part.strip()!r} is not a guild id; use numbers separated by commas, e.g. 1234,5678")
        return value

    @field_validator("discord_shards")
    @classmethod
    def _shards(cls, value: str | None) -> str | None:
        if value is not None and value.strip() and value.strip() != "auto" and not value.strip().isdigit():
            raise ValueError(f"{value!r} is neither auto nor a number of shards; for example DISCORD_SHARDS=auto")
        return value.strip() or None if value is not None else None

    def guild_ids(self) -> list[int]:
        return [int(p) for p in self.discord_guild_ids.split(",") if p.strip()]

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    @property
    def slack_multi_workspace(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def discord_configured(self) -> bool:
        return self.discord_token is not None

    @field_validator("default_language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        from bot.i18n import parse_language

        # pt, pt-BR, pt_br, en, en-US... as admins write it in /studybot language.
        if isinstance(value, str):
            parsed = parse_language(value)
            if parsed is None:
                raise ValueError(f"{value!r} is not a language studybot speaks: use en or pt (pt-BR)")
            return parsed
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if not is_timezone(value):
            raise ValueError(f"unknown IANA timezone {value!r}; for example Europe/Berlin or America/Sao_Paulo")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError(
                "must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, for example sqlite:///studybot.db"
            )
        return value

    def database_password(self) -> str | None:
        credentials = self.database_url.split("//", 1)[-1].rpartition("@")[0]
        return credentials.split(":", 1)[1] if ":" in credentials else None

    def mask(self, text: str) -> str:
        """``text`` (the database URL, an error message) with the database password replaced by ``***``."""
        password = self.database_password()
        if password:
            for form in {password, unquote(password)}:
                text = text.replace(f":{form}@", ":***@").replace(form, "***")
        return text

    def secrets(self) -> list[str]:
        """Every configured secret value: the logs scrub them."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.slack_client_secret,
                  self.discord_token]
        found = [v.get_secret_value() for v in values if v is not None]
        if "@" in self.database_url and ":" in self.database_url.split("@")[0].split("//")[-1]:
            found.append(self.database_url.split("@")[0].split("//")[-1].split(":", 1)[1])
        return found

    def extra_content_dirs(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.content_dirs.split(",") if p.strip()]
