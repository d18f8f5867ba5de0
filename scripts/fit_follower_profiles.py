"""Refit the simulator's follower-profile tables from the real labelled accounts.

    .venv/bin/python scripts/fit_follower_profiles.py [--data DIR] [--out FILE]

Reads every labelled Instagram source under DIR (default: $CREATOR_AUDIT_SHARED_DATA, else
../shared/data, where it exists, else the cache of ``creator-audit data fetch``)
with ``creator_audit.dataset.real_accounts.load_instagram_accounts``, fits
``creator_audit.simulator.real_profiles.fit_profile_tables`` and replaces FILE (default: the
committed ``creator_audit/simulator/follower_profiles.json``) atomically.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from creator_audit.atomic import atomic_path
from creator_audit.dataset.real_accounts import load_instagram_accounts
from creator_audit.dataset.real_data import real_data_dir
from creator_audit.simulator.real_profiles import CLASSES, TABLES_FILE, fit_profile_tables


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="real data folder")
    parser.add_argument("--out", type=Path, default=TABLES_FILE, help="tables JSON to write")
    args = parser.parse_args(argv)
    data = real_data_dir(args.data)
    tables = fit_profile_tables(load_instagram_accounts(data))
    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(tables, indent=1) + "\n")
        tmp.chmod(0o644)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) from {data}")
    for name in CLASSES:
        cls = tables["classes"][name]
        mid = tables["quantile_probs"].index(0.5)
        medians = {v: cls["marginals"][v]["values"][mid] for v in ("followers", "following")}
        print(f"  {name}: {cls['rows']:,} rows, medians {medians}")
    return args.out


if __name__ == "__main__":
    main()
