"""docs/cli.md is the command line's own ``--help``: it fails when a command changed and the page
was not regenerated (scripts/cli_docs.py)."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_what_the_help_says_now() -> None:
    cli_docs = _cli_docs()
    expected = cli_docs.render()
    path = cli_docs.CLI_MD
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            actual.splitlines(),
            expected.splitlines(),
            "docs/cli.md (committed)",
            "docs/cli.md (the --help now)",
            lineterm="",
            n=1,
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(
            f"docs/cli.md is out of date with the commands' --help. Regenerate it with\n\n"
            f"    {cli_docs.REGENERATE}\n\nand commit the result. The first differences:\n{shown}"
        )


def test_every_command_has_a_section() -> None:
    cli_docs = _cli_docs()
    paths = [path for path, _ in cli_docs.helps()]
    assert paths[0] == "creator-audit"
    for command in ("train", "serve", "accounts score", "model convert", "data fetch"):
        assert f"creator-audit {command}" in paths
    text = cli_docs.render()
    assert "\x1b[" not in text and "╭" not in text  # no colours, no rich panels
