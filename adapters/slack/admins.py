"""What studybot needs to know of a member from ``users.info``: whether they are a workspace admin (is_admin,
is_owner, is_primary_owner) and their Slack language (``include_locale``), cached for a while."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class MemberInfo:
    is_admin: bool
    locale: str  # e.g. "pt-BR", "en-US"; "" when Slack did not say


UNKNOWN = MemberInfo(is_admin=False, locale="")


class AdminCache:
    def __init__(self, ttl: float = CACHE_SECONDS):
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, MemberInfo]] = {}

    async def member(self, client: AsyncWebClient, team_id: str, user_id: str) -> MemberInfo:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            error = exc.response.data.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
            log.warning(
                "users.info failed; treating the member as not an admin", extra={"tenant": team_id, "error": error}
            )
            return UNKNOWN
        user = response.get("user") or {}
        info = MemberInfo(
            is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            locale=str(user.get("locale") or "")[:16],
        )
        self._cache[key] = (time.monotonic(), info)
        return info

    async def is_admin(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        return (await self.member(client, team_id, user_id)).is_admin
