"""Open an HTML file in headless Chromium and report what a reader would see.

Talks the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4, messages
ending in NUL), so it needs no Python dependency beyond the standard library. Chromium is Debian's
``chromium`` package; ``.ci/run`` installs it when missing, and tests that need it skip with a
message where it cannot be found (a developer laptop without it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT = 60.0


@dataclass
class Rendered:
    """What the page showed: its title, images (loaded / all), errors and a screenshot."""

    title: str
    images: int
    images_loaded: int
    text: str
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    external_requests: list[str] = field(default_factory=list)
    evaluated: Any = None  # what ``script`` returned


def browser_path() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium found (apt-get install chromium); .ci/run installs it")


def render(
    page: Path | str, width: int = 1200, settle: float = 0.3, script: str | None = None
) -> Rendered:
    """Load ``page`` (a file, or an http URL) and wait for its load event, then ``settle``
    seconds; collect console errors, uncaught exceptions, failed requests, requests that leave
    the page's origin (external), and a full-page screenshot. ``script``, a JavaScript
    expression, then runs in the page (e.g. clicks, as a reader would) and its value, as JSON,
    is ``evaluated``; errors it causes are among ``errors``."""
    url = page if isinstance(page, str) else page.resolve().as_uri()
    with Chromium() as chrome:
        return chrome.render(url, width, settle, script)


class Chromium:
    """A headless Chromium over the DevTools pipe; its profile folder (``profile``) goes on exit."""

    def __enter__(self) -> Chromium:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        args = [
            browser_path(),
            "--headless=new",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]

        def child_fds() -> None:  # the protocol's fixed descriptors: 3 reads, 4 writes
            high_r, high_w = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            # dup() may have returned 3 or 4 itself, and dup2 onto itself keeps close-on-exec.
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._proc = subprocess.Popen(
            args,
            preexec_fn=child_fds,
            start_new_session=True,  # its helpers (zygote, crashpad) die with it: see __exit__
            close_fds=False,  # dup2 leaves 3 and 4 inheritable; the pipes' own ends are not
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        return self

    def __exit__(self, *exc: object) -> None:
        # Killing the browser alone left its helper processes writing into the profile while it
        # was removed, and an empty profile folder behind in /tmp after every page: kill the
        # whole session, then remove the folder once nothing writes to it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        for _ in range(20):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                return
            time.sleep(0.05)

    def render(self, url: str, width: int, settle: float, script: str | None = None) -> Rendered:
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._call(f"{domain}.enable", {}, session)
        self._call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self._call("Page.navigate", {"url": url}, session)
        self._wait_event("Page.loadEventFired")
        self._drain(settle)  # scripts that run after load (late console messages, fetches)
        state = self._evaluate(session, _PAGE_STATE)
        shot = self._call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session
        )
        evaluated = None
        if script is not None:
            evaluated = self._evaluate(session, script)
            self._drain(settle)
        return Rendered(
            title=state["title"],
            images=state["images"],
            images_loaded=state["loaded"],
            text=state["text"],
            errors=self._errors(),
            screenshot=base64.b64decode(shot["data"]),
            external_requests=self._external_requests(url),
            evaluated=evaluated,
        )

    def _evaluate(self, session: str, expression: str) -> Any:
        answer = self._call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )
        return answer["result"]["value"]

    def _errors(self) -> list[str]:
        errors = []
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                errors.append(" ".join(str(a.get("value")) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(params["entry"].get("text", "error"))
            elif method == "Network.loadingFailed":
                errors.append(f"request failed: {params.get('errorText')}")
        return errors

    def _external_requests(self, page_url: str) -> list[str]:
        urls = [
            e["params"]["request"]["url"]
            for e in self._events
            if e.get("method") == "Network.requestWillBeSent"
        ]
        origin = urlsplit(page_url)
        local = ("file:", "data:", "about:", f"{origin.scheme}://{origin.netloc}/")
        return [u for u in urls if not u.startswith(local)]

    def _drain(self, seconds: float) -> None:
        """Collect events for ``seconds``, answering nothing."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._from_chrome], [], [], deadline - time.monotonic())
            if not ready:
                break
            self._buffer += os.read(self._from_chrome, 1 << 16)
            while b"\0" in self._buffer:
                message, self._buffer = self._buffer.split(b"\0", 1)
                self._events.append(json.loads(message))

    def _call(self, method: str, params: dict, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _wait_event(self, method: str) -> None:
        if any(e.get("method") == method for e in self._events):
            return
        while True:
            event = self._read()
            self._events.append(event)
            if event.get("method") == method:
                return

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("Chromium stopped answering")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)


_PAGE_STATE = """(() => {
  const images = Array.from(document.images);
  const svgs = document.querySelectorAll('svg').length;
  return {
    title: document.title,
    images: images.length + svgs,
    loaded: images.filter(i => i.complete && i.naturalWidth > 0).length + svgs,
    text: document.body ? document.body.innerText : '',
  };
})()"""
