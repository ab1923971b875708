"""Runs studybot's benchmarks and rewrites BENCHMARKS.md with the results:

    python -m benchmarks.run [--quick] [--only N,...] [--db sqlite|postgresql|both]

1. event throughput (benchmarks/throughput.py), 2. daily fan-out (fanout.py), 3. leaderboards and streaks at
scale (standings.py), 4. Slack HTTP mode under load (slack_load.py), 5. idle memory of ``studybot run``
(idle_memory.py), 6. exactly once under faults on Discord (exactly_once_discord.py), 7. group study, adaptive
order against the shuffled cycle (group_study.py; a simulation, no database), 8. free-text grading against key
points (grading.py; no database), 9. exactly once under faults on Slack (exactly_once.py, PostgreSQL
only). The database benchmarks run on SQLite and PostgreSQL
(``STUDYBOT_BENCH_DATABASE_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``, whose ``public``
schema is wiped); each benchmark compares its figures with a baseline measured in the same run. A run of some
benchmarks (``--only``) rewrites their sections of BENCHMARKS.md and keeps the others. ``--quick`` shrinks the
sizes for a smoke run. Run it from the repository root with the project's virtual environment.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks import (
    exactly_once,
    exactly_once_discord,
    fanout,
    grading,
    group_study,
    idle_memory,
    slack_load,
    standings,
    throughput,
)
from benchmarks.common import (
    DATABASES,
    ROOT,
    Databases,
    Section,
    machine,
    now_text,
    pg_url,
    postgres_version,
    progress,
)
from benchmarks.report import RunInfo, write

Runner = Callable[[Databases, list[str], bool, Path], Awaitable[Section]]


def _no_workdir(fn: Callable[[Databases, list[str], bool], Awaitable[Section]]) -> Runner:
    async def run(databases: Databases, backends: list[str], quick: bool, _workdir: Path) -> Section:
        return await fn(databases, backends, quick)

    return run


BENCHMARKS: dict[int, tuple[str, Runner]] = {
    1: ("Event throughput (reveal by reaction)", _no_workdir(throughput.run)),
    2: ("Daily fan-out", _no_workdir(fanout.run)),
    3: ("Leaderboards and streaks at scale", _no_workdir(standings.run)),
    4: ("Slack HTTP mode under load", slack_load.run),
    5: ("Idle resident memory of `studybot run`", idle_memory.run),
    6: (exactly_once_discord.TITLE, exactly_once_discord.run),
    7: ("Group study: adaptive order vs the shuffled cycle (simulation)", _no_workdir(group_study.run)),
    8: ("Free-text grading against key points", _no_workdir(grading.run)),
    9: (exactly_once.TITLE, exactly_once.run),
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers, e.g. 1,3 (default: all)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md", help="where to write the results")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (databases, logs)")
    args = parser.parse_args(argv)
    try:
        args.numbers = sorted({int(n) for n in args.only.split(",") if n.strip()}) or sorted(BENCHMARKS)
    except ValueError:
        parser.error(f"--only takes benchmark numbers separated by commas, e.g. 1,3; not {args.only!r}")
    unknown = [n for n in args.numbers if n not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {unknown[0]}; they are {', '.join(map(str, BENCHMARKS))}")
    return args


def code_version() -> tuple[str, int]:
    """The commit checked out and how many tracked files differ from it (read-only git calls)."""
    def git(*args: str) -> str:
        try:
            result = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True,
                                    timeout=30)
        except (OSError, subprocess.SubprocessError):
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    head = git("log", "-1", "--format=%h %s")
    changed = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    return head or "unknown (not a git checkout)", changed


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    backends = list(DATABASES) if args.db == "both" else [args.db]
    skipped: list[str] = []
    if "postgresql" in backends and postgres_version() is None:
        if args.db == "postgresql":
            print(f"PostgreSQL at {pg_url()} is not reachable", file=sys.stderr)
            return 2
        backends.remove("postgresql")
        skipped.append(f"PostgreSQL at `{pg_url()}` was not reachable: SQLite only.")
    command = "python -m benchmarks.run" + (" " + " ".join(sys.argv[1:] if argv is None else argv)).rstrip()
    progress(f"{command}: benchmarks {', '.join(map(str, args.numbers))} on {', '.join(backends)}"
             + (" (QUICK: smaller sizes, a smoke run)" if args.quick else " (full sizes)"))
    workdir = Path(tempfile.mkdtemp(prefix="studybot-bench-"))
    code_before, load_before = code_version(), load_average()
    started = time.monotonic()
    sections: list[Section] = []
    failed = False
    try:
        for number in args.numbers:
            title, runner = BENCHMARKS[number]
            t0 = time.monotonic()
            try:
                section = asyncio.run(runner(Databases(workdir), backends, args.quick, workdir))
            except Exception:
                failed = True
                section = Section(number, title, error=traceback.format_exc(limit=8))
                progress(f"{number}. {title}: FAILED\n{section.error}")
            section.seconds = time.monotonic() - t0
            sections.append(section)
            progress(f"{number}. {title}: done in {section.seconds:.0f} s "
                     f"({', '.join(section.verdicts) or 'no target'})")
    finally:
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    code_after = code_version()
    head, changed = code_before
    code = f"`{head}`" + (f" with uncommitted changes in {changed} tracked files" if changed else "")
    if code_after != code_before:
        code += (f". **The code changed during the run** (at the end: `{code_after[0]}`, {code_after[1]} files "
                 "changed): the figures may mix versions; run again on a quiet checkout")
    load = f"{load_before} at the start, {load_average()} at the end (the benchmarks' own processes included)"
    info = RunInfo(now_text(), command, args.quick, backends, time.monotonic() - started, machine(), skipped,
                   code, load)
    write(args.output, info, sections)
    progress(f"wrote {args.output} ({info.seconds / 60:.1f} min)")
    for s in sections:
        for row in s.rows:
            if row.result in ("PASS", "MISS"):
                print(f"  {s.number}. {row.db:<10} {row.figure}: {row.measured} (target {row.target}) {row.result}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
