"""What a command handler works with: the event's origin, the core's services, and transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.commands.errors import DuplicateEvent
from bot.events import Origin
from bot.i18n import member_language, t
from bot.ports import ChatPort
from bot.services.container import Services
from bot.services.directory import Actor, ensure_actor, find_actor
from bot.services.events_log import first_delivery


@dataclass
class Context:
    services: Services
    origin: Origin
    port: ChatPort
    _deduped: bool = False
    _language: str | None = None

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def language(self) -> str:
        """The language of replies to this event's member (see :meth:`member_language`; the defaults for a
        channel or member not seen before), read without writing."""
        if self._language is None:
            with self.services.db.transaction() as session:
                found = find_actor(session, self.origin)
            language = found.channel.language if found.channel is not None else self.services.defaults.language
            deck_id = found.channel.deck_id if found.channel is not None else self.services.defaults.deck_id
            override, locale = (found.user.language, found.user.locale) if found.user is not None else (None, "")
            self._language = member_language(
                override, self.origin.locale or locale, language, self.services.catalog.languages(deck_id)
            )
        return self._language

    def member_language(self, actor: Actor) -> str:
        """The language of replies to the member alone (private replies, quizzes, errors): their own choice, else
        their platform's language, when the channel's deck has it; else the channel's. Public posts keep the
        channel's language."""
        return member_language(
            actor.user.language,
            self.origin.locale or actor.user.locale,
            actor.channel.language,
            self.services.catalog.languages(actor.channel.deck_id),
        )

    def set_language(self, language: str) -> None:
        self._language = language

    def t(self, key: str, **params: object) -> str:
        return t(self.language, key, **params)

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, Actor]]:
        """A transaction with the actor's tenant, channel and member rows, created on first contact.

        The first transaction of an event also records its id: a second delivery raises DuplicateEvent, and a
        failure rolls the record back with everything else, so a retry is processed afresh.
        """
        with self.services.db.transaction() as session:
            actor = self.enter(session)
            yield session, actor
        self._deduped = True

    def mark_recorded(self) -> None:
        """The event's id was committed by a transaction of the handler's own (see :meth:`enter`)."""
        self._deduped = True

    def record_event(self, session: Session) -> None:
        """Within the event's first transaction, record its id: DuplicateEvent on a second delivery."""
        if not self._deduped and not first_delivery(
            session, self.origin.platform, self.origin.tenant_id, self.origin.event_id, self.now
        ):
            raise DuplicateEvent(self.origin.event_id)

    def enter(self, session: Session) -> Actor:
        """Record the event (see :meth:`record_event`), then the actor's rows, created on first contact."""
        self.record_event(session)
        return ensure_actor(session, self.origin, self.services.defaults, self.now)
