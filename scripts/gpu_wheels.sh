#!/usr/bin/env bash
# Wheels a GPU machine without network needs beside its own image (which has PyTorch,
# torch-geometric, numpy, matplotlib, tensorboard, rich, ...), at the versions pinned in
# constraints.txt, for its Python 3.12 on x86-64. They land in .whl/ (ignored by git), which
# scripts/gpu_slot.sh installs from; carry `.whl` with the working tree (about 35 MB).
#   bash scripts/gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
NEEDED="gymnasium Farama-Notifications stable_baselines3 sb3_contrib hydra-core omegaconf ortools immutabledict
protobuf moocore cffi pycparser"
pins=()
for name in $NEEDED; do
    pin=$(grep -i "^${name}==" constraints.txt) || { echo "constraints.txt pins no $name" >&2; exit 1; }
    pins+=("$pin")
done
rm -rf .whl && mkdir .whl
platforms=()
for n in 17 27 28 34; do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" --platform manylinux2014_x86_64 -d .whl "${pins[@]}"
# antlr4's runtime (Hydra's grammar) is published as source only: build its pure-Python wheel here.
"$PY" -m pip wheel -q --no-deps -w .whl "$(grep -i '^antlr4-python3-runtime==' constraints.txt)"
du -sh .whl
