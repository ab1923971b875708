"""Every command through the console adapter, as a member and an admin would type them, with bad input."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.dbcount import row_counts

SETUP = ("/studybot schedule 09:00 Europe/Berlin mon-fri",)


async def test_help_lists_every_command(harness: Harness) -> None:
    out = await harness.run("/studybot help")
    for synopsis in (
        "/quiz [CATEGORY] [COUNT]",
        "/streak [USER]",
        "/leaderboard [users|teams] [week|month|all]",
        "/team create NAME",
        "/team join NAME",
        "/team leave",
        "/team list",
        "/studybot status",
        "/studybot post",
        "/studybot schedule HH:MM TIMEZONE",
        "/studybot deck ID",
        "/studybot language",
        "/studybot reveal EMOJI",
        "/studybot off",
        "/studybot on",
    ):
        assert synopsis in out, synopsis
    assert "(only you can see this)" in out
    bare = await harness.run("/studybot")  # bare /studybot is help too
    assert bare.split("\n", 1)[1] == out.split("\n", 1)[1]


async def test_schedule_and_status(harness: Harness) -> None:
    out = await harness.run("/studybot schedule 7:30 europe/berlin mon,wed,fri")
    assert "07:30 (Europe/Berlin)" in out and "Mon, Wed, Fri" in out
    assert "Next: Wed 2026-03-04 07:30 (Europe/Berlin)" in out  # Monday's 07:30 has passed: it is 08:00 in Berlin
    status = await harness.run("/studybot status")
    assert "Schedule: 07:30 Europe/Berlin, Mon, Wed, Fri" in status
    assert "Daily question: on" in status


@pytest.mark.parametrize(
    ("line", "expected", "example"),
    [
        ("/studybot schedule 25:00 Europe/Berlin", "`25:00` is not a time of day", "/studybot schedule 09:00"),
        ("/studybot schedule 09:00 Berlin", "Did you mean `Europe/Berlin`?", "/studybot schedule 09:00"),
        ("/studybot schedule 09:00 Mars/Olympus", "`Mars/Olympus` is not an IANA timezone", "Europe/Berlin"),
        ("/studybot schedule 09:00", "Missing a timezone.", "/studybot schedule 09:00 Europe/Berlin"),
        ("/studybot schedule 09:00 UTC someday", "`someday` is not a set of days", "mon-fri"),
        ("/studybot schedule 09:00 UTC daily extra", "Too many arguments: `extra`", "/studybot schedule"),
        ("/studybot deck nope", "There is no deck `nope`", "/studybot deck mlops-interview"),
        ("/studybot deck mlops-interview cloudy", "Did you mean `cloud`?", "/studybot deck"),
        ("/studybot language fr", "`fr` is not a language", "/studybot language pt"),
        ("/studybot reveal notanemoji!!", "is not an emoji", "/studybot reveal"),
        ("/studybot frobnicate", "`frobnicate` is not a subcommand of `/studybot`", "/studybot help"),
        ("/nosuch", "I don't know the command `nosuch`", "/studybot help"),
        ("/quiz 0", "`0` is not a number of questions", "/quiz basics 3"),
        ("/quiz 99", "`99` is not a number of questions: use a whole number from 1 to 20", "/quiz"),
        ("/quiz nocategory", "There is no category `nocategory`", "/quiz basics 3"),
        ("/quiz basics 3 4", "Too many arguments", "/quiz"),
        ("/leaderboard forever", "`forever` is neither a leaderboard", "/leaderboard teams month"),
        ("/team create", "A team name has 1 to 30 characters", '/team create "Night Owls"'),
        ("/team create " + "x" * 31, "A team name has 1 to 30 characters", "/team create"),
        ("/team create bad$name", "A team name has 1 to 30 characters", "/team create"),
        ('/team create "unclosed', "A quote is not closed.", "/team create"),
        ("/team join Ghosts", "There are no teams yet", "/team join Owls"),
        ("/team leave", "You are not in a team.", "/team leave"),
        ("/streak @nobody", "I don't know `@nobody`", "/streak @alice"),
    ],
)
async def test_bad_input_is_explained_and_writes_nothing(
    harness: Harness, line: str, expected: str, example: str
) -> None:
    await harness.run(*SETUP)
    before = row_counts(harness.app.db)
    out = await harness.run(line)
    assert "❌ " in out and expected in out, out
    assert "Example: " in out and example in out, out
    assert "Traceback" not in out
    assert row_counts(harness.app.db) == before


async def test_settings_are_for_admins_only(harness: Harness) -> None:
    await harness.run(*SETUP)
    before = row_counts(harness.app.db)
    for line in (
        "/studybot schedule 10:00 UTC",
        "/studybot post",
        "/studybot deck starter",
        "/studybot language pt",
        "/studybot reveal :bulb:",
        "/studybot off",
        "/studybot on",
    ):
        out = await harness.run(":as bob", line)
        assert "Only workspace admins can change" in out, line
    after = row_counts(harness.app.db)
    assert {k: v for k, v in after.items() if k != "users"} == {k: v for k, v in before.items() if k != "users"}
    status = await harness.run(":as alice", "/studybot status")
    assert "09:00 Europe/Berlin" in status and "👀" in status


async def test_deck_language_reveal_off_on(harness: Harness) -> None:
    out = await harness.run("/studybot deck mlops-interview cloud,technical")
    assert "MLOps interviews" in out and "cloud, technical" in out
    out = await harness.run("/studybot language pt")
    assert "De agora em diante falo português aqui." in out
    out = await harness.run("/studybot status")
    assert "Idioma: pt-BR" in out and "Pergunta do dia: desligada" in out
    out = await harness.run("/studybot reveal :bulb:")
    assert "Reaja com 💡" in out
    out = await harness.run("/studybot on")
    assert "ligada: próxima em" in out
    out = await harness.run("/studybot off")
    assert "desligada aqui" in out
    out = await harness.run("/studybot language en", "/studybot deck starter", "/studybot status")
    assert "Python fundamentals (`starter`, all categories)" in out


async def test_post_once_per_question_day(harness: Harness) -> None:
    await harness.run(*SETUP)
    out = await harness.run("/studybot post")
    assert "Question of the day · 2026-03-02" in out and "Posted today's question (2026-03-02)." in out
    out = await harness.run("/studybot post")
    assert "already posted" in out
    assert [kind for kind, _ in harness.port.sent].count("post") == 1


async def test_streak_for_self_and_others(harness: Harness) -> None:
    await harness.run(*SETUP, ":next-day", ":as bob", ":react 👀")
    out = await harness.run("/streak")
    assert "bob's streak" in out and "Current: 1 question day" in out and "(only you can see this)" in out
    out = await harness.run(":as alice", "/streak @bob")
    assert "bob's streak" in out and "Current: 1" in out
    out = await harness.run("/streak <@bob>")
    assert "bob's streak" in out
    out = await harness.run("/studybot streak bob")
    assert "bob's streak" in out


async def test_teams_create_join_move_leave_list(harness: Harness) -> None:
    assert "Team Night Owls created" in await harness.run('/team create "Night Owls"')
    assert "A team called `Night Owls` exists already" in await harness.run(":as bob", "/team create 'night owls'")
    assert "You joined Night Owls" in await harness.run("/team join night owls")
    assert "You are already in Night Owls" in await harness.run("/team join Night Owls")
    await harness.run(":as carol", "/team create Larks")
    assert "You left Night Owls and joined Larks" in await harness.run(":as bob", "/team join Larks")
    out = await harness.run("/team list")
    assert "Larks (2): bob, carol" in out and "Night Owls (1): alice" in out
    assert "There is no team `Ghosts`, nor one with a similar name" in await harness.run("/team join Ghosts")
    assert "There is no team `Lark`. Closest: `Larks`." in await harness.run("/team join Lark")
    assert "You left Larks" in await harness.run("/team leave")
    assert "Teams" in await harness.run("/team")  # bare /team lists
    assert "Larks (1): carol" in await harness.run("/studybot team list")


async def test_unknown_meta_and_plain_lines_get_hints(harness: Harness) -> None:
    out = await harness.run("hello", ":dance", ":click 1", ":react 👀", ":as bad name!")
    assert "Lines start with /" in out
    assert "Unknown meta command :dance" in out
    assert "No message with buttons yet." in out
    assert "There is no daily question to react to yet" in out
    assert "Usage: :as NAME" in out


async def test_next_day_after_a_manual_post_moves_to_the_following_question_day(harness: Harness) -> None:
    out = await harness.run("/studybot schedule 09:00 UTC mon-fri", "/studybot post", ":next-day")
    assert "Question of the day · 2026-03-02" in out and "Question of the day · 2026-03-03" in out


async def test_quiz_flow_by_button_clicks(harness: Harness) -> None:
    out = await harness.run(":as bob", "/quiz basics 2")
    assert "Quiz 1/2 · Basics" in out and "[1] A  [2] B  [3] C  [4] D" in out
    item = harness.port.sent[-1][1]
    out = await harness.run(":click 1")
    assert "(edited)" in out and "You chose A." in out and ("Correct!" in out or "Not quite" in out)
    assert "[1] Next question" in out
    out = await harness.run(":click 1")
    assert "Quiz 2/2 · Basics" in out and item.title not in out
    out = await harness.run(":click 2", ":click 1")
    assert "[1] See results" in out and "Quiz finished" in out and "of 2 correct" in out
    # another member cannot answer bob's quiz
    bob_card = harness.port.latest_with_buttons
    out = await harness.run(":as carol", "/quiz 1")
    from bot.events import ButtonPressed, Origin

    await harness.app.core.handle(
        ButtonPressed(
            Origin("console", "local", "general", "carol", event_id="steal"),
            "sb:answer:1:0:0",
            bob_card.message_id if bob_card else None,
        ),
        harness.port,
    )
    assert "This quiz belongs to someone else" in harness.port.sent[-1][1].body


async def test_quiz_points_and_participation_on_the_daily_question(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":click 2")
    assert harness.port.sent[-1][1].kind == "quiz"
    out = await harness.run(":click 1")
    streak = await harness.run("/streak")
    assert "Current: 1 question day" in streak  # a quiz answer on the daily question is participation
    points = 1 + (2 if "Correct!" in out else 0)
    board = await harness.run("/leaderboard users week")
    assert f"bob: {points} {'pt' if points == 1 else 'pts'}" in board


async def test_stale_and_forged_buttons_are_refused_cleanly(harness: Harness) -> None:
    from bot.events import ButtonPressed, Origin

    before = None
    for action in ("sb:reveal:999", "sb:reveal:abc", "sb:answer:1:2", "sb:nope:1", "garbage", "sb:grade:1:great"):
        event = ButtonPressed(Origin("console", "local", "general", "bob", event_id=action), action, "1")
        await harness.app.core.handle(event, harness.port)
        message = harness.port.sent[-1][1]
        assert message.kind == "error" and "Traceback" not in message.body, action
        before = before or message
    assert before is not None


async def test_leaderboard_periods_follow_the_channel_calendar(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀")
    assert "bob: 1 pt" in await harness.run("/leaderboard week")
    for _ in range(7):  # a week later bob's point is last week's
        await harness.run(":as alice", ":next-day")
    out = await harness.run(":as alice", ":react 👀", "/leaderboard")
    assert "bob" not in out and "alice: 1 pt" in out
    assert "bob: 1 pt" in await harness.run("/leaderboard all")
    assert "bob: 1 pt" in await harness.run("/leaderboard month users")
    out = await harness.run("/leaderboard teams")
    assert "No points yet in this period." in out


async def test_portuguese_channel_speaks_portuguese(harness: Harness) -> None:
    out = await harness.run(
        "/studybot language pt",
        "/studybot schedule 09:00 America/Sao_Paulo",
        "/studybot post",
        ":as bob",
        ":react 👀",
        "/streak",
        "/quiz 1",
        "/studybot help",
    )
    assert "Pergunta do dia" in out and "Resposta-modelo" in out and "Sequência de bob" in out
    assert "Eu sabia" in out and "Para todos" in out and "Quiz 1/1" in out
    assert "Question of the day" not in out and "Model answer" not in out


async def test_quiz_grades_the_shuffled_order_each_member_saw(harness: Harness) -> None:
    """Options are shuffled per member; clicking the letter that shows the correct option is graded right, and the
    attempt records the option's deck index."""
    from sqlmodel import Session, select

    from bot.storage.models import QuizAttempt, User
    from tests.quiz_helpers import deck_index_by_letter, letters, shown_item

    catalog = harness.app.services.catalog
    picked: dict[str, int] = {}
    for member in ("bob", "carol"):
        out = await harness.run(f":as {member}", "/quiz 2")
        _, item = shown_item(catalog, harness.port.sent[-1][1].title or out)
        right, _ = letters(item, out)
        out = await harness.run(f":click {'ABCDE'.index(right) + 1}")
        assert f"You chose {right}." in out and "Correct!" in out, out
        picked[member] = deck_index_by_letter(item, out)[right]
        out = await harness.run(":click 1")
        _, item2 = shown_item(catalog, harness.port.sent[-1][1].title)
        right2, wrong2 = letters(item2, out)
        out = await harness.run(f":click {'ABCDE'.index(wrong2) + 1}")
        assert f"You chose {wrong2}." in out and f"Not quite: the answer is {right2}. " in out, out
    with Session(harness.app.db.engine) as session:
        rows = session.exec(select(QuizAttempt, User).join(User, User.id == QuizAttempt.user_id)).all()
        assert len(rows) == 4
        for attempt, user in rows:
            assert attempt.option_order is not None
            order = [int(i) for i in attempt.option_order.split(",")]
            assert attempt.option_index == order[attempt.chosen]
            if attempt.correct:
                assert attempt.option_index == picked[user.display_name]
