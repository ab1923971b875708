"""Which questions a group struggles with: reveals, self-grade spread and quiz accuracy per question."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.storage.models import DailyPost, QuizAttempt, Reveal, SelfGrade


def question_insights(
    session: Session, tenant_id: int, channel_id: int | None, since: datetime | None = None
) -> list[dict]:
    """Per question: reveals, self-grade spread, quiz accuracy; hardest first (low accuracy, many "again")."""

    def scoped(stmt, column):
        stmt = stmt.where(column >= since) if since is not None else stmt
        return stmt

    reveal_rows = session.exec(
        scoped(
            select(DailyPost.question_id, func.count())
            .join(Reveal, col(Reveal.post_id) == DailyPost.id)
            .where(Reveal.tenant_id == tenant_id, *([DailyPost.channel_id == channel_id] if channel_id else [])),
            Reveal.created_at,
        ).group_by(DailyPost.question_id)
    ).all()
    grade_rows = session.exec(
        scoped(
            select(DailyPost.question_id, SelfGrade.grade, func.count())
            .join(SelfGrade, col(SelfGrade.post_id) == DailyPost.id)
            .where(SelfGrade.tenant_id == tenant_id, *([DailyPost.channel_id == channel_id] if channel_id else [])),
            SelfGrade.created_at,
        ).group_by(DailyPost.question_id, SelfGrade.grade)
    ).all()
    quiz_rows = session.exec(
        scoped(
            select(QuizAttempt.question_id, QuizAttempt.correct, func.count()).where(
                QuizAttempt.tenant_id == tenant_id
            ),
            QuizAttempt.created_at,
        ).group_by(QuizAttempt.question_id, QuizAttempt.correct)
    ).all()
    data: dict[str, dict] = defaultdict(lambda: {"reveals": 0, "grades": Counter(), "right": 0, "answers": 0})
    for qid, count in reveal_rows:
        data[qid]["reveals"] = count
    for qid, grade, count in grade_rows:
        data[qid]["grades"][grade] += count
    for qid, correct, count in quiz_rows:
        data[qid]["answers"] += count
        data[qid]["right"] += count if correct else 0

    def difficulty(item: tuple[str, dict]) -> tuple[float, float]:
        d = item[1]
        accuracy = d["right"] / d["answers"] if d["answers"] else 1.0
        graded = sum(d["grades"].values())
        again = (d["grades"]["again"] + 0.5 * d["grades"]["hard"]) / graded if graded else 0.0
        return (accuracy - again, -d["answers"])

    return [{"question_id": q, **d} for q, d in sorted(data.items(), key=difficulty)]
