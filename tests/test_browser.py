"""The headless browser the page tests use leaves nothing behind in the temporary folder."""

from __future__ import annotations

from pathlib import Path

from tests.browser import Chromium


def test_rendering_a_page_removes_the_browser_profile(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>t</title><p>hello</p>")
    with Chromium() as chrome:
        profile = Path(chrome.profile)
        rendered = chrome.render(page.resolve().as_uri(), width=800, settle=0.1)
        assert profile.is_dir()
    assert rendered.title == "t" and "hello" in rendered.text
    assert not profile.exists()
