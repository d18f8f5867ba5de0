"""The layers read bottom-up: a package imports only from its own layer or those below, and
training and serving never import each other (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYER = {
    "creator_audit": 0,
    "features": 1,
    "scoring": 2,
    "evaluation": 3,
    "training": 4,
    "serving": 4,
    "scaleout": 5,
}
TOP = "creator_audit.cli"  # the command line (a package) sits on everything


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in LAYER}


def _on_top(module: str) -> bool:
    return module == TOP or module.startswith(TOP + ".")


def _violations(module: str, imported: set[str]) -> list[str]:
    if _on_top(module):
        return []
    own = module.split(".")[0]
    bad = []
    for name in sorted(imported):
        other = name.split(".")[0]
        higher = LAYER[other] > LAYER[own] or (other != own and LAYER[other] == LAYER[own])
        if higher or _on_top(name):
            bad.append(f"{module} imports {name}")
    return bad


SOURCES = sorted(p for package in LAYER for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[_module(p) for p in SOURCES])
def test_no_module_imports_a_higher_layer_or_its_sibling(path: Path) -> None:
    assert _violations(_module(path), _imports(path)) == []


def test_the_check_catches_what_it_forbids() -> None:
    assert _violations("scoring.model", {"training.fit"}) == ["scoring.model imports training.fit"]
    assert _violations("serving.app", {"training.fit"}) == ["serving.app imports training.fit"]
    assert _violations("evaluation.report", {"training.fit"}) == [
        "evaluation.report imports training.fit"
    ]
    assert _violations("training.train", {"serving.app"}) != []
    assert _violations("features.build", {"creator_audit.dataset", "scoring.model"}) == [
        "features.build imports scoring.model"
    ]
    assert _violations("scaleout.train", {"training.fit", "scoring.model", "serving.app"}) == []
    assert _violations("creator_audit.cli", {"scaleout.train"}) == []
    assert _violations("creator_audit.cli.creators", {"scaleout.train", "serving.app"}) == []
    assert _violations("creator_audit.dataset.read", {"creator_audit.cli.common"}) == [
        "creator_audit.dataset.read imports creator_audit.cli.common"
    ]
