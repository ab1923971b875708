"""The one reader of the environment: every setting studybot understands, validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.rules.timezones import is_timezone


def default_database_url() -> str:
    """A SQLite file in the user's data directory, e.g. ~/.local/share/studybot/studybot.db on Linux."""
    return f"sqlite:///{Path(user_data_dir('studybot', appauthor=False)) / 'studybot.db'}"


class Settings(BaseSettings):
    """Settings from environment variables (and a ``.env`` file in the working directory)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default_factory=default_database_url, validation_alias="DATABASE_URL")
    content_dirs: str = Field(default="", validation_alias="STUDYBOT_CONTENT_DIRS")
    default_deck: str = Field(default="mlops-interview", validation_alias="STUDYBOT_DEFAULT_DECK")
    default_language: Literal["en", "pt-BR"] = Field(default="en", validation_alias="STUDYBOT_DEFAULT_LANGUAGE")
    default_timezone: str = Field(default="UTC", validation_alias="STUDYBOT_DEFAULT_TIMEZONE")
    selection_seed: str = Field(default="studybot", min_length=1, validation_alias="STUDYBOT_SEED")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="STUDYBOT_LOG_LEVEL"
    )

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

    def extra_content_dirs(self) -> list[Path]:
        return [Path(p).expanduser() for p in self.content_dirs.split(",") if p.strip()]
