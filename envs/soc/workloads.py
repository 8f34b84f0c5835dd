"""Named SoC workloads: a platform file and the job files that arrive on it, with their
probabilities. `package` workloads ship in the wheel (envs/soc/data/, MIT or our own);
`ds3` ones read the GPL-3.0 DS3 files from `ds3_folder()`, outside the wheel."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from schedrl.envs.soc.instance import Application, Platform
from schedrl.envs.soc.parser import read_application, read_platform
from schedrl.errors import ConfigError, InstanceFormatError, UnknownNameError

DS3_ENV_VAR = "SCHEDRL_DS3_DATA"
_INITIAL = "ds3_2020-01_initial"
_CURRENT_SOC = "ds3_current/config_SoC/SoC.MULTIPLE_BAL.txt"


def _current_jobs(*names: str) -> tuple[str, ...]:
    return tuple(f"ds3_current/config_Jobs/job_{name}.txt" for name in names)


@dataclass(frozen=True)
class Workload:
    """`soc` and `jobs` are paths relative to the package data folder (`source` "package")
    or to `ds3_folder()` (`source` "ds3"); job j arrives with `probabilities[j]`."""

    name: str
    description: str
    soc: str
    jobs: tuple[str, ...]
    probabilities: tuple[float, ...]
    source: str


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "canonical",
            "the 10-task DAG of the HEFT paper (Topcuoglu et al. 2002) on its 3 CPUs; HEFT 80, CPOP 86",
            "canonical/soc_canonical.txt",
            ("canonical/job_canonical.txt",),
            (1.0,),
            "package",
        ),
        Workload(
            "socrates",
            "SoCRATES' 10-task DAG (job_Top) on its 3-CPU DASH.SoC.Top",
            "socrates/DASH.SoC.Top.txt",
            ("socrates/job_Top.txt",),
            (1.0,),
            "package",
        ),
        Workload(
            "wifi",
            "WiFi transmitter (27 tasks) and receiver (34) at 0.5 each on DS3's initial 16-PE SoC",
            f"{_INITIAL}/DASH.SoC.MULTIPLE_BAL.txt",
            (f"{_INITIAL}/job_WIFI_5TXM.txt", f"{_INITIAL}/job_WIFI_5RXM.txt"),
            (0.5, 0.5),
            "ds3",
        ),
        Workload(
            "pulse_doppler",
            "the 451-task pulse-Doppler radar DAG on DS3's initial 16-PE SoC",
            f"{_INITIAL}/DASH.SoC.MULTIPLE_BAL.txt",
            (f"{_INITIAL}/job_PULSE_64.txt",),
            (1.0,),
            "ds3",
        ),
        Workload(
            "ds3_mix",
            "DS3's default mix (config_Files/config_file.ini): WiFi TX/RX, range detection, "
            "single-carrier TX/RX and temporal mitigation on its current 16-PE SoC",
            _CURRENT_SOC,
            _current_jobs("WIFI_5TXM", "WIFI_5RXM", "LAG", "SCT", "SCR", "TEMP_MIT"),
            (0.2, 0.2, 0.2, 0.1, 0.1, 0.2),
            "ds3",
        ),
        Workload(
            "range_detection",
            "the 7-task range (lag) detection DAG on DS3's current 16-PE SoC",
            _CURRENT_SOC,
            _current_jobs("LAG"),
            (1.0,),
            "ds3",
        ),
        Workload(
            "single_carrier",
            "single-carrier transmitter and receiver (8 tasks each) at 0.5 each on DS3's current 16-PE SoC",
            _CURRENT_SOC,
            _current_jobs("SCT", "SCR"),
            (0.5, 0.5),
            "ds3",
        ),
        Workload(
            "temporal_mitigation",
            "the 10-task temporal mitigation DAG on DS3's current 16-PE SoC",
            _CURRENT_SOC,
            _current_jobs("TEMP_MIT"),
            (1.0,),
            "ds3",
        ),
    )
}


def package_folder() -> Path:
    """The SoC files shipped in the wheel."""
    return Path(str(resources.files("schedrl.envs.soc") / "data"))


def ds3_folder() -> Path:
    """The DS3 files: $SCHEDRL_DS3_DATA, else `data/ds3/` at the repository root."""
    configured = os.environ.get(DS3_ENV_VAR)
    folder = Path(configured) if configured else Path(__file__).resolve().parents[2] / "data" / "ds3"
    if not folder.is_dir():
        where = f"{DS3_ENV_VAR}={configured}" if configured else str(folder)
        raise ConfigError(
            f"no DS3 data folder at {where}. The DS3 files are GPL-3.0 and not in the schedrl wheel: "
            f"clone the schedrl repository (they are in data/ds3/) or set {DS3_ENV_VAR} to a folder "
            f"holding {_INITIAL}/ and ds3_current/"
        )
    return folder


@functools.cache
def load_workload(name: str) -> tuple[Platform, tuple[Application, ...], tuple[float, ...]]:
    """The platform, applications and probabilities of a named workload (read once)."""
    if name not in WORKLOADS:
        raise UnknownNameError("SoC workload", name, WORKLOADS)
    workload = WORKLOADS[name]
    folder = package_folder() if workload.source == "package" else ds3_folder()
    platform = read_platform(folder / workload.soc)
    applications = tuple(read_application(folder / job) for job in workload.jobs)
    for path, app in zip(workload.jobs, applications, strict=True):
        missing = sorted(set(app.task_types) - set(platform.exec_table))
        if missing:
            raise InstanceFormatError(
                f"workload {name!r}: {workload.soc} lists no execution time for task types {missing}", source=path
            )
    return platform, applications, workload.probabilities
