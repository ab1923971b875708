"""The core's one inbound door: ``Core.handle(event, port)``. Adapters translate; the core decides and answers."""

from __future__ import annotations

import logging
import shlex
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError

from bot.cards import parse_action
from bot.commands import answers
from bot.commands.args import Args, split_arguments
from bot.commands.context import Context
from bot.commands.errors import DuplicateEvent, UserError
from bot.commands.quiz import answer, next_item, results
from bot.commands.registry import Command, build_registry, resolve
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, ReactionAdded
from bot.i18n import t
from bot.interactions import grade, quiz_me, reaction, reveal_button
from bot.logcontext import log_context
from bot.markdown import code_safe
from bot.messages import Form, Kind, Message, Outcome, Reply
from bot.ports import ChatPort
from bot.ratelimit import MemberLimiter, seconds
from bot.services.container import Services
from bot.services.directory import find_channel, find_tenant
from bot.storage.ids import present

log = logging.getLogger(__name__)

#: Platforms without a command rate limit: the console is one person at their own terminal.
UNLIMITED_PLATFORMS = frozenset({"console"})
#: Platforms where every command must be answered (a Discord interaction left unanswered shows as failed).
ANSWER_EVERY_REFUSAL = frozenset({"discord"})
#: Error parameters that carry the member's own input (shown in a code span).
USER_VALUES = frozenset({"value", "name", "extra"})

ButtonHandler = Callable[..., Awaitable[Outcome]]
BUTTONS: dict[str, tuple[ButtonHandler, int]] = {
    "reveal": (reveal_button, 1),
    "grade": (grade, 2),
    "quizme": (quiz_me, 1),
    "answer": (answer, 3),
    "next": (next_item, 2),
    "result": (results, 1),
    "answerform": (answers.form_button, 1),
    "dispute": (answers.dispute, 2),
}
#: Forms' submit actions: handler and how many action parts before the text.
FORMS: dict[str, tuple[ButtonHandler, int]] = {"answerpost": (answers.answer_form, 1)}


