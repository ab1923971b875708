"""Unicode confusable skeletons (UTS #39): names that look alike get the same skeleton.

The data is Unicode's confusables table as shipped by ``confusable-homoglyphs``, which lists, for each character,
the characters confusable with it. Each group of confusable characters maps to one representative (the lowest
code point), so ``Оwls`` (Cyrillic О), ``Ｏｗｌｓ`` (fullwidth) and ``𝐎𝐰𝐥𝐬`` (mathematical bold) share a skeleton with
``Owls``. Built on first use, not at import.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_MARKS = "\u200e\u200f"  # direction marks the table wraps right-to-left characters in


@cache
def _representatives() -> dict[str, str]:
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for char, homoglyphs in confusables_data.items():
        for glyph in homoglyphs:
            other = glyph["c"].strip(_MARKS)
            if len(char) == 1 and len(other) == 1:
                a, b = find(char), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {c: find(c) for c in parent}


def skeleton(text: str) -> str:
    """The text after NFKC and case folding, with each character replaced by its confusable group's
    representative (and NFD around it, as UTS #39 does): equal skeletons look alike."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    table = _representatives()
    mapped = "".join(table.get(c, c) for c in unicodedata.normalize("NFD", folded))
    return unicodedata.normalize("NFD", mapped)


def same_looking(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` look alike, case aside: equal skeletons, either case-folded first (so ``Owls`` and
    ``оwls`` match) or as typed (so ``OwIs``, with a capital I, matches ``Owls``)."""
    return bool({skeleton(a), _cased(a)} & {skeleton(b), _cased(b)})


def _cased(text: str) -> str:
    table = _representatives()
    nfd = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    mapped = "".join(table.get(c, c) for c in nfd)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in mapped.casefold()))
