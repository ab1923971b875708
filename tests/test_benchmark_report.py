"""BENCHMARKS.md keeps what a run did not measure: `--only N` rewrites benchmark N and nothing else."""

from __future__ import annotations

from benchmarks.common import Row, Section
from benchmarks.report import RunInfo, kept_from, render


def info(date: str) -> RunInfo:
    return RunInfo(date, "python -m benchmarks.run", False, ["sqlite"], 60.0, {"cpu": "test"}, [], f"`{date}`", "0.1")


def section(number: int, measured: str) -> Section:
    s = Section(number, f"Benchmark {number}", method=[f"method {number}"])
    s.rows = [Row("sqlite", f"figure {number}", measured, "1", "1.00", "≥ 1", "PASS")]
    return s


def test_a_partial_run_keeps_the_other_sections_and_their_summary_rows() -> None:
    first = render(info("day one"), [section(1, "10"), section(2, "20")])
    second = render(info("day two"), [section(2, "21")], kept_from(first, {2}))
    assert "| 1. Benchmark 1 | sqlite | figure 1 | 10 |" in second
    assert "| 2. Benchmark 2 | sqlite | figure 2 | 21 |" in second
    assert "| 20 |" not in second
    one = second[second.index("## 1. Benchmark 1"):second.index("## 2. Benchmark 2")]
    assert "_Measured day one, code `day one`._" in one and "method 1" in one
    two = second[second.index("## 2. Benchmark 2"):]
    assert "_Measured day two, code `day two`._" in two
    assert "Benchmarks 1 were not run this time" in second
    assert second.index("## 1.") < second.index("## 2.")
    third = render(info("day three"), [section(2, "22")], kept_from(second, {2}))
    assert third.count("_Measured day one") == 1  # a kept section is kept as it was, not stamped again


def test_a_full_run_keeps_nothing() -> None:
    first = render(info("day one"), [section(1, "10")])
    assert kept_from(first, {1}).numbers == []
