#!/usr/bin/env bash
# One short GPU session for the job shop, as one command whose results all land in $OUT
# (the device machine returns at most 8 files from there).
#
#   bash scripts/gpu_slot.sh PART [MINUTES]
#     bench    PPO steps/s, random 10x10 and 20x20 shops, dummy and batched vec envs with n_envs
#              16 to 1024, subproc with 16 and 64              -> $OUT/training_throughput.txt
#     latency  greedy, best of 64 and of 512 samples, the first instance of every Taillard
#              group, jssp_10x10 (or $CHECKPOINT)               -> $OUT/latency.txt
#     speed    experiment=jssp_10x10 on the batched engine (256 envs) for MINUTES: when its
#              validation gap first reaches the shipped jssp_10x10's -2.42 %   -> $OUT/speed_10x10.txt
#     train    jssp_multi (experiment=jobshop/multi) for MINUTES, started in runs/jssp_multi or
#              resumed from there when that folder was carried  -> $OUT/jssp_multi.tar
#
# On the device tool, after `bash scripts/gpu_wheels.sh` here:
#   run(command="bash scripts/gpu_slot.sh train 8", carry=[".whl", "runs/jssp_multi"])
# then here: mkdir -p runs && tar -xf <files_at>/jssp_multi.tar -C runs, and the next slot
# carries runs/jssp_multi again (train.py resume= goes on from its last checkpoint).
# CPU smoke test of every part (tiny sizes): OUT=/tmp/slot DEVICE=cpu SMOKE=1 bash scripts/gpu_slot.sh all 1
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder the results go to}"
PART=${1:?bench, latency, speed, train or all}
MINUTES=${2:-8}
DEVICE=${DEVICE:-cuda}
PY=${PYTHON:-python3}
SMOKE=${SMOKE:-}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"

# The image has PyTorch and torch-geometric; the rest comes as carried wheels, then schedrl.
if ! "$PY" -c "import gymnasium, sb3_contrib, hydra, ortools" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
if ! "$PY" -c "import schedrl.envs" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --target /tmp/schedrl .
    export PYTHONPATH=/tmp/schedrl${PYTHONPATH:+:$PYTHONPATH}
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee "$OUT/machine.txt"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >>"$OUT/machine.txt" 2>/dev/null || true

bench() {
    # Subprocess envs stop at 64: a process per env past the machine's 16 cores measures the scheduler.
    local sizes=(10x10 20x20) envs=(16 64 256 1024) processes=(16 64)
    [ -n "$SMOKE" ] && sizes=(6x6) envs=(2 4) processes=(2)
    # 32 decisions per env per rollout: the rollout (and the update) grows with n_envs, as in training.
    "$PY" scripts/bench_training.py --device "$DEVICE" --sizes "${sizes[@]}" --n-envs "${envs[@]}" --n-steps 32 \
        --modes dummy batched 2>&1 | tee "$OUT/training_throughput.txt"
    "$PY" scripts/bench_training.py --device "$DEVICE" --sizes "${sizes[@]}" --n-envs "${processes[@]}" --n-steps 32 \
        --modes subproc 2>&1 | tee -a "$OUT/training_throughput.txt"
}

latency() {
    local groups=(taillard_15x15 taillard_20x15 taillard_20x20 taillard_30x15 taillard_30x20 taillard_50x15
                  taillard_50x20 taillard_100x20) samples=(64 512)
    [ -n "$SMOKE" ] && groups=(taillard_15x15) samples=(2)
    "$PY" scripts/bench_inference.py --device "$DEVICE" --checkpoint "${CHECKPOINT:-jssp_10x10}" \
        --samples "${samples[@]}" --groups "${groups[@]}" 2>&1 | tee "$OUT/latency.txt"
}

speed() {
    local run=runs/speed_10x10
    local small=()
    [ -n "$SMOKE" ] && small=(env.num_jobs=6 env.num_machines=6 env.validation.count=4 agent.n_envs=8 agent.n_steps=16
                               agent.batch_size=64 eval_every=128 total_timesteps=512)
    rm -rf "$run"
    "$PY" train.py experiment=jssp_10x10 device="$DEVICE" agent.vec_env=batched agent.n_envs=256 agent.n_steps=32 \
        agent.batch_size=2048 eval_every=50000 total_timesteps=50000000 time_limit_minutes="$MINUTES" \
        logger=tensorboard progress_bar=false hydra.run.dir="$run" "${small[@]}" 2>&1 | tail -n 20
    "$PY" scripts/learning_curves.py "$run" --every 100000 --gap-target -2.42 | tee "$OUT/speed_10x10.txt"
}

train() {
    local run=runs/jssp_multi
    local small=()
    [ -n "$SMOKE" ] && small=(env.num_jobs=[6,8] env.num_machines=[4,6] env.validation.count=4 agent.n_envs=2
                               agent.n_steps=32 agent.batch_size=64 eval_every=128 total_timesteps=256)
    if [ -f "$run/checkpoints/last/ppo.zip" ]; then
        "$PY" train.py resume="$run" device="$DEVICE" time_limit_minutes="$MINUTES" progress_bar=false
    else
        "$PY" train.py experiment=jobshop/multi device="$DEVICE" time_limit_minutes="$MINUTES" \
            progress_bar=false logger=tensorboard hydra.run.dir="$run" "${small[@]}"
    fi 2>&1 | tail -n 40 | tee "$OUT/train_tail.txt"
    tar -cf "$OUT/jssp_multi.tar" -C runs jssp_multi
}

case "$PART" in
    bench) bench ;;
    latency) latency ;;
    speed) speed ;;
    train) train ;;
    all) bench; latency; speed; train ;;
    *) echo "unknown part $PART: bench, latency, speed, train or all" >&2; exit 2 ;;
esac
