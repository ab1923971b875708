"""SlackPort: the core's ChatPort over the Web API (chat.postMessage, chat.postEphemeral, response_url)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import fallback_text, messages
from adapters.slack.sessions import LoopSessions
from adapters.slack.translate import PLATFORM, ReplyHandle
from bot.events import Origin
from bot.messages import Message
from bot.ports import Capabilities, ChannelRef, PlatformError

log = logging.getLogger(__name__)

#: Errors after which trying again cannot help: the channel or the bot's access is gone.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "team_access_not_granted",
        "no_permission",
        "not_authed",
    }
)

POST_EVENT_TYPE = "studybot_daily_post"
#: conversations.history pages (of LOOKUP_PAGE_SIZE messages) searched for a keyed post before giving up as unknown.
LOOKUP_PAGES = 10
LOOKUP_PAGE_SIZE = 200
#: Lookup errors that say nothing about the channel itself (the bot cannot read it, but may still post to it).
LOOKUP_BLIND = frozenset({"not_in_channel", "missing_scope"})

ClientFor = Callable[..., Awaitable[AsyncWebClient]]  # (team_id, enterprise_id=None) -> the installation's client


def platform_error(exc: SlackApiError) -> PlatformError:
    error = str(exc.response.get("error", "unknown_error"))
    retry_after = exc.response.headers.get("Retry-After") if exc.response.status_code == 429 else None
    return PlatformError(
        f"slack: {error}", permanent=error in PERMANENT_ERRORS, retry_after=float(retry_after) if retry_after else None
    )


class SlackPort:
    platform = PLATFORM
    capabilities = Capabilities(ephemeral=True, threads=True, spoilers=False, buttons=True, direct_messages=True)

    def __init__(
        self, client_for: ClientFor, retry_handlers: list[AsyncRetryHandler], sessions: LoopSessions | None = None
    ):
        self.sessions = sessions  # one HTTP session per loop (else slack_sdk opens one per call)
        self._client_for = client_for
        self._retry_handlers = retry_handlers

    async def post(
        self, channel: ChannelRef, message: Message, *, thread: str | None = None, key: str | None = None
    ) -> str:
        client = await self._client_for(channel.tenant_id)
        first_ts: str | None = None
        metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"key": key}} if key else None
        try:
            for part in messages(message):
                response = await client.chat_postMessage(
                    channel=channel.channel_id,
                    blocks=part,
                    text=fallback_text(message),
                    thread_ts=first_ts or thread,
                    metadata=metadata if first_ts is None else None,
                )
                first_ts = first_ts or str(response["ts"])
        except SlackApiError as exc:
            raise platform_error(exc) from exc
        if first_ts is None:
            raise ValueError("the message rendered to no blocks: nothing was sent")
        return first_ts

    async def find_post(self, channel: ChannelRef, key: str, since: datetime) -> str | None:
        """The ts of the message posted with ``key`` in its metadata since ``since`` (conversations.history, page
        by page), or None when the channel's history since then has no such message. Raises PlatformError when
        Slack cannot say (an error, or more history than ``LOOKUP_PAGES`` pages): the outcome is then unknown."""
        client = await self._client_for(channel.tenant_id)
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            try:
                response = await client.conversations_history(
                    channel=channel.channel_id,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=LOOKUP_PAGE_SIZE,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                error = platform_error(exc)
                # The bot may post where it cannot read (chat:write.public, not a member): the channel is fine,
                # only this lookup is blind. Unknown, not a reason to switch the channel off.
                error.permanent = error.permanent and exc.response.get("error") not in LOOKUP_BLIND
                raise error from exc
            for item in response.get("messages") or []:
                metadata = item.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == POST_EVENT_TYPE and payload.get("key") == key:
                    return str(item["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                return None
        raise PlatformError(f"slack: more than {LOOKUP_PAGES * LOOKUP_PAGE_SIZE} messages to search for {key}")

    async def reply(self, origin: Origin, message: Message, *, private: bool) -> None:
        handle: ReplyHandle = origin.reply_handle
        try:
            if handle.response_url:
                await self._respond(handle.response_url, message, private=private, replace=False)
                return
            client = await self._client_for(handle.team_id, handle.enterprise_id)
            for part in messages(message):
                if private:
                    await client.chat_postEphemeral(
                        channel=handle.channel_id, user=handle.user_id, blocks=part, text=fallback_text(message)
                    )
                else:
                    await client.chat_postMessage(channel=handle.channel_id, blocks=part, text=fallback_text(message))
        except SlackApiError as exc:
            raise platform_error(exc) from exc

    async def edit(self, origin: Origin, message_id: str | None, message: Message) -> None:
        handle: ReplyHandle = origin.reply_handle
        try:
            if handle.response_url:
                await self._respond(handle.response_url, message, private=True, replace=True)
                return
            client = await self._client_for(handle.team_id, handle.enterprise_id)
            await client.chat_update(
                channel=handle.channel_id, ts=message_id or "", blocks=messages(message)[0], text=fallback_text(message)
            )
        except SlackApiError as exc:
            raise platform_error(exc) from exc

    async def upload(
        self, origin: Origin, message: Message, filename: str, data: bytes, *, private: bool = False,
        alt_text: str = "",
    ) -> None:
        """The picture is uploaded unshared, then shown by an image block (with its alt text) in the answer: an
        ephemeral answer for a private one, a channel message otherwise."""
        handle: ReplyHandle = origin.reply_handle
        client = await self._client_for(handle.team_id, handle.enterprise_id)
        try:
            uploaded = await client.files_upload_v2(content=data, filename=filename, title=message.title or filename,
                                                    alt_txt=alt_text or None)
            files = uploaded.get("files") or [uploaded.get("file") or {}]
            image = {"type": "image", "slack_file": {"id": files[0].get("id")}, "alt_text": alt_text or filename}
            blocks = [*messages(message)[0], image]
            if private and handle.response_url:
                await self._respond_blocks(handle.response_url, blocks, fallback_text(message), private=True)
            elif private:
                await client.chat_postEphemeral(channel=handle.channel_id, user=handle.user_id, blocks=blocks,
                                                text=fallback_text(message))
            else:
                await client.chat_postMessage(channel=handle.channel_id, blocks=blocks, text=fallback_text(message))
        except SlackApiError as exc:
            raise platform_error(exc) from exc

    async def _respond_blocks(self, url: str, blocks: list[dict[str, Any]], text: str, *, private: bool) -> None:
        webhook = AsyncWebhookClient(url, retry_handlers=list(self._retry_handlers))
        body = {"text": text, "blocks": blocks, "response_type": "ephemeral" if private else "in_channel"}
        response = await webhook.send_dict(body)
        if response.status_code >= 400:
            raise PlatformError(f"slack: response_url answered {response.status_code}")

    async def send_direct(self, tenant_id: str, user_id: str, message: Message) -> None:
        """A message in the app's Messages tab with the member (posting to a user id opens it)."""
        client = await self._client_for(tenant_id)
        try:
            await client.chat_postMessage(channel=user_id, blocks=messages(message)[0], text=fallback_text(message))
        except SlackApiError as exc:
            raise platform_error(exc) from exc

    async def publish_home(
        self, team_id: str, user_id: str, message: Message, *, enterprise_id: str | None = None
    ) -> None:
        client = await self._client_for(team_id, enterprise_id)
        view = {"type": "home", "blocks": messages(message)[0]}
        try:
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            raise platform_error(exc) from exc

    async def _respond(self, url: str, message: Message, *, private: bool, replace: bool) -> None:
        session = self.sessions.get() if self.sessions is not None else None
        webhook = AsyncWebhookClient(url, retry_handlers=list(self._retry_handlers), session=session)
        parts = messages(message)
        for index, part in enumerate(parts):
            body: dict[str, Any] = {
                "text": fallback_text(message),
                "blocks": part,
                "response_type": "ephemeral" if private else "in_channel",
                "replace_original": replace and index == 0,
            }
            response = await webhook.send_dict(body)
            if response.status_code >= 400:
                raise PlatformError(f"slack: response_url answered {response.status_code}")
