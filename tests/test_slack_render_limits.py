"""Slack rendering at its edges: every limit checked on the final escaped payload, every rendered payload parsed
with slack_sdk's Block and View models."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.render import (
    BUTTON_VALUE_LIMIT,
    EMPTY,
    FALLBACK_LIMIT,
    blocks,
    escape,
    fallback_text,
    messages,
    split_text,
    to_mrkdwn,
)
from bot.messages import Button, Field, Kind, Message
from tests.slack_conformance import block_problems

AWKWARD = st.text(alphabet=st.sampled_from("a &<>*_`-\n#[]()é🦉"), max_size=9000)


def _all_problems(message: Message) -> list[str]:
    problems: list[str] = []
    for part in messages(message):
        problems += block_problems(part)
    problems += block_problems(messages(message)[0], home=True)
    return problems


def test_long_text_is_split_after_escaping_and_never_cuts_an_entity() -> None:
    body = "&" * 2500 + "x" * 10 + "<" * 700
    parts = split_text(to_mrkdwn(body))
    assert all(len(p) <= 3000 for p in parts)
    assert "".join(parts) == escape(body)
    message = Message(Kind.REVEAL, body=body)
    assert _all_problems(message) == []
    sections = [b["text"]["text"] for part in messages(message) for b in part]
    assert "".join(sections) == escape(body)


def test_a_link_is_never_cut_in_two() -> None:
    body = "word " * 590 + "[the docs with a long name](https://example.com/" + "p" * 40 + ")" + " tail" * 30
    sections = [b["text"]["text"] for b in blocks(Message(Kind.INFO, body=body))]
    assert len(sections) == 2 and all(s.count("<") == s.count(">") for s in sections)
    assert sections[1].startswith("<https://example.com/")


def test_field_limits_are_checked_after_escaping() -> None:
    field = Field("Notes", "&" * 700)  # 700 characters, 3,500 once escaped: too long for a 2,000-character field
    out = blocks(Message(Kind.STATUS, fields=(Field("Deck", "mlops"), field)))
    assert out[0]["fields"] == [{"type": "mrkdwn", "text": "*Deck*\nmlops"}]
    assert all(len(b["text"]["text"]) <= 3000 for b in out[1:]) and len(out) == 4  # *Notes*, then 3,000 + 500
    assert block_problems(out) == []
    many = tuple(Field(f"F{i}", "v") for i in range(23))
    out = blocks(Message(Kind.STATUS, fields=many))
    assert [len(b["fields"]) for b in out] == [10, 10, 3] and block_problems(out) == []


def test_button_values_are_length_checked() -> None:
    ok, too_long = "sb:" + "x" * (BUTTON_VALUE_LIMIT - 3), "sb:" + "x" * BUTTON_VALUE_LIMIT
    out = blocks(Message(Kind.INFO, body="b", buttons=(Button("Fits", ok), Button("Too long", too_long))))
    actions = [b for b in out if b["type"] == "actions"]
    assert [e["value"] for e in actions[0]["elements"]] == [ok]
    assert block_problems(out) == []
    thirty = tuple(Button(f"B{i}", f"sb:{i}") for i in range(30))
    out = blocks(Message(Kind.INFO, body="b", buttons=thirty))
    assert [len(b["elements"]) for b in out if b["type"] == "actions"] == [25, 5] and block_problems(out) == []


def test_an_empty_message_has_a_block_and_a_text() -> None:
    for empty in (Message(Kind.INFO), Message(Kind.INFO, title="  ", body="", footer=" ", context="")):
        parts = messages(empty)
        assert parts == [[{"type": "section", "text": {"type": "mrkdwn", "text": EMPTY}}]]
        assert fallback_text(empty) == EMPTY and _all_problems(empty) == []


def test_notification_text_is_plain_without_markdown() -> None:
    assert fallback_text(Message(Kind.SUCCESS, body="🛡️ Team **Owls** created")) == "🛡️ Team Owls created"
    text = fallback_text(Message(Kind.INFO, body="See *this* and `that` in [the docs](https://e.x/a) & <more>"))
    assert text == "See this and that in the docs &amp; &lt;more&gt;"
    assert fallback_text(Message(Kind.QUESTION, title="## Today's question\n- one")) == "Today's question • one"
    long = fallback_text(Message(Kind.INFO, body="&" * 5000))
    assert len(long) <= FALLBACK_LIMIT and long.endswith("…") and long[:-1].replace("&amp;", "") == ""


@settings(max_examples=150, deadline=None)
@given(
    title=st.one_of(st.none(), AWKWARD.map(lambda s: s[:300])),
    body=AWKWARD,
    context=st.one_of(st.none(), AWKWARD),
    footer=st.one_of(st.none(), AWKWARD),
    fields=st.lists(
        st.tuples(AWKWARD.map(lambda s: s[:80]), AWKWARD.map(lambda s: s[:2500]), st.booleans()), max_size=14
    ),
    labels=st.lists(AWKWARD.map(lambda s: s[:100]), max_size=30),
)
def test_any_message_renders_within_every_limit(title, body, context, footer, fields, labels) -> None:
    message = Message(
        Kind.INFO,
        title=title,
        body=body,
        context=context,
        footer=footer,
        fields=tuple(Field(n, v, i) for n, v, i in fields),
        buttons=tuple(Button(label, f"sb:x:{i}") for i, label in enumerate(labels)),
    )
    assert _all_problems(message) == []
    text = fallback_text(message)
    assert text.strip() and len(text) <= FALLBACK_LIMIT and not re.search(r"&(?!amp;|lt;|gt;)|[<>]", text)