class Core:
    def __init__(self, services: Services):
        self.services = services
        self.registry = build_registry()
        self.limiter = MemberLimiter()

    async def handle(self, event: Event, port: ChatPort) -> Outcome:
        """Handle one inbound event and send its replies through ``port``. Never raises for a user's mistake or a
        duplicate delivery; an unexpected error is logged and answered with a short apology."""
        origin = event.origin
        kind = {CommandInvoked: "command", ReactionAdded: "reaction"}.get(type(event), "button")
        metrics = self.services.metrics
        started = time.perf_counter()
        with log_context(platform=origin.platform, tenant=origin.tenant_id, channel=origin.channel_id,
                         event_id=origin.event_id):
            limited = isinstance(event, CommandInvoked) and origin.platform not in UNLIMITED_PLATFORMS
            refused = self._rate_limited(event, port) if limited else None  # type: ignore[arg-type]
            outcome, result = refused if refused is not None else await self._handle(event, port)
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
            elif isinstance(event, FormSubmitted):
                outcome = await self._form_submitted(ctx, event)
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

    def _rate_limited(self, event: CommandInvoked, port: ChatPort) -> tuple[Outcome, str] | None:
        """A refusal when the member sends commands faster than the limit: a "slow down" reply the first time,
        nothing after that until they are allowed again. Nothing is read or written for a refused command."""
        origin = event.origin
        verdict = self.limiter.check(origin.platform, origin.tenant_id, origin.channel_id, origin.user_id)
        if verdict.allowed:
            return None
        if not verdict.tell and origin.platform not in ANSWER_EVERY_REFUSAL:
            return Outcome(), "rate_limited"
        ctx = Context(self.services, origin, port)
        text = ctx.t("error.slow_down", seconds=seconds(verdict.retry_after))
        return Outcome().add(Message(Kind.ERROR, body=text), private=True), "rate_limited"

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
        loose = resolve(self.registry, event.name, event.text.split())
        if loose is not None and loose[0].free_text:
            return loose[0], Args([_free_text(event.text, len(event.text.split()) - len(loose[1]))])
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

    async def _form_submitted(self, ctx: Context, event: FormSubmitted) -> Outcome:
        parsed = parse_action(event.action)
        if parsed is None or parsed[0] not in FORMS or len(parsed[1]) != FORMS[parsed[0]][1]:
            raise UserError("error.stale_button")
        handler, _arity = FORMS[parsed[0]]
        return await handler(ctx, *parsed[1], event.text)

    async def form_for(self, event: ButtonPressed) -> Form | None:
        """The dialog a button opens, if it opens one. Adapters ask before handling a press, open the dialog at
        once (Slack's trigger and Discord's interaction expire in seconds) and send its submission back as a
        ``FormSubmitted`` event."""
        parsed = parse_action(event.action)
        if parsed is None or parsed[0] != "answerform" or len(parsed[1]) != 1 or not parsed[1][0].isdigit():
            return None
        ctx = Context(self.services, event.origin, None)  # type: ignore[arg-type]  # reads only, sends nothing
        return answers.form(ctx.language, int(parsed[1][0]))

    def error_message(self, ctx: Context, exc: UserError, command: Command | None) -> Message:
        params = {k: ctx.t(v[1]) if isinstance(v, tuple) and v[:1] == ("t",) else v for k, v in exc.params.items()}
        for key in USER_VALUES.intersection(params):  # the member's own words, shown in a code span
            params[key] = code_safe(str(params[key]))
        lines = [f"❌ {ctx.t(exc.key, **params)}"]
        if exc.hint:
            lines.append(ctx.t(exc.hint[0], **exc.hint[1]))
        example = exc.example or (command.example if command else None)
        if example and exc.key not in ("error.admin_only", "error.internal"):
            lines.append(ctx.t("error.example", example=example))
        return Message(Kind.ERROR, body="\n".join(lines))

    async def _deliver(self, ctx: Context, event: Event, outcome: Outcome) -> None:
        apologised = False
        for reply in outcome.replies:
            try:
                if reply.attachment is not None:
                    await ctx.port.upload(event.origin, reply.message, reply.attachment.filename,
                                          reply.attachment.data, private=reply.private,
                                          alt_text=reply.attachment.alt_text)
                elif reply.edit and isinstance(event, ButtonPressed):
                    await ctx.port.edit(event.origin, event.message_id, reply.message)
                else:
                    await ctx.port.reply(event.origin, reply.message, private=reply.private)
            except Exception as exc:  # a refusal, a timeout, a dropped connection: all are the platform failing
                # What was decided is stored; the member can ask again (the Reveal button shows the answer again).
                self._reply_failed(ctx, event, exc)
                if not apologised and reply.message.kind != Kind.ERROR:
                    apologised = True
                    await self._apologise(ctx, event)

    def _reply_failed(self, ctx: Context, event: Event, exc: BaseException) -> None:
        origin = event.origin
        log.warning(
            "reply failed",
            extra={
                "platform": origin.platform,
                "tenant": origin.tenant_id,
                "channel": origin.channel_id,
                "event_id": origin.event_id,
                "error": f"{type(exc).__name__}: {exc}"[:300],
            },
        )
        self.services.metrics.reply_failures.labels(origin.platform).inc()

    async def _apologise(self, ctx: Context, event: Event) -> None:
        """One short private apology after a failed reply, where the platform still takes it."""
        message = Message(Kind.ERROR, body=f"⚠️ {ctx.t('error.reply_failed')}")
        try:
            await ctx.port.reply(event.origin, message, private=True)
        except Exception as exc:
            self._reply_failed(ctx, event, exc)


def _free_text(text: str, skip: int) -> str:
    """``text`` without its first ``skip`` words (``answer`` in ``/studybot answer ...``), spacing kept as typed.
    Text that is one quoted string as a whole (a Discord option arrives shell-quoted) is unquoted."""
    rest = text.lstrip()
    for _ in range(skip):
        parts = rest.split(None, 1)
        rest = parts[1].lstrip() if len(parts) > 1 else ""
    if rest[:1] in ("'", '"'):
        try:
            parts = shlex.split(rest)
        except ValueError:
            return rest
        if len(parts) == 1:
            return parts[0]
    return rest
