"""The core stays platform-agnostic and free of import-time work."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"slack_bolt", "slack_sdk", "discord", "apscheduler", "aiohttp"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_never_imports_a_platform_library() -> None:
    files = sorted((ROOT / "bot").rglob("*.py"))
    assert len(files) > 20
    offenders = {str(f.relative_to(ROOT)): imported_roots(f) & PLATFORM_LIBRARIES for f in files}
    assert {f: libs for f, libs in offenders.items() if libs} == {}


def test_core_never_imports_adapters() -> None:
    offenders = [str(f.relative_to(ROOT)) for f in (ROOT / "bot").rglob("*.py") if "adapters" in imported_roots(f)]
    assert offenders == []


def test_importing_the_core_creates_nothing(tmp_path: Path) -> None:
    """No engine, settings or file at import time: importing every module leaves the directory empty."""
    code = (
        "import pkgutil, importlib, bot, adapters\n"
        "for pkg in (bot, adapters):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' not in m.name: importlib.import_module(m.name)\n"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "data")}
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True)
    assert list(tmp_path.iterdir()) == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """Our modules that ``path`` imports when it runs (at the top or inside a function; not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return (names & modules) - {_module_name(path)}


def test_no_import_cycles() -> None:
    """No module imports, even lazily inside a function, a module that imports it back (directly or not)."""
    tops = ("bot", "adapters", "scheduler")
    files = [f for top in tops for f in (ROOT / top).rglob("*.py") if "migrations" not in f.parts]
    modules = {_module_name(f) for f in files}
    graph = {_module_name(f): _runtime_imports(f, modules) for f in files}
    assert graph["bot.commands.registry"] >= {"bot.commands.help"}  # the walk sees the imports it must see

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            module = todo.pop()
            if module == goal:
                return True
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])
        return False

    cycles = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if reaches(b, a))
    assert cycles == []


def test_posting_never_imports_the_command_layer() -> None:
    """``bot.posts`` sits below the command handlers (``/studybot post`` calls it), so it never imports them back:
    what both need (``Services``) lives in ``bot.services.container``."""
    tops = ("bot", "adapters", "scheduler")
    files = [f for top in tops for f in (ROOT / top).rglob("*.py") if "migrations" not in f.parts]
    modules = {_module_name(f) for f in files}
    posts = sorted((ROOT / "bot" / "posts").rglob("*.py"))
    assert len(posts) >= 6
    graph = {_module_name(f): _runtime_imports(f, modules) for f in posts}
    assert "bot.services.container" in graph["bot.posts.daily"]  # the walk sees the imports it must see
    offenders = {
        module: sorted(name for name in names if name == "bot.commands" or name.startswith("bot.commands."))
        for module, names in graph.items()
    }
    assert {module: names for module, names in offenders.items() if names} == {}
