"""Finds runs of words that a deck repeats from a source article (used by the deck tests)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text)]


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _strings(node: object) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def copied_runs(deck_dir: Path, article: Path, n: int = 10) -> list[tuple[str, str]]:
    """(file, run) for every run of ``n`` words in the deck's texts that also stands in the article."""
    source = ngrams(words(article.read_text(encoding="utf-8")), n)
    found: list[tuple[str, str]] = []
    for path in sorted(deck_dir.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in _strings(data):
            tokens = words(text)
            for i in range(len(tokens) - n + 1):
                run = tuple(tokens[i : i + n])
                if run in source:
                    found.append((path.name, " ".join(run)))
    return found


if __name__ == "__main__":
    import sys

    hits = copied_runs(Path(sys.argv[1]), Path(sys.argv[2]))
    for name, run in hits:
        print(f"{name}: {run}")
    print(f"{len(hits)} copied runs")
    sys.exit(1 if hits else 0)
