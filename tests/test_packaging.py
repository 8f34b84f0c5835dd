"""The wheel installs only `schedrl` (and Hydra's plugin namespace): `envs`, `agents` and
`networks` are names other packages on the public index own."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_only_schedrl_and_works_outside_the_repo(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    built = subprocess.run([*command, str(ROOT)], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("schedrl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "schedrl",
        "hydra_plugins",
        wheel.name.split("-py3")[0] + ".dist-info",
    }
    assert "schedrl/agents/zoo/jssp_10x10/policy.safetensors" in names
    assert "schedrl/agents/zoo/blocking_10x10/policy.safetensors" in names
    assert "schedrl/agents/zoo/vm_medium/policy.safetensors" in names
    assert "schedrl/agents/zoo/soc_canonical/policy.safetensors" in names
    assert "schedrl/agents/zoo/soc_wifi/policy.safetensors" in names
    assert "schedrl/envs/vm/data/instances/medium_279pm.json.gz" in names
    assert "schedrl/envs/jobshop/data/bounds.json" in names
    assert "schedrl/envs/soc/data/canonical/job_canonical.txt" in names
    assert "schedrl/envs/soc/data/socrates/LICENSE-MIT.txt" in names
    assert not [name for name in names if "WIFI" in name or "ds3" in name.lower()]  # DS3's GPL files stay out
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    script = (
        f"import sys; sys.path.insert(0, {str(unpacked)!r})\n"
        "import gymnasium, schedrl\n"
        f"assert schedrl.envs.__file__.startswith({str(unpacked)!r}), schedrl.envs.__file__\n"
        "gymnasium.make('schedrl/JobShop-v0')\n"
        "from schedrl import agents\n"
        "from schedrl.envs.jobshop import load_benchmark\n"
        "gymnasium.make('schedrl/SoC-v0', instance='canonical')\n"
        "from schedrl.errors import ConfigError\n"
        "try:\n    gymnasium.make('schedrl/SoC-v0', generator={'workload': 'wifi'})\n"
        "except ConfigError as error:\n    assert 'SCHEDRL_DS3_DATA' in str(error), error\n"
        "else:\n    raise AssertionError('the DS3 workloads need the DS3 files, which the wheel lacks')\n"
        "print(agents.load('jssp_10x10').solve(load_benchmark('ft06')).objective)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert float(ran.stdout.strip()) > 0
