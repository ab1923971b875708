"""Prometheus metrics, on a registry of their own (made by bootstrap, so importing this module creates nothing)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 4 * 3600)


class Metrics:
    """Every metric studybot exports; ``render()`` is the text /metrics serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.posts = Counter("studybot_posts", "Daily questions posted, by platform and outcome (sent, failed).",
                             ["platform", "outcome"], registry=r)
        self.reveals = Counter("studybot_reveals", "Answers revealed, by platform and how (reaction, button).",
                               ["platform", "via"], registry=r)
        self.quiz_answers = Counter("studybot_quiz_answers", "Quiz answers graded, by platform and result.",
                                    ["platform", "result"], registry=r)
        self.commands = Counter("studybot_commands", "Slash commands, by name and outcome (ok, user_error, error).",
                                ["command", "outcome"], registry=r)
        self.rate_limited = Counter("studybot_rate_limited", "429 answers from a platform.", ["platform"], registry=r)
        self.retries = Counter("studybot_retries", "Platform calls retried (after a 429 or a failed send).",
                               ["platform"], registry=r)
        self.dedupe_hits = Counter("studybot_dedupe_hits", "Deliveries recognised as already handled.",
                                   ["platform"], registry=r)
        self.handler_seconds = Histogram("studybot_handler_seconds", "Time to handle an inbound event.",
                                         ["platform", "event"], buckets=LATENCY_BUCKETS, registry=r)
        self.scheduler_lag = Histogram("studybot_scheduler_lag_seconds",
                                       "How late a daily question went out after its scheduled time.",
                                       ["platform"], buckets=LAG_BUCKETS, registry=r)
        self.database_errors = Counter("studybot_database_errors", "Database operations that failed.",
                                       ["operation"], registry=r)
        self.reply_failures = Counter("studybot_reply_failures", "Replies to members the platform did not take.",
                                      ["platform"], registry=r)
        self.dropped_events = Counter("studybot_dropped_events", "Inbound events dropped: the work queue was full.",
                                      ["platform"], registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when it has not been seen), for tests and the doctor."""
        found = self.registry.get_sample_value(name, labels)
        return found or 0.0
