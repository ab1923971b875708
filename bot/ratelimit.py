"""A per-member command rate limit: a token bucket per member and channel (platform, workspace, channel, member),
in memory.

Per channel, so that an admin setting up many channels in a row is not held back. A member may send ``burst``
commands at once, then one every ``1 / per_second`` seconds. A flood is refused with
one friendly "slow down" reply per streak of refusals (not one per command: the replies would be a flood of their
own). The table keeps at most ``max_members`` buckets, least recently used first out, so memory stays bounded
whatever the traffic. Per process: each replica limits what it receives.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: Commands a member can send at once, and how many per second after that.
BURST = 30
PER_SECOND = 1.0
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the next command would be allowed
    tell: bool = False  # the first refusal of a streak: say "slow down" (later ones are dropped quietly)


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


class MemberLimiter:
    def __init__(
        self,
        burst: int = BURST,
        per_second: float = PER_SECOND,
        max_members: int = MAX_MEMBERS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.burst, self.per_second, self.max_members, self.clock = burst, per_second, max_members, clock
        self._buckets: OrderedDict[tuple[str, ...], _Bucket] = OrderedDict()
        self._lock = threading.Lock()  # the core runs on several worker loops at once

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, *key: str) -> Verdict:
        """Take one command from the member's bucket, if there is one to take."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(float(self.burst), now)
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_members:
                self._buckets.popitem(last=False)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                bucket.told = False
                return Verdict(True)
            tell, bucket.told = not bucket.told, True
            return Verdict(False, (1.0 - bucket.tokens) / self.per_second, tell)


def seconds(value: float) -> int:
    return max(1, math.ceil(value))
