#!/usr/bin/env bash
# Mutation test of the state modules (params, resources/, index, idempotency, auth, recorder,
# routes) with mutmut, configured in pyproject.toml's [tool.mutmut]. A documented command, not
# a CI step: the full run takes about an hour on 2 cores.
#
# It mutates a snapshot of the committed tree (git archive HEAD) in build/mutation, so edits in
# the working tree cannot mix into a run, and prints killed/total per module and overall.
#   ci/mutation.sh                  # everything not yet run in build/mutation
#   ci/mutation.sh 'tofupay_fake.params.*'   # only these mutants (run again even if done)
#   FRESH=1 ci/mutation.sh          # start from a new snapshot
# MAX_CHILDREN (default 2) bounds the parallel test processes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=build/mutation

if [ "${FRESH:-0}" = 1 ] || [ ! -d "$work" ]; then
    rm -rf "$work"
    mkdir -p "$work"
    git archive HEAD | tar -x -C "$work"
fi

cd "$work"
"$root/.venv/bin/mutmut" run --max-children "${MAX_CHILDREN:-2}" "$@" || true
"$root/.venv/bin/python" - <<'EOF'
"""killed/total per mutated module, from mutmut's result files."""

import json
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

rows = {}
for meta in sorted(Path("mutants/tofupay_fake").rglob("*.py.meta")):
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    if codes:
        rows[str(meta.relative_to("mutants"))[: -len(".meta")]] = Counter(
            status_by_exit_code[code] for code in codes.values()
        )
total = Counter()
print(f"{'module':40} {'killed':>7} {'total':>6} {'score':>7}  other")
for name, counts in rows.items():
    total += counts
    killed, size = counts["killed"] + counts["timeout"], sum(counts.values())
    other = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in ("killed", "timeout"))
    print(f"{name:40} {killed:7} {size:6} {killed / size:7.1%}  {other}")
killed, size = total["killed"] + total["timeout"], sum(total.values())
print(f"{'total':40} {killed:7} {size:6} {killed / size:7.1%}")
EOF
