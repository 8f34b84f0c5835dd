"""`python -m schedrl.agents.zoo_catalog`: every shipped policy, read from its sealed metadata."""

from __future__ import annotations

import subprocess
import sys

from schedrl.agents import zoo_names
from schedrl.agents.zoo_catalog import COLUMNS, zoo_rows


def test_every_shipped_policy_is_listed_with_its_env_and_gap() -> None:
    rows = zoo_rows()
    assert [row["name"] for row in rows] == zoo_names() and "uam_8v40a" in zoo_names()
    by_name = {row["name"]: row for row in rows}
    assert by_name["uam_8v40a"]["env"] == "UAMFleet-v0"
    assert by_name["uam_8v40a"]["validation gap"] == "-1.91 %"
    assert by_name["jssp_10x10"]["steps"] == "350,000"
    assert by_name["jssp_10x10"]["training"] == "7.5 min, 1 H100 GPU, 16 CPU cores"
    assert by_name["uam_8v40a"]["training"] == "18 min, 2 CPU cores"
    assert all(row["held-out result"] != "-" for row in rows)  # every policy ships with its result
    printed = subprocess.run(
        [sys.executable, "-m", "schedrl.agents.zoo_catalog"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "| " + " | ".join(COLUMNS) + " |" in printed
    assert all(f"| {name} |" in printed for name in zoo_names())
    for name in zoo_names():  # how each was trained and evaluated
        block = printed.split(f"\n{name}:\n", 1)[1]
        assert block.splitlines()[0].startswith("  train:      python train.py")
        assert block.splitlines()[1].startswith("  evaluate:   python evaluate.py")
