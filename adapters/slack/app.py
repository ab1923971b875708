"""Builds Bolt's AsyncApp for studybot: listeners ack at once, then hand neutral events to the core."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admins import AdminCache
from adapters.slack.port import ClientFor, SlackPort
from adapters.slack.removal import register_removal_listeners
from adapters.slack.render import ACTION_PREFIX
from adapters.slack.sessions import LoopSessions
from adapters.slack.stores import ThreadedInstallationStore, build_stores
from adapters.slack.translate import action_event, command_event, form_view, reaction_event, view_event
from adapters.slack.unused import ignore_unused
from adapters.worker import CoreWorkers
from bot.bootstrap import App
from bot.commands.registry import TOP_LEVEL
from bot.events import with_locale
from bot.lookups import overview
from bot.metrics import Metrics
from bot.ports import PlatformError
from bot.settings import Settings

log = logging.getLogger(__name__)

#: Least privilege: chat:write (chat.postMessage, chat.postEphemeral, chat.update; a member's id as the channel
#: opens the app's Messages tab, so no im:write), chat:write.public (post where not invited), commands,
#: files:write (the /stats picture), channels:history and groups:history (conversations.history, finding a post
#: after a crash), reactions:read (reaction_added), users:read (users.info for admin checks).
BOT_SCOPES = (
    "channels:history", "chat:write", "chat:write.public", "commands", "files:write", "groups:history",
    "reactions:read", "users:read",
)
#: app_uninstalled and tokens_revoked need no scope: they clean up an OAuth installation.
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "reaction_added", "tokens_revoked")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
RATE_LIMIT_RETRIES = 3
#: Worker loops that run the core for Slack events (the serving loop only acks).
WORKER_LOOPS = 4


class LoggedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After, then retries), logging and counting each wait."""

    def __init__(self, *, max_retry_count: int, metrics: Metrics | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.metrics = metrics

    async def prepare_for_next_attempt_async(self, *, state, request, response=None, error=None) -> None:
        if self.metrics is not None:
            self.metrics.rate_limited.labels("slack").inc()
            self.metrics.retries.labels("slack").inc()
        if response is not None:
            retry_after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["?"])
            log.warning(
                "slack rate limited; retrying after Retry-After",
                extra={
                    "retry_after": retry_after[0] if isinstance(retry_after, list) else retry_after,
                    "attempt": state.current_attempt + 1,
                },
            )
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


def retry_handlers(metrics: Metrics | None = None) -> list[AsyncRetryHandler]:
    return [LoggedRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES, metrics=metrics)]


class SlackConfigError(Exception):
    pass


@dataclass
class SlackBot:
    bolt: AsyncApp
    port: SlackPort
    installation_store: ThreadedInstallationStore | None
    workers: CoreWorkers
    signing_secret: str = field(default="", repr=False)

    async def close(self) -> None:
        """Let the events being handled finish, then stop the worker loops."""
        await self.workers.drain()
        if self.port.sessions is not None:
            await self.workers.on_every_loop(self.port.sessions.close_current)
            await self.port.sessions.close_current()  # this loop's (the scheduler posts from it)
        self.workers.stop()


def _client_factory(
    settings: Settings,
    installation_store: ThreadedInstallationStore | None,
    handlers: list[AsyncRetryHandler],
    sessions: LoopSessions | None = None,
) -> tuple[AsyncWebClient, ClientFor]:
    client = AsyncWebClient(base_url=settings.slack_api_url, retry_handlers=handlers)
    if settings.slack_bot_token is not None and installation_store is None:
        client.token = settings.slack_bot_token.get_secret_value()
    per_loop: dict[Any, AsyncWebClient] = {}  # the single workspace's client on each worker loop

    async def client_for(team_id: str, enterprise_id: str | None = None) -> AsyncWebClient:
        """The client with the installation's bot token: by team and organisation when Bolt's context gave
        them, by team alone for the scheduler (a workspace of an Enterprise Grid has both). One HTTP session per
        worker loop."""
        if installation_store is None and sessions is None:
            return client
        session = sessions.get() if sessions is not None else None
        if installation_store is None:
            found = per_loop.get(session)
            if found is None:
                found = per_loop[session] = AsyncWebClient(
                    token=client.token, base_url=settings.slack_api_url, retry_handlers=handlers, session=session
                )
            return found
        if enterprise_id:
            bot = await installation_store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        else:
            bot = await installation_store.async_find_bot_of_team(team_id)
        if bot is None:
            raise PlatformError(f"slack: no installation for team {team_id}", permanent=True)
        return AsyncWebClient(token=bot.bot_token, base_url=settings.slack_api_url, retry_handlers=handlers,
                              session=session)

    return client, client_for


