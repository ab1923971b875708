"""The core's one inbound door: ``Core.handle(event, port)``. Adapters translate; the core decides and answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError

from bot.cards import parse_action
from bot.commands.args import Args, split_arguments
from bot.commands.context import Context, Services
from bot.commands.errors import DuplicateEvent, UserError
from bot.commands.quiz import answer, next_item, results
from bot.commands.registry import Command, build_registry, resolve
from bot.events import ButtonPressed, CommandInvoked, Event, ReactionAdded
from bot.i18n import t
from bot.interactions import grade, quiz_me, reaction, reveal_button
from bot.logcontext import log_context
from bot.messages import Kind, Message, Outcome, Reply
from bot.ports import ChatPort, PlatformError
from bot.services.directory import find_channel, find_tenant
from bot.storage.ids import present

log = logging.getLogger(__name__)

ButtonHandler = Callable[..., Awaitable[Outcome]]
BUTTONS: dict[str, tuple[ButtonHandler, int]] = {
    "reveal": (reveal_button, 1),
    "grade": (grade, 2),
    "quizme": (quiz_me, 1),
    "answer": (answer, 3),
    "next": (next_item, 2),
    "result": (results, 1),
}


class Core:
    def __init__(self, services: Services):
        self.services = services
        self.registry = build_registry()

    async def handle(self, event: Event, port: ChatPort) -> Outcome:
        """Handle one inbound event and send its replies through ``port``. Never raises for a user's mistake or a
        duplicate delivery; an unexpected error is logged and answered with a short apology."""
        origin = event.origin
        kind = {CommandInvoked: "command", ReactionAdded: "reaction"}.get(type(event), "button")
        metrics = self.services.metrics
        started = time.perf_counter()
        with log_context(platform=origin.platform, tenant=origin.tenant_id, channel=origin.channel_id,
                         event_id=origin.event_id):
            outcome, result = await self._handle(event, port)
            name = event.name.strip().lstrip("/") if isinstance(event, CommandInvoked) else None
            if result == "duplicate":
                metrics.dedupe_hits.labels(origin.platform).inc()
            elif name is not None:
                command = self._command_name(event)  # type: ignore[arg-type]
                metrics.commands.labels(command or "unknown", result).inc()
            await self._deliver(Context(self.services, origin, port), event, outcome)
            metrics.handler_seconds.labels(origin.platform, kind).observe(time.perf_counter() - started)
        return outcome

    async def _handle(self, event: Event, port: ChatPort) -> tuple[Outcome, str]:
        ctx = Context(self.services, event.origin, port)
        command: Command | None = None
        try:
            if isinstance(event, CommandInvoked):
                command, args = self._command(event)
                if command.admin and not event.origin.is_admin:
                    raise UserError("error.admin_only")
                handler = present(command.handler, f"the handler of {command.name}")
                outcome = await handler(ctx, args)
            elif isinstance(event, ReactionAdded):
                outcome = await reaction(ctx, event.message_id, event.emoji)
            else:
                outcome = await self._button(ctx, event)
            if isinstance(event, CommandInvoked) and event.origin.is_admin:
                notice = self._take_notice(event)
                if notice:
                    outcome.replies.insert(0, Reply(Message(Kind.INFO, body=f"⚠️ {notice}"), private=True))
            return outcome, "ok"
        except DuplicateEvent:
            log.info("duplicate event ignored")
            return Outcome(), "duplicate"
        except UserError as exc:
            return Outcome().add(self.error_message(ctx, exc, command), private=True), "user_error"
        except Exception as exc:
            if isinstance(exc, DBAPIError):
                self.services.metrics.database_errors.labels("handle").inc()
            log.exception("handler failed", extra={"event": type(event).__name__})
            return Outcome().add(Message(Kind.ERROR, body=f"⚠️ {ctx.t('error.internal')}"), private=True), "error"

    def _command_name(self, event: CommandInvoked) -> str | None:
        found = resolve(self.registry, event.name, event.text.split())
        return found[0].name if found else None

    def _take_notice(self, event: CommandInvoked) -> str | None:
        """A pending notice for this channel's admins (e.g. posting was switched off), shown once."""
        with self.services.db.transaction() as session:
            tenant = find_tenant(session, event.origin.platform, event.origin.tenant_id)
            channel = find_channel(session, tenant.id, event.origin.channel_id) if tenant and tenant.id else None
            if channel is None or not channel.notice:
                return None
            key, channel.notice = channel.notice, None
            session.add(channel)
            return t(channel.language, key)

    def _command(self, event: CommandInvoked) -> tuple[Command, Args]:
        try:
            tokens = split_arguments(event.text)
        except UserError as exc:
            found = resolve(self.registry, event.name, event.text.split())
            exc.example = found[0].example if found else "/studybot help"
            raise
        found = resolve(self.registry, event.name, tokens)
        if found is None:
            name = event.name.strip().lstrip("/")
            group = (name,) in self.registry
            sub = tokens[0] if tokens else ""
            unknown = (
                UserError("error.unknown_subcommand", name=sub[:40], group=name)
                if group
                else UserError("error.unknown_command", name=name[:40])
            )
            unknown.example = "/studybot help"
            raise unknown
        command, rest = found
        return command, Args(rest)

    async def _button(self, ctx: Context, event: ButtonPressed) -> Outcome:
        parsed = parse_action(event.action)
        if parsed is None or parsed[0] not in BUTTONS or len(parsed[1]) != BUTTONS[parsed[0]][1]:
            raise UserError("error.stale_button")
        handler, _arity = BUTTONS[parsed[0]]
        return await handler(ctx, *parsed[1])

    def error_message(self, ctx: Context, exc: UserError, command: Command | None) -> Message:
        params = {k: ctx.t(v[1]) if isinstance(v, tuple) and v[:1] == ("t",) else v for k, v in exc.params.items()}
        lines = [f"❌ {ctx.t(exc.key, **params)}"]
        if exc.hint:
            lines.append(ctx.t(exc.hint[0], **exc.hint[1]))
        example = exc.example or (command.example if command else None)
        if example and exc.key not in ("error.admin_only", "error.internal"):
            lines.append(ctx.t("error.example", example=example))
        return Message(Kind.ERROR, body="\n".join(lines))

    async def _deliver(self, ctx: Context, event: Event, outcome: Outcome) -> None:
        for reply in outcome.replies:
            try:
                if reply.attachment is not None:
                    await ctx.port.upload(event.origin, reply.message, reply.attachment.filename,
                                          reply.attachment.data)
                elif reply.edit and isinstance(event, ButtonPressed):
                    await ctx.port.edit(event.origin, event.message_id, reply.message)
                else:
                    await ctx.port.reply(event.origin, reply.message, private=reply.private)
            except PlatformError as exc:
                # What was decided is stored; the member can ask again (the Reveal button shows the answer again).
                log.warning("reply failed", extra={"event_id": event.origin.event_id, "error": str(exc)})
