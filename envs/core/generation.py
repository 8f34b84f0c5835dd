"""Seeded instance generators, whatever the family: the set an `instances: {kind: generated}`
config names, and the env's `generator=` argument, both built from the generator's fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from schedrl.envs.core.settings import Setting, check_settings
from schedrl.errors import ConfigError


class InstanceGenerator(Protocol):
    """What `SetGenerator` and `build_generator` need of any family's generator: a dataclass
    (its fields are the config keys), a `kind` for messages, and seeded sets."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    kind: ClassVar[str]

    def sample_set(self, count: int, seed: int) -> list[Any]: ...


G = TypeVar("G", bound=InstanceGenerator)


def drawn_values(key: str, value: Any) -> list[Any]:
    """A generator field that is one value or a list drawn from per instance, as the list."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise ConfigError(f"generator.{key}: the list of values is empty")
    return values


def draw_value(rng: np.random.Generator, key: str, value: Any) -> Any:
    """One of a drawn field's values, uniformly."""
    values = drawn_values(key, value)
    return values[int(rng.integers(len(values)))]


def check_drawn(generator: Any, settings: Iterable[Setting]) -> None:
    """Every value a drawn field may take against its setting, so that a bad value late in a
    list fails when the generator is built, not when an episode draws it."""
    for setting in settings:
        for value in drawn_values(setting.key, getattr(generator, setting.key)):
            check_settings({setting.key: value}, [setting], prefix="generator")


def seeded_set(sample: Callable[[np.random.Generator, str], Any], count: int, seed: int) -> list[Any]:
    """A reproducible evaluation set: the same (generator, count, seed) gives the same list,
    named `gen_s<seed>_<index>`."""
    if count < 1:
        raise ConfigError(f"count must be >= 1, got {count}")
    rng = np.random.default_rng(seed)
    return [sample(rng, f"gen_s{seed}_{index:04d}") for index in range(count)]


@dataclass(frozen=True)
class SetGenerator:
    """A generated instance set, `(spec, count, seed)`, from the generator's fields in an
    `instances` config; lists become the [low, high] ranges or choices the generator takes.
    A class, not a closure: the catalog holding it is pickled with its env."""

    generator_type: type[InstanceGenerator]

    def __call__(self, spec: Mapping[str, Any], count: int, seed: int) -> list[Any]:
        names = [f.name for f in fields(self.generator_type)]
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ConfigError(f"{unknown[0]} is not a {self.generator_type.kind} generator field; its fields: {names}")
        values: dict[str, Any] = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in spec.items()}
        return self.generator_type(**values).sample_set(count, seed)


def build_generator(generator_type: type[G], value: G | Mapping[str, Any] | None) -> G:
    """The env's `generator=` argument (an object, its keyword dict, or None for the defaults),
    with an unknown key named."""
    if value is None:
        return generator_type()
    if isinstance(value, Mapping):
        names = sorted(f.name for f in fields(generator_type))
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ConfigError(f"generator.{unknown[0]} is not a generator field; its fields: {names}")
        return generator_type(**value)
    return value
