"""studybot's Slack app in HTTP mode for benchmark 4, as ``studybot slack --http`` runs it (``build_slack_bot`` +
``serve_http``), against a fake Slack Web API:

    python -m benchmarks.slack_app_server --database-url URL --slack-api-url URL --signing-secret S

It schedules and posts today's question in channel C1 of workspace T1 first, prints ``READY <port> <ts>`` (the
question's message ts, for reactions), then serves on 127.0.0.1 until SIGTERM (at most an hour).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
from typing import Any

from adapters.slack.app import build_slack_bot
from adapters.slack.server import serve_http
from benchmarks.common import RecordingPort, post_todays_question
from benchmarks.serving import serve_until_stopped
from bot.bootstrap import bootstrap
from bot.settings import Settings

BOT_TOKEN = "xoxb-T1-benchmark"


class SetupPort(RecordingPort):
    """Posts today's question with a Slack-shaped message ts."""

    async def post(self, *args: Any, **kwargs: Any) -> str:
        await super().post(*args, **kwargs)
        return f"1700000000.{self._ids:06d}"


async def main(args: argparse.Namespace) -> None:
    from bot.logcontext import configure_logging

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=args.database_url, slack_bot_token=BOT_TOKEN,
        slack_signing_secret=args.signing_secret, slack_api_url=args.slack_api_url, selection_seed="bench",
    )
    configure_logging(args.log_level, settings.log_format, settings.secrets())
    logging.getLogger("slack_bolt").setLevel(args.log_level)
    app = bootstrap(settings, rng=random.Random(5))
    posted = await post_todays_question(app, SetupPort("slack"), tenant="T1", channel="C1", admin="UADMIN")
    slack = build_slack_bot(app, settings)
    runner = await serve_http(slack, "127.0.0.1", 0)
    await serve_until_stopped(f"{runner.addresses[0][1]} {posted.message_id}")
    await runner.cleanup()
    close = getattr(slack, "close", None)  # lets work handed over after the ack finish
    if close is not None:
        await close()
    app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--slack-api-url", required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--log-level", default="INFO")
    asyncio.run(main(parser.parse_args()))
