#!/usr/bin/env bash
# Build the wheel of the committed tree, install it into a fresh virtual environment (the
# tested versions from constraints.txt) and schedule bundled instances with the `schedrl`
# command, from a folder outside the repository: what a user gets from `pip install schedrl`.
# Usage: bash scripts/check_wheel.sh [work folder]   (default: a new temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="${1:-$(mktemp -d)}"
python="${PYTHON:-python3}"
links=()
if [ -d /opt/wheels ]; then links=(--find-links /opt/wheels); fi  # local CPU torch wheel
pip=(--quiet --disable-pip-version-check)

rm -rf "$work/src" "$work/dist" "$work/venv"
mkdir -p "$work/src"
git -C "$root" archive --format=tar HEAD | tar -x -C "$work/src"  # the committed tree: no stale build/ files
"$python" -m venv "$work/venv"  # its pip (ensurepip) builds the wheel too: the system Python may have none
"$work/venv/bin/python" -m pip wheel "${pip[@]}" --no-deps -w "$work/dist" "$work/src"
wheel="$(ls "$work"/dist/schedrl-*.whl)"
"$work/venv/bin/python" -m pip install "${pip[@]}" "${links[@]}" -c "$root/constraints.txt" torch==2.13.0
"$work/venv/bin/python" -m pip install "${pip[@]}" "${links[@]}" -c "$root/constraints.txt" "$wheel"

cd "$work"  # nothing of the repository on the path
schedrl="$work/venv/bin/schedrl"
"$schedrl" --version
"$schedrl" zoo
"$schedrl" solve jssp_10x10 ta01 --out "$work/ta01.json" --picture "$work/ta01.png"
"$schedrl" solve vm_medium medium_279pm --out "$work/medium_279pm.json"
"$work/venv/bin/python" - "$work/ta01.json" "$work/medium_279pm.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    record = json.load(open(path))
    objective = record["objective"]
    print(f"{path}: {record['policy']} on {record['instance']}: {objective['name']} {objective['value']}")
PY
echo "the wheel $(basename "$wheel") installs and solves from a fresh environment"
