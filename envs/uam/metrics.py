"""An episode's figures and solution record, as the env reports them at the end (the
validator recomputes every one of them from the record and the instance alone)."""

from __future__ import annotations

from typing import Any

from schedrl.envs.uam.simulation import FleetSimulation


def episode_metrics(sim: FleetSimulation) -> dict[str, Any]:
    return {
        "flights": [list(map(int, flight)) for flight in sim.flights],
        "boardings": [list(map(int, boarding)) for boarding in sim.boardings],
        "charges": [list(map(int, charge)) for charge in sim.charges],
        "profit": round(sim.profit, 6),
        "revenue": round(sim.revenue, 6),
        "operating_cost": round(sim.operating_cost, 6),
        "electricity_cost": round(sim.electricity_cost, 6),
        "served": sim.served,
        "spilled": sim.spilled,
        "empty_flights": sum(1 for flight in sim.flights if flight[5] == 0),
        "energy_kwh": sum(charge[3] for charge in sim.charges),
        "flights_flown": len(sim.flights),
    }
