"""Writes BENCHMARKS.md from the sections a run measured."""

from __future__ import annotations

import re
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


def _table(header: list[str], rows: list[list[str] | str]) -> str:
    """A markdown table; a row given as a string is a line kept from an earlier file, already rendered."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += [row if isinstance(row, str) else "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"
              for row in rows]
    return "\n".join(lines)


@dataclass
class Kept:
    """What an earlier BENCHMARKS.md holds of benchmarks this run did not measure, kept as it was."""

    summary_rows: dict[int, list[str]]
    sections: dict[int, str]

    @property
    def numbers(self) -> list[int]:
        return sorted(self.sections)


def kept_from(previous: str, measured: set[int]) -> Kept:
    """The summary rows and sections of ``previous`` whose benchmark number is not in ``measured``."""
    rows: dict[int, list[str]] = {}
    sections: dict[int, str] = {}
    summary = re.search(r"^## Summary\n(.*?)(?=^## )", previous, flags=re.S | re.M)
    for line in (summary.group(1) if summary else "").splitlines():
        found = re.match(r"\| (\d+)\. ", line)
        if found and int(found.group(1)) not in measured:
            rows.setdefault(int(found.group(1)), []).append(line)
    date = re.search(r"^- Date: (.*)$", previous, flags=re.M)
    code = re.search(r"^- Code measured: (.*)$", previous, flags=re.M)
    stamp = f"_Measured {date.group(1)}, code {code.group(1)}._" if date and code else ""
    for found in re.finditer(r"^## (\d+)\. .*?(?=^## |\Z)", previous, flags=re.S | re.M):
        number = int(found.group(1))
        if number in measured:
            continue
        heading, _, body = found.group(0).rstrip().partition("\n")
        if stamp and not body.lstrip().startswith("_Measured "):
            body = f"\n{stamp}\n{body}"
        sections[number] = f"{heading}\n{body}\n"
    return Kept(rows, sections)


def render(info: RunInfo, sections: list[Section], kept: Kept | None = None) -> str:
    kept = kept or Kept({}, {})
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
    if kept.numbers:
        out.append(f"- Benchmarks {', '.join(map(str, kept.numbers))} were not run this time: their summary rows "
                   "and sections below are kept from the earlier run that measured them (each section says when)")
    out.append("\n## Machine\n")
    out.append(_table(["", ""], [[k, v] for k, v in info.machine.items()]))
    out.append("\n## Summary\n")
    summary: list[list[str] | str] = []
    for number in sorted({s.number for s in sections} | set(kept.summary_rows)):
        summary.extend(kept.summary_rows.get(number, []))
        summary.extend(_summary_rows(next((s for s in sections if s.number == number), None)))
    out.append(_table(["benchmark", "database", "figure", "measured", "ratio to baseline", "target", "result"],
                      summary))
    measured_at = f"_Measured {info.date}, code {info.code}{', quick mode' if info.quick else ''}._"
    for number in sorted({s.number for s in sections} | set(kept.sections)):
        if number in kept.sections:
            out.append("\n" + kept.sections[number].rstrip())
            continue
        out.append("\n" + render_section(next(s for s in sections if s.number == number), measured_at))
    return "\n".join(out).rstrip() + "\n"


def render_section(s: Section, measured_at: str = "") -> str:
    """One benchmark's section: when it was measured, method, table, notes and details."""
    out = [f"## {s.number}. {s.title}\n"]
    if measured_at:
        out.append(measured_at + "\n")
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


def _summary_rows(s: Section | None) -> list[list[str] | str]:
    rows: list[list[str] | str] = []
    if s is None:
        return rows
    name = f"{s.number}. {s.title}"
    if s.error:
        return [[name, "–", "the benchmark failed", "–", "–", "–", "ERROR"]]
    for row in s.rows:
        if row.result in ("PASS", "MISS"):
            rows.append([name, row.db, row.figure, row.measured, row.ratio, row.target, f"**{row.result}**"])
    if not s.verdicts:
        dbs = ", ".join(dict.fromkeys(r.db for r in s.rows)) or "–"
        rows.append([name, dbs, "no target set: reported only", "–", "–", "–", "–"])
    return rows


def write(path: Path, info: RunInfo, sections: list[Section]) -> None:
    """Write the file; benchmarks of an earlier file that this run did not measure are kept as they were."""
    previous = path.read_text() if path.exists() else ""
    path.write_text(render(info, sections, kept_from(previous, {s.number for s in sections})))
