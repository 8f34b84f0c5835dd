"""An episode's figures and solution record, as the env reports them at the end (the
validator recomputes every one of them on its own)."""

from __future__ import annotations

from typing import Any

import numpy as np

from schedrl.envs.edge.simulation import OffloadSimulation


def episode_metrics(sim: OffloadSimulation) -> dict[str, Any]:
    instance = sim.instance
    delays, energies = np.asarray(sim.delays), np.asarray(sim.energies)
    costs = instance.objective_terms(delays, energies)
    return {
        "assignments": [[int(v) for v in decision] for decision in sim.decisions],
        "upload_times": list(sim.upload_times),
        "completions": sim.completions(),
        "delays": list(sim.delays),
        "energies": list(sim.energies),
        "weighted_cost": float(costs.mean()) if costs.size else 0.0,
        "avg_delay": float(delays.mean()) if delays.size else 0.0,
        "avg_energy": float(energies.mean()) if energies.size else 0.0,
        "preference": float(instance.preference),
        "num_edges": instance.num_edges,
        "decided": len(sim.decisions),
        "costs": costs.tolist(),  # each decision's objective term (not part of the record)
    }
