#!/usr/bin/env bash
# The Python and dependency matrix (see noxfile.py and CONTRIBUTING.md): the subset on Python
# 3.12 and 3.13 and with the lowest allowed dependencies, the docs site and the wheel check.
# nox and uv get a venv of their own (.venv-nox), so nothing here touches .venv.
# Prints each session's wall time and the total.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-nox/bin/nox ]; then
    python3 -m venv .venv-nox
    .venv-nox/bin/pip install --quiet "nox>=2024.10.9" uv
fi

# `latest` is left out: the main suite already runs on the newest versions of everything.
SESSIONS=(tests-3.12 tests-3.13 lowest docs wheel)
start=$SECONDS
status=0
times=()
for session in "${SESSIONS[@]}"; do
    begin=$SECONDS
    if .venv-nox/bin/nox -s "$session"; then result=ok; else result=FAILED; status=1; fi
    times+=("$session: $((SECONDS - begin)) s, $result")
done
echo "== matrix wall times"
printf '%s\n' "${times[@]}"
echo "total: $((SECONDS - start)) s"
exit $status
