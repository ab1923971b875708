"""Answers in one's own words on Slack, end to end: ``/answer`` and ``/studybot answer``, the daily post's button
opening a modal (views.open), its view_submission graded once even when Slack retries it, and a dispute."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.storage.models import AnswerDispute, FreeAnswer, Participation, ReviewState
from tests.dbcount import row_counts
from tests.slack_helpers import block_text, buttons
from tests.test_slack_e2e import Rig, _rig, post_daily

pytestmark = pytest.mark.timeout(60)
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "slack" / "app-backend"


@pytest.fixture
async def rig(database_url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async for r in _rig(database_url, clock):
        yield r


def _question(rig: Rig):
    from bot.storage.models import DailyPost

    with rig.app.db.transaction() as session:
        post = session.exec(select(DailyPost)).one()
        return rig.app.services.catalog.text(post.deck_id, post.question_id, "en")


async def _open_modal(rig: Rig, ts: str, user: str = "U2") -> dict:
    post_blocks = rig.fake.of("chat.postMessage")[-1].args["blocks"]
    value = dict(buttons(post_blocks))["✍️ Answer in my words"]
    before = len(rig.fake.of("views.open"))
    status, _ = await rig.slack.click(value, message_ts=ts, user=user)
    assert status == 200
    await rig.fake.wait_for(lambda: len(rig.fake.of("views.open")) > before)
    call = rig.fake.of("views.open")[-1]
    assert call.args["trigger_id"].startswith("trigger.click.")
    view = call.args["view"]
    if isinstance(view, str):
        view = json.loads(view)
    return view


async def test_answer_command_and_studybot_answer(rig: Rig) -> None:
    await post_daily(rig)
    _, side = _question(rig)
    text = f"I'd mention {side.key_points[0].terms[0]} and {side.key_points[1].terms[0]}"
    reply = await rig.run_command(f"/answer {text}", user="U2")
    shown = block_text(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    assert "You covered" in shown and f"✓ 1. {side.key_points[0].point}" in shown
    await rig.fake.wait_for(lambda: any("Model answer" in block_text(b) for _, b in
                                        [(k, r.get("blocks", [])) for k, r in rig.fake.responses]))
    again = await rig.run_command("/studybot answer it's about \"quotes and apostrophes", user="U2")
    assert "You covered" in block_text(again["blocks"]) and "Practice" in block_text(again["blocks"])
    with rig.app.db.transaction() as session:
        assert len(session.exec(select(FreeAnswer)).all()) == 2
        assert len(session.exec(select(Participation)).all()) == 1


async def test_button_opens_a_modal_whose_submission_is_graded_once(rig: Rig) -> None:
    ts = await post_daily(rig)
    _, side = _question(rig)
    view = await _open_modal(rig, ts)
    assert view["type"] == "modal" and view["callback_id"].startswith("sb:answerpost:")
    element = view["blocks"][0]["element"]
    assert element["type"] == "plain_text_input" and element["multiline"] is True and element["max_length"] == 3000
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    text = f"First, {side.key_points[0].terms[0]}. Then {side.key_points[2].terms[0]}."
    values = {view["blocks"][0]["block_id"]: {element["action_id"]: text}}
    before = len(rig.fake.of("chat.postEphemeral"))
    status, body = await rig.slack.submit_view(view, values, user="U2", view_id="V42")
    assert status == 200 and body in ("", "{}")  # an empty ack closes the modal
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postEphemeral")) >= before + 2)
    graded = rig.fake.of("chat.postEphemeral")[before]
    assert graded.args["channel"] == "C1" and graded.args["user"] == "U2"
    assert "You covered" in block_text(graded.args["blocks"])
    assert "Model answer" in block_text(rig.fake.of("chat.postEphemeral")[before + 1].args["blocks"])
    counts = row_counts(rig.app.db)
    # Slack retries a submission it got no timely answer for: same view id, same effect, once
    status, _ = await rig.slack.submit_view(view, values, user="U2", view_id="V42",
                                            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert status == 200
    await rig.bot.workers.drain()
    assert row_counts(rig.app.db) == counts
    assert len(rig.fake.of("chat.postEphemeral")) == before + 2
    with rig.app.db.transaction() as session:
        assert len(session.exec(select(FreeAnswer)).all()) == 1
        assert session.exec(select(ReviewState)).one().reviews == 1


async def test_empty_modal_submission_gets_a_clear_reply_and_changes_nothing(rig: Rig) -> None:
    ts = await post_daily(rig)
    view = await _open_modal(rig, ts)
    element = view["blocks"][0]["element"]
    counts = {k: v for k, v in row_counts(rig.app.db).items() if k != "processed_events"}
    before = len(rig.fake.of("chat.postEphemeral"))
    await rig.slack.submit_view(view, {view["blocks"][0]["block_id"]: {element["action_id"]: "🙈🙉🙊"}}, view_id="V7")
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postEphemeral")) > before)
    assert "I found no words in your answer" in block_text(rig.fake.of("chat.postEphemeral")[-1].args["blocks"])
    assert {k: v for k, v in row_counts(rig.app.db).items() if k != "processed_events"} == counts


async def test_dispute_button_records_once(rig: Rig) -> None:
    await post_daily(rig)
    start = len(rig.fake.responses)
    reply = await rig.run_command("/answer no idea, honestly", user="U2")
    await rig.fake.wait_for(lambda: len(rig.fake.responses) >= start + 2)  # the grade, then the model answer
    dispute = dict(buttons(reply["blocks"]))["I did say #1"]
    for n in range(2):
        before = len(rig.fake.responses)
        await rig.slack.click(dispute, message_ts="1700000009.000001", user="U2", ephemeral=True)
        answer = await rig.response_after(before)
        assert ("Noted: point #1" if n == 0 else "Point #1 was noted already") in block_text(answer["blocks"])
    with rig.app.db.transaction() as session:
        assert len(session.exec(select(AnswerDispute)).all()) == 1
    insights = await rig.run_command("/studybot insights", user="UADMIN")
    assert "Key points members say they made" in block_text(insights["blocks"])


def test_view_submission_helper_uses_slacks_published_keys() -> None:
    sample = CONFORMANCE / "ViewSubmissionPayload.json"
    if not sample.exists():
        pytest.skip(f"{sample} is absent: the published Slack payload schemas are not on this machine")
    published = json.loads(sample.read_text())
    ours = {"type", "team", "user", "api_app_id", "token", "trigger_id", "view", "is_enterprise_install"}
    assert ours <= set(published)
    assert {"id", "team_id", "callback_id", "private_metadata", "state", "hash", "app_id", "bot_id"} <= set(
        published["view"]
    )


def test_view_event_reads_the_text_and_ignores_views_without_our_metadata() -> None:
    from adapters.slack.translate import FORM_BLOCK, FORM_INPUT, view_event

    body = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U2", "team_id": "T1"},
            "view": {"id": "V1", "callback_id": "sb:answerpost:3", "private_metadata": '{"channel": "C9"}',
                     "state": {"values": {FORM_BLOCK: {FORM_INPUT: {"type": "plain_text_input", "value": "hi"}}}}}}
    event = view_event(body, is_admin=False)
    assert event is not None and (event.action, event.text, event.origin.channel_id) == ("sb:answerpost:3", "hi", "C9")
    assert event.origin.event_id == "view:V1"
    assert view_event({**body, "type": "view_closed"}, is_admin=False) is None
    assert view_event({**body, "view": {**body["view"], "private_metadata": "not json"}}, is_admin=False) is None
