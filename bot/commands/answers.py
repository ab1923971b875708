"""``/answer TEXT``, the daily post's "Answer in my words" form, and disputes of missed key points."""

from __future__ import annotations

from bot.cards import action
from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.content.schema import Question, QuestionText
from bot.i18n import t
from bot.messages import Button, Field, Form, Kind, Message, Outcome
from bot.rules import grading
from bot.services import answers
from bot.services.posting import latest_post
from bot.storage.models import Channel, DailyPost, FreeAnswer

_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F: None}


def clean(text: str) -> str:
    """The answer as graded and stored: control characters dropped (PostgreSQL refuses NUL), ends trimmed; a clear
    error when there is nothing to grade or too much."""
    text = text.translate(_CONTROL).strip()
    if not text:
        raise UserError("error.answer_empty")
    if len(text) > grading.MAX_ANSWER_CHARS:
        raise UserError("error.answer_too_long", length=f"{len(text):,}", max=f"{grading.MAX_ANSWER_CHARS:,}")
    if not grading.has_words(text):
        raise UserError("error.answer_no_words")
    return text


async def answer_command(ctx: Context, args: Args) -> Outcome:
    """``/answer TEXT``: grade TEXT against the channel's current question (its latest daily post)."""
    text = clean(args.rest())
    with ctx.transaction() as (session, actor):
        post = latest_post(session, actor.channel.id or 0)
        if post is None:
            raise UserError("error.answer_no_question")
        return _grade(ctx, session, actor, post, text)


async def answer_form(ctx: Context, post_id: str, text: str) -> Outcome:
    """The "Answer in my words" dialog, submitted: grade the text against that post's question."""
    if not post_id.isdigit():
        raise UserError("error.stale_button")
    text = clean(text)
    with ctx.transaction() as (session, actor):
        post = session.get(DailyPost, int(post_id))
        if post is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.not_a_daily_post")
        return _grade(ctx, session, actor, post, text)


def form(language: str, post_id: int) -> Form:
    return Form(
        title=t(language, "answer.form_title"),
        label=t(language, "answer.form_label"),
        placeholder=t(language, "answer.form_placeholder", max=f"{grading.MAX_ANSWER_CHARS:,}"),
        submit=t(language, "answer.form_submit"),
        action=action("answerpost", post_id),
        max_length=grading.MAX_ANSWER_CHARS,
    )


async def form_button(ctx: Context, post_id: str) -> Outcome:
    """The button pressed where no dialog can open (the console): say how to answer with the command."""
    del post_id  # the command answers the channel's current question
    language = ctx.language
    example = t(language, "answer.example")
    return Outcome().add(Message(Kind.INFO, body=t(language, "answer.use_command", example=example)), private=True)


def _grade(ctx: Context, session, actor, post: DailyPost, text: str) -> Outcome:
    language = actor.channel.language
    found = ctx.services.catalog.text(post.deck_id, post.question_id, language)
    if found is None:
        raise UserError("error.not_a_daily_post")
    question, side = found
    if not side.key_points:
        raise UserError("error.answer_no_key_points")
    grade = grading.grade(text, question, language)
    recorded = answers.record(session, post, actor.user, language, text, grade, ctx.now)
    card = answer_card(question, side, language, grade, recorded)
    return Outcome().add(card, private=True).add(model_answer_card(side, language), private=True)


def answer_card(
    question: Question, side: QuestionText, language: str, grade: grading.Grade, recorded: answers.Recorded
) -> Message:
    lines = []
    buttons = []
    for n, (result, point) in enumerate(zip(grade.points, side.key_points, strict=True), start=1):
        if result.covered:
            lines.append(f"✓ {n}. {point.point}")
        else:
            lines.append(f"✗ {n}. {point.point} ({t(language, 'answer.hint', term=point.terms[0])})")
            buttons.append(Button(t(language, "answer.dispute", n=n), action("dispute", recorded.answer.id, n - 1)))
    notes = []
    if grade.covered == 0:
        notes.append(t(language, "answer.none", prompt=side.prompt))
    rating = t(language, f"answer.rating.{grading.fsrs_rating(grade)}")
    notes.append(t(language, "answer.counted", rating=rating) if recorded.first else t(language, "answer.practice"))
    if buttons:
        notes.append(t(language, "answer.dispute_prompt"))
    return Message(
        kind=Kind.REVEAL,
        title=f"📝 {t(language, 'answer.title', covered=grade.covered, total=grade.total)}",
        body="\n".join(lines),
        footer="\n".join(notes),
        buttons=tuple(buttons),
    )


def model_answer_card(side: QuestionText, language: str) -> Message:
    return Message(kind=Kind.REVEAL, title=f"💡 {t(language, 'reveal.title')}: {side.prompt}", body=side.answer)


async def dispute(ctx: Context, answer_id: str, point: str) -> Outcome:
    """"I did say that": recorded once per answer and point, for the admins' insights."""
    if not (answer_id.isdigit() and point.isdigit()):
        raise UserError("error.stale_button")
    with ctx.transaction() as (session, actor):
        row = session.get(FreeAnswer, int(answer_id))
        if row is None or row.tenant_id != actor.tenant.id:
            raise UserError("error.stale_button")
        if row.user_id != actor.user.id:
            raise UserError("error.answer_not_yours")
        index = int(point)
        if index >= row.total or index in answers.covered_points(row):
            raise UserError("error.stale_button")
        first = answers.dispute(session, row, actor.user, index, ctx.now)
        language = row.language
    key = "answer.disputed" if first else "answer.dispute_again"
    return Outcome().add(Message(Kind.SUCCESS, body=t(language, key, n=index + 1)), private=True)



DISPUTE_LINES = 10


def disputes_field(ctx: Context, session, tenant_id: int, channel: Channel) -> Field | None:
    """For ``/studybot insights``: the key points members most often say they made, so admins add their phrasings."""
    counts = answers.disputed_points(session, tenant_id, channel.id)
    lines = []
    for (question_id, language, point), count in counts.most_common(DISPUTE_LINES):
        found = ctx.services.catalog.text(channel.deck_id, question_id, language)
        if found is None or point >= len(found[1].key_points):
            continue
        lines.append("- " + t(channel.language, "insights.dispute_line", question=found[1].prompt[:80],
                                lang=language, n=point + 1, point=found[1].key_points[point].point, count=count))
    if not lines:
        return None
    return Field(t(channel.language, "insights.disputes_title"), "\n".join(lines), inline=False)
