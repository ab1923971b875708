"""Writes BENCHMARKS.md from the sections a run measured."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import PG_URL_DEFAULT, PG_URL_ENV, Section


@dataclass
class RunInfo:
    date: str
    command: str
    quick: bool
    backends: list[str]
    seconds: float
    machine: dict[str, str]
    skipped: list[str]
    code: str
    load: str


HEADER = f"""# Benchmarks

One command runs them and rewrites this file (from the repository root, with the project's virtual environment
active):

```sh
python -m benchmarks.run                          # every benchmark, full sizes, SQLite and PostgreSQL
python -m benchmarks.run --quick                  # smaller sizes: a smoke run, said so below
python -m benchmarks.run --only 1,3 --db sqlite   # some benchmarks, one database
```

PostgreSQL is `{PG_URL_ENV}`
(default `{PG_URL_DEFAULT}`): its `public` schema is dropped and recreated before each
measurement, so give the benchmarks a database of their own (`createdb -h 127.0.0.1 -U postgres bench`). SQLite
databases are files in a temporary directory. Every figure is compared with a baseline measured in the same run on
the same machine; every loop is bounded in count and time; all traffic stays on loopback. The in-process
benchmarks (1-3) leave logging unconfigured (warnings only); the servers of 4 and 5 log at INFO, as `studybot`
does by default. The code is in `benchmarks/` (one module per benchmark, `run.py` drives them).
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render(info: RunInfo, sections: list[Section]) -> str:
    out = [HEADER]
    out.append("## This run\n")
    mode = ("**quick** (a smoke run: sizes shrunk, so the figures say little about the targets)" if info.quick
            else "full sizes")
    out.append(f"- Date: {info.date}")
    out.append(f"- Command: `{info.command}`")
    out.append(f"- Mode: {mode}")
    out.append(f"- Code measured: {info.code}")
    out.append(f"- Databases: {', '.join(info.backends) or 'none'}")
    out.append(f"- Machine load (1-minute load average) {info.load}")
    out.append(f"- Duration: {info.seconds / 60:.1f} min in all; "
               + "; ".join(f"{s.number}. {s.seconds:.0f} s" for s in sections))
    for note in info.skipped:
        out.append(f"- {note}")
    out.append("\n## Machine\n")
    out.append(_table(["", ""], [[k, v] for k, v in info.machine.items()]))
    out.append("\n## Summary\n")
    summary = []
    for s in sections:
        name = f"{s.number}. {s.title}"
        if s.error:
            summary.append([name, "–", "the benchmark failed", "–", "–", "–", "ERROR"])
            continue
        for row in s.rows:
            if row.result in ("PASS", "MISS"):
                summary.append([name, row.db, row.figure, row.measured, row.ratio, row.target, f"**{row.result}**"])
        if not s.verdicts:
            dbs = ", ".join(dict.fromkeys(r.db for r in s.rows)) or "–"
            summary.append([name, dbs, "no target set: reported only", "–", "–", "–", "–"])
    out.append(_table(["benchmark", "database", "figure", "measured", "ratio to baseline", "target", "result"],
                      summary))
    for s in sections:
        out.append("\n" + render_section(s))
    return "\n".join(out).rstrip() + "\n"


def render_section(s: Section) -> str:
    """One benchmark's section: method, table, notes and details."""
    out = [f"## {s.number}. {s.title}\n"]
    for line in s.method:
        out.append(f"- {line}")
    out.append("")
    if s.error:
        out.append(f"**The benchmark failed:**\n\n```text\n{s.error}\n```")
        return "\n".join(out).rstrip()
    out.append(_table(["database", "figure", "measured", "baseline", "ratio", "target", "result"],
                      [[r.db, r.figure, r.measured, r.baseline, r.ratio, r.target, r.result] for r in s.rows]))
    if s.notes:
        out.append("")
        for note in s.notes:
            out.append(f"- {note}")
    if s.details:
        out.append("")
        out.extend(s.details)
    return "\n".join(out).rstrip()


def write(path: Path, info: RunInfo, sections: list[Section]) -> None:
    path.write_text(render(info, sections))
