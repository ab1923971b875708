"""Builds the neutral messages users see: question cards, reveals, quiz cards and results."""

from __future__ import annotations

from datetime import date

from bot.content.loader import Deck
from bot.content.schema import Question, QuestionText, QuizItem
from bot.i18n import t
from bot.markdown import literal
from bot.messages import Button, Field, Kind, Message, Style
from bot.services.standings import TeamStanding, UserStanding

LETTERS = "ABCDE"


def action(verb: str, *parts: object) -> str:
    return ":".join(["sb", verb, *(str(p) for p in parts)])


def parse_action(value: str) -> tuple[str, list[str]] | None:
    parts = value.split(":")
    if len(parts) < 2 or parts[0] != "sb":
        return None
    return parts[1], parts[2:]


def difficulty_label(language: str, difficulty: int) -> str:
    return t(language, f"difficulty.{difficulty}")


def question_card(
    deck: Deck, question: Question, side: QuestionText, language: str, post_id: int, seq: int, day: date, emoji: str
) -> Message:
    buttons = [Button(t(language, "question.reveal_button"), action("reveal", post_id), Style.PRIMARY)]
    if side.quiz:
        buttons.append(Button(t(language, "question.quiz_button"), action("quizme", post_id)))
    if side.key_points:
        buttons.append(Button(t(language, "question.answer_button"), action("answerform", post_id)))
    return Message(
        kind=Kind.QUESTION,
        context=t(
            language,
            "question.context",
            deck=deck.title(language),
            category=deck.category_label(question.category, language),
            difficulty=difficulty_label(language, question.difficulty),
        ),
        title=f"📚 {t(language, 'question.title')} · {day.isoformat()}",
        body=f"**{side.prompt}**",
        footer=t(language, "question.footer", emoji=emoji, seq=seq),
        buttons=tuple(buttons),
    )


def reveal_card(
    side: QuestionText, language: str, post_id: int, *, again: bool = False, graded: bool = False
) -> Message:
    buttons: tuple[Button, ...] = ()
    footer = None
    if not graded:
        footer = t(language, "reveal.grade_prompt")
        buttons = (
            Button(t(language, "reveal.didnt"), action("grade", post_id, "again"), Style.DANGER),
            Button(t(language, "reveal.hard"), action("grade", post_id, "hard")),
            Button(t(language, "reveal.knew"), action("grade", post_id, "good"), Style.PRIMARY),
            Button(t(language, "reveal.easy"), action("grade", post_id, "easy")),
        )
    return Message(
        kind=Kind.REVEAL,
        context=t(language, "reveal.again") if again else None,
        title=f"💡 {t(language, 'reveal.title')}: {side.prompt}",
        body=side.answer,
        fields=(Field(t(language, "reveal.assesses"), side.assesses, inline=False),),
        footer=footer,
        buttons=buttons,
    )


def options_text(item: QuizItem, marks: dict[int, str] | None = None) -> str:
    marks = marks or {}
    return "\n".join(f"{marks.get(i, '')}**{LETTERS[i]}.** {option}" for i, option in enumerate(item.options))


def quiz_card(item: QuizItem, language: str, category: str, quiz_id: int, position: int, total: int) -> Message:
    return Message(
        kind=Kind.QUIZ,
        context=t(language, "quiz.context", n=position + 1, total=total, category=category),
        title=item.question,
        body=options_text(item),
        buttons=tuple(Button(LETTERS[i], action("answer", quiz_id, position, i)) for i in range(len(item.options))),
    )


def graded_card(
    item: QuizItem, language: str, category: str, quiz_id: int, position: int, total: int, chosen: int, points: int
) -> Message:
    correct = chosen == item.correct
    marks = {item.correct: "✅ "}
    if not correct:
        marks[chosen] = "❌ "
    verdict = (
        t(language, "quiz.correct", points=points)
        if correct
        else t(language, "quiz.wrong", letter=LETTERS[item.correct], option=item.options[item.correct])
    )
    last = position + 1 >= total
    follow = Button(
        t(language, "quiz.finish" if last else "quiz.next"),
        action("result", quiz_id) if last else action("next", quiz_id, position + 1),
        Style.PRIMARY,
    )
    return Message(
        kind=Kind.QUIZ,
        context=t(language, "quiz.context", n=position + 1, total=total, category=category),
        title=item.question,
        body=f"{options_text(item, marks)}\n\n{verdict}\n_{item.explanation}_",
        footer=t(language, "quiz.your_choice", letter=LETTERS[chosen]),
        buttons=(follow,),
    )


def result_card(language: str, correct: int, total: int, points: int) -> Message:
    body = t(language, "quiz.result.body", correct=correct, total=total, points=points)
    if total and correct == total:
        body += "\n" + t(language, "quiz.result.perfect")
    return Message(kind=Kind.QUIZ_RESULT, title=f"🎯 {t(language, 'quiz.result.title')}", body=body)


MEDALS = ("🥇 ", "🥈 ", "🥉 ")


def _medal(rank_index: int) -> str:
    return MEDALS[rank_index] if rank_index < len(MEDALS) else ""


def user_standing_lines(language: str, rows: list[UserStanding]) -> list[str]:
    return [
        _medal(i) + t(language, "leaderboard.user_line", rank=i + 1, name=literal(r.name),
                      points=t(language, "words.points", count=r.points))
        for i, r in enumerate(rows)
    ]


def team_standing_lines(language: str, rows: list[TeamStanding]) -> list[str]:
    return [
        _medal(i)
        + t(
            language,
            "leaderboard.team_line",
            rank=i + 1,
            name=literal(r.name),
            score=t(language, "words.points", count=round(r.score, 1)),
            members=t(language, "words.members", count=r.members),
            total=t(language, "words.points", count=r.total),
        )
        for i, r in enumerate(rows)
    ]
