"""Schemathesis against a live ``creator-audit serve`` (uvicorn over TCP): for every route of the
server's own ``/openapi.json``, generated valid and invalid requests, each answer checked for no
5xx, a documented status code and content type, and a body that matches its documented schema.

    .venv/bin/python benchmarks/schemathesis_live.py --model BUNDLE [--accounts-model BUNDLE]
        [--examples 25] [--no-keys]

Prints the cases and failures per route. ``tests/serving/test_schema_live.py`` runs it with keys
and an account model, and without either, and asserts no failures (the only 5xx allowed is a
documented 503). With keys (the default), most requests carry the API key (and the admin key on
admin routes) so they reach the routes' own checks; every fourth carries the generated header,
whose random key is refused (401, which must be documented too). With ``--no-keys`` neither key
is set: the document then lists no key and no 401, and the admin route answers 403.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

API_KEY, ADMIN_KEY = "live-fuzz-key", "live-fuzz-admin"


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' ``not_a_server_error``, except for a 503 the route documents: "no model to
    answer with" is an answer (the accounts route without an account model gives nothing else)."""
    if response.status_code == 503 and "503" in case.operation.responses.status_codes:
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Small limits, so generated lists and bodies can pass them.
KEYS_ENV = {"CREATOR_AUDIT_API_KEYS": API_KEY, "CREATOR_AUDIT_ADMIN_KEY": ADMIN_KEY}
SERVER_ENV = {
    "CREATOR_AUDIT_POLL_SECONDS": "0",
    "CREATOR_AUDIT_MAX_POSTS": "20",
    "CREATOR_AUDIT_MAX_ENGAGEMENTS": "50",
    "CREATOR_AUDIT_MAX_FOLLOWER_COUNTS": "20",
    "CREATOR_AUDIT_MAX_FOLLOWER_SAMPLES": "20",
    "CREATOR_AUDIT_MAX_BATCH_ITEMS": "5",
    "CREATOR_AUDIT_MAX_ACCOUNTS": "20",
    "CREATOR_AUDIT_MAX_BODY_BYTES": "20000",
}


@dataclass
class Figures:
    """What one route got: cases sent, failed checks, answers by status, the first failure."""

    cases: int = 0
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_failure: str | None = None


def fuzz(base_url: str, examples: int) -> dict[str, Figures]:
    """Every operation of the live server's schema, ``examples`` valid and ``examples`` invalid
    cases each; figures by ``"METHOD /path"``."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", wait_for_schema=30)
    figures: dict[str, Figures] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        route = figures.setdefault(f"{operation.method.upper()} {operation.path}", Figures())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, base_url, examples, route)
    return figures


def _fuzz_operation(
    operation: object, mode: GenerationMode, base_url: str, examples: int, route: Figures
) -> None:
    key = ADMIN_KEY if operation.path.startswith("/v1/admin") else API_KEY  # type: ignore[attr-defined]

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # count failures; do not shrink them
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))  # type: ignore[attr-defined]
    def one(case: object) -> None:
        route.cases += 1
        headers = {"X-API-Key": key} if route.cases % 4 else None
        response = case.call(base_url=base_url, headers=headers, timeout=60)  # type: ignore[attr-defined]
        route.statuses[response.status_code] = route.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)  # type: ignore[attr-defined]
        except (Failure, FailureGroup) as err:  # a failed check: counted, and the run goes on
            route.failures += 1
            route.first_failure = route.first_failure or f"{type(err).__name__}: {err}"[:2000]

    try:
        one()
    except Unsatisfiable:  # invalid requests of a route without parameters or body: none exist
        assert mode is GenerationMode.NEGATIVE


@contextlib.contextmanager
def live_server(
    model: str, accounts_model: str | None, workdir: Path, keys: bool = True
) -> Iterator[str]:
    """A ``creator-audit serve`` on a free port (with ``KEYS_ENV`` if ``keys``), ready (its models
    loaded); yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_AUDIT_")}
    env.update(SERVER_ENV | (KEYS_ENV if keys else {}))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if accounts_model:
        env["CREATOR_AUDIT_ACCOUNTS_MODEL_URI"] = accounts_model
    command = ["creator-audit", "serve", "--port", str(port), "--model", model]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready within 120 s")


def report(title: str, figures: dict[str, Figures]) -> str:
    lines = [title, f"{'route':28} {'cases':>6} {'failures':>8}  statuses"]
    for route, f in figures.items():
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(f.statuses.items()))
        lines.append(f"{route:28} {f.cases:6d} {f.failures:8d}  {statuses}")
    total = sum(f.cases for f in figures.values()), sum(f.failures for f in figures.values())
    lines.append(f"{'all routes':28} {total[0]:6d} {total[1]:8d}")
    lines += [f"  {r}: {f.first_failure}" for r, f in figures.items() if f.first_failure]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="creator model bundle or URI")
    parser.add_argument("--accounts-model", help="CREATOR_AUDIT_ACCOUNTS_MODEL_URI")
    parser.add_argument("--examples", type=int, default=25, help="per route and mode")
    parser.add_argument("--no-keys", action="store_true", help="serve without API or admin key")
    args = parser.parse_args()
    started = time.monotonic()
    with live_server(args.model, args.accounts_model, Path.cwd(), not args.no_keys) as url:
        figures = fuzz(url, args.examples)
    title = f"account model: {args.accounts_model or 'the creator model’s own'}"
    title += ", keys off" if args.no_keys else ", keys on"
    print(report(title, figures))
    print(f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
