"""Answers in one's own words on Discord, end to end through the fake gateway: ``/answer``, the daily post's
"Answer in my words" button opening a modal, its submission graded once even when the gateway replays it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.storage.models import DailyPost, FreeAnswer, ReviewState
from tests.dbcount import row_counts
from tests.test_discord_e2e import A_CHANNEL, BOB, EPHEMERAL, A, Rig, buttons_of, discord_rig, text_of

pytestmark = pytest.mark.timeout(30)
MODAL = 9


@pytest.fixture
async def rig(database_url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async with discord_rig(database_url, clock) as started:
        yield started


def _side(rig: Rig):
    with rig.app.db.transaction() as session:
        post = session.exec(select(DailyPost)).one()
        return rig.app.services.catalog.text(post.deck_id, post.question_id, "en")[1]


def _replies(rig: Rig, interaction_id: int) -> str:
    """Every text sent in answer to an interaction: its callback and its follow-ups."""
    token = f"itoken-{interaction_id}"
    bodies = [c.body for c in rig.fake.callbacks(interaction_id)]
    bodies += [c.body for c in rig.fake.of("POST", f"/webhooks/{rig.fake.app_id}/{token}")]
    bodies += [c.body for c in rig.fake.of("PATCH", f"/webhooks/{rig.fake.app_id}/{token}/messages/@original")]
    return "\n".join(text_of(b) for b in bodies)


async def test_answer_slash_command(rig: Rig) -> None:
    await rig.post_daily()
    side = _side(rig)
    typed = f"I'd bring up {side.key_points[0].terms[0]}, \"for sure\"."
    call = await rig.slash(BOB, "answer", text=typed)
    assert call.body["data"]["flags"] & EPHEMERAL
    assert "You covered" in text_of(call.body) and f"✓ 1. {side.key_points[0].point}" in text_of(call.body)
    with rig.app.db.transaction() as session:
        assert session.exec(select(FreeAnswer.text)).one() == typed  # as typed, not as the option was quoted


async def test_button_opens_a_modal_and_its_submission_is_graded_once(rig: Rig) -> None:
    post = await rig.post_daily()
    side = _side(rig)
    label = next(label for label in buttons_of(post) if "Answer in my words" in label)
    opened = await rig.callback(await rig.fake.click(post, buttons_of(post)[label], BOB, guild_id=A))
    assert opened.body["type"] == MODAL
    modal = opened.body["data"]
    assert modal["custom_id"].startswith("sb:answerpost:") and modal["title"] == "Your answer"
    text = f"{side.key_points[0].terms[0]}, and also {side.key_points[1].terms[0]}"
    iid = await rig.fake.submit_modal(modal, text, BOB, guild_id=A, channel_id=A_CHANNEL)
    await rig.wait(lambda: "Model answer" in _replies(rig, iid))
    shown = _replies(rig, iid)
    assert "You covered" in shown and f"✓ 1. {side.key_points[0].point}" in shown
    assert rig.fake.callbacks(iid)[0].body["data"]["flags"] & EPHEMERAL
    counts = row_counts(rig.app.db)
    await rig.fake.resend("INTERACTION_CREATE")  # the gateway replays the submission after a resume
    await rig.settle()  # (itself one more processed event)
    assert row_counts(rig.app.db) == counts | {"processed_events": counts["processed_events"] + 1}
    with rig.app.db.transaction() as session:
        assert len(session.exec(select(FreeAnswer)).all()) == 1
        assert session.exec(select(ReviewState)).one().reviews == 1


async def test_emoji_only_modal_submission_gets_a_clear_reply(rig: Rig) -> None:
    post = await rig.post_daily()
    label = next(label for label in buttons_of(post) if "Answer in my words" in label)
    opened = await rig.callback(await rig.fake.click(post, buttons_of(post)[label], BOB, guild_id=A))
    counts = {k: v for k, v in row_counts(rig.app.db).items() if k != "processed_events"}
    iid = await rig.fake.submit_modal(opened.body["data"], "🙈 🙉 🙊", BOB, guild_id=A, channel_id=A_CHANNEL)
    await rig.wait(lambda: "I found no words in your answer" in _replies(rig, iid))
    assert {k: v for k, v in row_counts(rig.app.db).items() if k != "processed_events"} == counts