def build_slack_port(bot_app: App, settings: Settings) -> SlackPort:
    """Just the port, for posting without receiving (``studybot tick``)."""
    handlers = retry_handlers(bot_app.services.metrics)
    store = (
        build_stores(settings.slack_client_id or "", bot_app.db.engine)[0] if settings.slack_multi_workspace else None
    )
    if store is None and settings.slack_bot_token is None:
        raise SlackConfigError("set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    _, client_for = _client_factory(settings, store, handlers)
    return SlackPort(client_for, handlers)


class _TokenFromClientFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when it is handed a client built from that very
    token, then warns that the token "will be unused". Our client carries the token, so that one warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_token_warning() -> None:
    logger = logging.getLogger(f"slack_bolt.{AsyncApp.__name__}")
    if not any(isinstance(f, _TokenFromClientFilter) for f in logger.filters):
        logger.addFilter(_TokenFromClientFilter())


def build_slack_bot(bot_app: App, settings: Settings) -> SlackBot:
    """The Bolt app and the port, in single-workspace mode (bot token) or OAuth mode (client id and secret)."""
    if settings.slack_signing_secret is None:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials)")
    handlers = retry_handlers(bot_app.services.metrics)
    _quiet_token_warning()
    sessions = LoopSessions()
    installation_store: ThreadedInstallationStore | None = None
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if settings.slack_multi_workspace:
        installation_store, state_store = build_stores(settings.slack_client_id or "", bot_app.db.engine)
        client, client_for = _client_factory(settings, installation_store, handlers, sessions)
        bolt = AsyncApp(
            signing_secret=signing_secret,
            client=client,
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else None,
                scopes=list(BOT_SCOPES),
                installation_store=installation_store,
                state_store=state_store,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            ),
        )
    elif settings.slack_bot_token is not None:
        client, client_for = _client_factory(settings, None, handlers, sessions)
        bolt = AsyncApp(signing_secret=signing_secret, client=client)
    else:
        raise SlackConfigError(
            "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(OAuth install into several workspaces)"
        )
    port = SlackPort(client_for, handlers, sessions)
    dropped = bot_app.services.metrics.dropped_events.labels("slack").inc
    workers = CoreWorkers(WORKER_LOOPS, name="slack-worker", on_drop=dropped)
    register_listeners(bolt, bot_app, port, workers)
    return SlackBot(bolt, port, installation_store, workers, signing_secret)


def register_listeners(bolt: AsyncApp, bot_app: App, port: SlackPort, workers: CoreWorkers) -> None:
    """Every listener acks at once (Bolt acks events by itself) and hands the work to a worker loop.

    The workspace is always Bolt's ``context.team_id`` (and ``enterprise_id``): the installation the request is
    for, which in a channel shared with another organisation is not the envelope's ``team_id``.
    """
    admins = AdminCache()
    core = bot_app.core

    async def on_command(ack: Any, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()

        async def work() -> None:
            member = await admins.member(client, context.team_id or "", body.get("user_id") or "")
            event = command_event(
                body, is_admin=member.is_admin, team_id=context.team_id, enterprise_id=context.enterprise_id
            )
            await core.handle(with_locale(event, member.locale), port)

        workers.submit(work())

    for name in TOP_LEVEL:
        bolt.command(f"/{name}")(on_command)

    @bolt.event("reaction_added")
    async def on_reaction(body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        event = reaction_event(body, team_id=context.team_id, enterprise_id=context.enterprise_id)
        if event is None:
            return

        # No users.info here: reactions are the hot path (and a workspace's busiest event). The reveal follows the
        # member's language as learned from their last command or button press, or as they chose it.
        workers.submit(core.handle(event, port))

    @bolt.action(re.compile(f"^{ACTION_PREFIX}"))
    async def on_button(ack: Any, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()

        async def work() -> None:
            member = await admins.member(client, context.team_id or "", (body.get("user") or {}).get("id") or "")
            event = action_event(
                body, is_admin=member.is_admin, team_id=context.team_id, enterprise_id=context.enterprise_id
            )
            if event is None:
                return
            pressed = replace(event, origin=replace(event.origin, locale=member.locale or event.origin.locale))
            form = await core.form_for(pressed)
            if form is not None:  # the button opens a modal; its submission comes back through on_view
                view = form_view(form, pressed.origin.channel_id)
                await client.views_open(trigger_id=body.get("trigger_id"), view=view)
                return
            await core.handle(pressed, port)

        workers.submit(work())

    @bolt.view(re.compile("^sb:"))
    async def on_view(ack: Any, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()  # closes the modal; the grade arrives as a private message

        async def work() -> None:
            member = await admins.member(client, context.team_id or "", (body.get("user") or {}).get("id") or "")
            event = view_event(
                body, is_admin=member.is_admin, team_id=context.team_id, enterprise_id=context.enterprise_id
            )
            if event is not None:
                await core.handle(with_locale(event, member.locale), port)

        workers.submit(work())

    @bolt.event("app_home_opened")
    async def on_home(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab") not in (None, "home"):
            return
        from bot.events import Origin

        team_id = context.team_id or ""
        origin = Origin("slack", team_id, "", event.get("user") or "")

        async def work() -> None:
            message = overview(bot_app.services, origin)
            await port.publish_home(team_id, event.get("user") or "", message, enterprise_id=context.enterprise_id)

        workers.submit(work())

    register_removal_listeners(bolt, bot_app, workers)
    ignore_unused(bolt)

    @bolt.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "slack listener failed",
            exc_info=error,
            extra={
                "tenant": body.get("team_id") or (body.get("team") or {}).get("id"),
                "event_id": body.get("event_id"),
            },
        )
