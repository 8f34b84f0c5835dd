"""Peak memory of one forward+backward pass of the transformer encoder, against GIN, on CPU.

The transformer's edge bias is a dense float32 [heads, N, N] attention mask per graph, so
its memory per graph grows with N^2 (without the bias, PyTorch's fused attention stays
near-linear in memory: `--variants transformer-unbiased`); GIN's grows with the edges. Each
point runs in a fresh subprocess and reports its peak RSS (ru_maxrss) above the baseline
taken after building the model and the batch and one warm-up pass on a tiny graph (so
lazy library set-up is not counted). glibc's mmap threshold is pinned at 1 MiB in those
subprocesses: with its default, adaptive one, large freed tensors linger in the heap and
the same point measured twice differed by up to 2x. Graphs are synthetic, job-shop-like:
N nodes, 2N random edges, one 0/1 edge feature. Points predicted above --limit-mb (from
the largest point measured so far, scaled by N^2 or N) are skipped, their prediction printed.

    python scripts/bench_transformer_memory.py                    # transformer and gin, ~2 minutes
    python scripts/bench_transformer_memory.py --variants transformer-unbiased --batches 1
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys

import torch

HIDDEN, LAYERS, HEADS, NODE_FEATURES = 64, 3, 4, 7
# name -> (encoder, options, power of N its memory grows with)
VARIANTS: dict[str, tuple[str, dict[str, object], int]] = {
    "transformer": ("transformer", {"heads": HEADS}, 2),
    "transformer-unbiased": ("transformer", {"heads": HEADS, "edge_bias": False, "edge_input": False}, 1),
    "gin": ("gin", {}, 1),
}


def synthetic(nodes: int, batch: int) -> dict[str, torch.Tensor]:
    """A batch of padded observations with `nodes` real nodes and 2 * nodes edges each."""
    generator = torch.Generator().manual_seed(0)
    edges = 2 * nodes
    return {
        "node_features": torch.rand(batch, nodes, NODE_FEATURES, generator=generator),
        "edge_index": torch.randint(0, nodes, (batch, 2, edges), generator=generator),
        "edge_mask": torch.ones(batch, edges),
        "node_mask": torch.ones(batch, nodes),
        "edge_attr": torch.randint(0, 2, (batch, edges, 1), generator=generator).float(),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def measure(variant: str, nodes: int, batch: int) -> float:
    """Peak MB above the baseline of one forward+backward pass (call in a fresh process)."""
    from schedrl.networks import build_encoder
    from schedrl.networks.graph_batch import GraphBatch

    torch.manual_seed(0)
    encoder, options, _ = VARIANTS[variant]
    if encoder == "transformer":
        options = {**options, "max_nodes": nodes}
    model = build_encoder(encoder, NODE_FEATURES, 1, hidden=HIDDEN, layers=LAYERS, **options)
    model(GraphBatch.from_observation(synthetic(16, batch))).sum().backward()  # warm-up
    graphs = GraphBatch.from_observation(synthetic(nodes, batch))
    baseline = peak_rss_mb()
    model(graphs).sum().backward()
    return peak_rss_mb() - baseline


def run_point(variant: str, nodes: int, batch: int) -> float:
    command = [sys.executable, __file__, "--point", variant, str(nodes), str(batch)]
    environment = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(1 << 20)}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000, 5700])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=["transformer", "gin"])
    parser.add_argument("--limit-mb", type=float, default=6000.0, help="skip points predicted above this")
    parser.add_argument("--point", nargs=3, metavar=("VARIANT", "NODES", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.point:
        print(measure(args.point[0], int(args.point[1]), int(args.point[2])))
        return
    from schedrl.networks.encoders import attention_bytes_per_graph

    threads = torch.get_num_threads()
    print(f"hidden {HIDDEN}, {LAYERS} layers, {HEADS} heads; torch {torch.__version__}, {threads} threads")
    print(f"{'variant':<21} {'N':>5} {'batch':>5} {'peak MB':>8} {'MB/graph':>8} {'estimate MB/graph':>17}")
    for variant in args.variants:
        power = VARIANTS[variant][2]
        largest: tuple[int, float] | None = None  # (N, MB per graph) of the largest point measured
        for batch in args.batches:
            for nodes in args.nodes:
                estimate = f"{attention_bytes_per_graph(nodes, HEADS, LAYERS) / 2**20:.0f}" if power == 2 else ""
                row = f"{variant:<21} {nodes:>5} {batch:>5}"
                if largest is not None:
                    predicted = largest[1] * (nodes / largest[0]) ** power * batch
                    if predicted > args.limit_mb:
                        print(f"{row} {'skipped':>8} {'':>8} {estimate:>17}   "
                              f"predicted {predicted:,.0f} MB > --limit-mb {args.limit_mb:,.0f}")  # fmt: skip
                        continue
                peak = run_point(variant, nodes, batch)
                if largest is None or nodes >= largest[0]:
                    largest = (nodes, peak / batch)
                print(f"{row} {peak:>8.1f} {peak / batch:>8.1f} {estimate:>17}", flush=True)


if __name__ == "__main__":
    main()
