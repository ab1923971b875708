"""Structured logs: platform, tenant, channel and event id on every line, JSON or text, secrets scrubbed."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

CONTEXT_FIELDS = ("platform", "tenant", "channel", "event_id")
_context: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "studybot_log_context", default=()
)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
REDACTED = "[redacted]"

#: Libraries that log whole request and response bodies (and gateway payloads) at DEBUG: model answers, Slack
#: response_urls, bot tokens learned at an OAuth install, Discord interaction tokens. They log at INFO at most,
#: whatever STUDYBOT_LOG_LEVEL says; studybot's own loggers follow it down to DEBUG.
BODY_LOGGERS = ("slack_sdk", "slack_bolt", "discord", "aiohttp", "adapters.slack.socket_mode")

#: Secrets that are not in the settings (learned at run time), found by their shape: each pattern's first group is
#: kept, the rest of the match replaced.
SECRET_PATTERNS = [
    re.compile(r"()\bx(?:ox[a-z]|app|oxe\.xox[a-z])-[0-9A-Za-z-]{6,}"),  # Slack tokens
    re.compile(r"()https://hooks\.slack\.com/[^\s\"'<>]+"),  # response_url, webhooks
    re.compile(r"(\bresponse_url[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
    re.compile(r"(/(?:interactions/\d+|webhooks/\d+)/)[^/\s\"'?]+"),  # Discord interaction tokens in URLs
    re.compile(r"([\"'](?:token|access_token|refresh_token|bot_token)[\"']\s*:\s*[\"'])[^\"']+"),
]


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Attach ``fields`` (platform, tenant, channel, event_id) to every log line written inside the block."""
    merged = {**dict(_context.get()), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _context.set(tuple(merged.items()))
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        current = dict(_context.get())
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, current.get(name, "-"))
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in CONTEXT_FIELDS}


class _Scrubbing(logging.Formatter):
    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in SECRET_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


class JsonFormatter(_Scrubbing):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **{name: getattr(record, name, "-") for name in CONTEXT_FIELDS},
            **{k: v if isinstance(v, int | float | bool | type(None)) else str(v) for k, v in _extras(record).items()},
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.scrub(json.dumps(entry, ensure_ascii=False))


class TextFormatter(_Scrubbing):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        where = " ".join(f"{name}={getattr(record, name, '-')}" for name in CONTEXT_FIELDS)
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{when} {record.levelname} {record.name} [{where}] {record.getMessage()}"
        if extras:
            line += f" {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.scrub(line)


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """One handler on the root logger, to stderr, with the context filter and secret scrubbing."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("alembic", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for library in BODY_LOGGERS:
        logging.getLogger(library).setLevel(max(logging.INFO, logging.getLevelName(level)))
