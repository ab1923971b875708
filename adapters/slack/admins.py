"""Who is a workspace admin: ``users.info`` (is_admin, is_owner, is_primary_owner), cached for a while."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0


class AdminCache:
    def __init__(self, ttl: float = CACHE_SECONDS):
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def is_admin(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            error = exc.response.data.get("error") if isinstance(exc.response.data, dict) else exc.response.status_code
            log.warning(
                "users.info failed; treating the member as not an admin", extra={"tenant": team_id, "error": error}
            )
            return False
        user = response.get("user") or {}
        admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._cache[key] = (time.monotonic(), admin)
        return admin
