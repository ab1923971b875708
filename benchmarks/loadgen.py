"""The load generator of benchmark 4, run as a second process on loopback:

    python -m benchmarks.loadgen --url http://127.0.0.1:PORT/slack/events --rate 200 --seconds 15 \\
        --signing-secret S --message-ts TS --response-base http://127.0.0.1:FAKE/respond --out result.json

Open loop at a fixed rate: request ``i`` is due at ``start + i / rate`` whether or not earlier ones were answered.
Three in four are signed ``reaction_added`` events (👀 on today's question, each by a new member), one in four a
signed slash command (``/streak`` or ``/leaderboard``, by 50 members in turn). Each request's latency runs from
the moment it was due to the end of its response, so a late sender counts against the server, not for it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

REQUEST_TIMEOUT = 10.0


def signed(body: str, secret: str, timestamp: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def requests(count: int, secret: str, ts: str, response_base: str) -> list[tuple[str, bytes, dict[str, str]]]:
    """(kind, body, headers) for each request, signed now (Slack accepts signatures for five minutes)."""
    now = int(time.time())
    out = []
    for i in range(count):
        if i % 4 == 3:
            name, text = ("streak", "") if i % 8 == 3 else ("leaderboard", "users week")
            body = urlencode({
                "token": "legacy", "team_id": "T1", "team_domain": "bench", "channel_id": "C1",
                "channel_name": "study", "user_id": f"UC{i % 50}", "user_name": f"uc{i % 50}",
                "command": f"/{name}", "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
                "response_url": f"{response_base}/cmd{i}", "trigger_id": f"trigger.{i}",
            })
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            kind = f"/{name}"
        else:
            body = json.dumps({
                "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": f"EvLoad{i:08d}", "event_time": now,
                "event": {"type": "reaction_added", "user": f"UR{i}", "reaction": "eyes", "item_user": "UBOT",
                          "item": {"type": "message", "channel": "C1", "ts": ts}, "event_ts": f"{now}.{i:06d}"},
                "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False,
            })
            headers = {"Content-Type": "application/json"}
            kind = "reaction_added"
        headers.update(signed(body, secret, now))
        out.append((kind, body.encode(), headers))
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    count = int(args.rate * args.seconds)
    prepared = requests(count, args.signing_secret, args.message_ts, args.response_base)
    results: list[tuple[str, int | str, float]] = [("", 0, 0.0)] * count
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=512)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def fire(i: int, due: float) -> None:
            kind, body, headers = prepared[i]
            try:
                async with session.post(args.url, data=body, headers=headers) as response:
                    await response.read()
                    status: int | str = response.status
            except Exception as exc:  # a timeout or a refused connection is a result too
                status = type(exc).__name__
            results[i] = (kind, status, (loop.time() - due) * 1000)

        start = loop.time() + 0.2
        tasks = []
        send_lag = 0.0
        for i in range(count):
            due = start + i / args.rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            send_lag = max(send_lag, loop.time() - due)
            tasks.append(asyncio.create_task(fire(i, due)))
        sent_for = loop.time() - start
        await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 5)
        finished = loop.time() - start
    return {"count": count, "rate": args.rate, "sent_for": sent_for, "finished_after": finished,
            "max_send_lag_ms": send_lag * 1000, "results": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--message-ts", required=True)
    parser.add_argument("--response-base", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    Path(arguments.out).write_text(json.dumps(asyncio.run(run(arguments))))
