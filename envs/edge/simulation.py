"""The offloading system between decisions: the FIFO of tasks, one decision per step, and
the servers (cloud, edges and, with local execution, each user's device) under processor
sharing. What a decision would cost on every server is worked out once per decision: the
features, the rules and the reward all read it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from schedrl.envs.edge.instance import EdgeInstance
from schedrl.envs.edge.servers import ProcessorSharingServer


@dataclass(frozen=True)
class Options:
    """The current task on each candidate server (index as in records: 0 cloud, 1..E edges,
    E+1 local); entries of an unavailable server (local when disabled) are inf."""

    upload_time: np.ndarray  # s
    energy: np.ndarray  # J
    delay: np.ndarray  # s: the marginal growth of the server's total completion time
    rate: np.ndarray  # bits/s (inf for local)
    projections: dict[int, dict[int, float]]  # server -> its tasks' completions with this one joined

    def cost(self, instance: EdgeInstance) -> np.ndarray:
        """Each choice's term of the objective (inf where the server is not available)."""
        available = np.isfinite(self.energy)
        delay, energy = np.where(available, self.delay, 0.0), np.where(available, self.energy, 0.0)
        return np.where(available, instance.objective_terms(delay, energy), np.inf)


def transfer_costs(instance: EdgeInstance, step: int, user: int, size: float) -> tuple[np.ndarray, ...]:
    """What a task of `size` bits from `user` at `step` costs on each server, whatever the load:
    (rate bits/s, upload time s, energy J), indexed as in records (inf where local execution
    is disabled; local execution has no upload, so an inf rate)."""
    rate = np.append(instance.upload_rates(step, user), np.inf)
    upload = np.where(np.isinf(rate), 0.0, size / rate)
    freqs = np.append(instance.realisation.server_freqs, instance.local_freq)
    energy = instance.transmit_power_w * upload + instance.kappa * instance.cycles_per_bit * size * freqs**2
    if not instance.local_enabled:
        energy[-1] = upload[-1] = np.inf
    return rate, upload, energy


class OffloadSimulation:
    def __init__(self, instance: EdgeInstance):
        self.instance = instance
        draws = instance.realisation
        self.draws = draws
        speeds = draws.server_freqs / instance.cycles_per_bit
        self.servers = [ProcessorSharingServer(float(speed)) for speed in speeds]
        local_speed = instance.local_freq / instance.cycles_per_bit
        self.devices = [ProcessorSharingServer(local_speed) for _ in range(instance.num_users)] if local_speed else []
        self.step = -1  # of the current decision
        self.decisions: list[tuple[int, int, int]] = []  # (task, step, server)
        self.upload_times: list[float] = []
        self.delays: list[float] = []
        self.energies: list[float] = []
        self.done = False
        self._next_decision()

    @property
    def task(self) -> int:
        """The task at the head of the FIFO: the one being decided."""
        return len(self.decisions)

    @property
    def now(self) -> float:
        return self.step * self.instance.step_seconds

    @property
    def user(self) -> int:
        return int(self.draws.users[self.task])

    @property
    def size(self) -> float:
        return float(self.draws.sizes[self.task])

    @property
    def queue_length(self) -> int:
        """Tasks arrived by now and not decided, the current one included."""
        arrived = int(np.searchsorted(self.draws.arrival_steps, self.step, side="right"))
        return arrived - self.task

    def server(self, index: int) -> ProcessorSharingServer:
        """A record's server index as a server: local means the current user's device."""
        return self.devices[self.user] if index == self.instance.local_server else self.servers[index]

    def candidates(self) -> range:
        return range(self.instance.num_servers + (1 if self.devices else 0))

    @functools.cached_property
    def options(self) -> Options:
        instance, size, now = self.instance, self.size, self.now
        rate, upload, energy = transfer_costs(instance, self.step, self.user, size)
        delay = np.full(rate.size, np.inf)
        projections = {}
        for index in self.candidates():
            server = self.server(index)
            projections[index] = server.project(now + upload[index], self.task, size)
            delay[index] = server.marginal_delay(projections[index])
        return Options(upload_time=upload, energy=energy, delay=delay, rate=rate, projections=projections)

    def forget_options(self) -> None:
        """Drop the cached options: a new decision (or a benchmark timing their cost) works them out again."""
        self.__dict__.pop("options", None)

    def assign(self, server: int) -> float:
        """Send the current task to `server`; returns its term of the objective."""
        options = self.options
        join = self.now + float(options.upload_time[server])
        self.server(server).add(join, self.task, self.size, options.projections[server])
        self.decisions.append((self.task, self.step, server))
        self.upload_times.append(float(options.upload_time[server]))
        self.delays.append(float(options.delay[server]))
        self.energies.append(float(options.energy[server]))
        cost = float(options.cost(self.instance)[server])
        self._next_decision()
        return cost

    def _next_decision(self) -> None:
        """Skip to the next step with a task waiting, and bring the servers' clocks there."""
        self.forget_options()
        arrivals = self.draws.arrival_steps
        if self.task >= arrivals.size:
            self.done = True
            return
        step = max(int(arrivals[self.task]), self.step + 1)
        if step >= self.instance.horizon:
            self.done = True
            return
        self.step = step
        for server in self.servers:
            server.advance(self.now)
        for device in self.devices:
            device.advance(self.now)

    def completions(self) -> list[float]:
        """Every decided task's completion time (the servers run on with no new task)."""
        finish: dict[int, float] = {}
        for server in [*self.servers, *self.devices]:
            finish |= server.completions | server.projected
        return [finish[task] for task, _, _ in self.decisions]
