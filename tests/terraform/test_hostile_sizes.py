"""Big hostile inputs to the Terraform path end in bounded time: an overlay of 100,000 items, a plan of 20,000 resources of one name.

Each used to cost time quadratic in its size: the overlay looked through every cloud and every
object read once per item, and located each item of a long list by counting the siblings before
it (rapidyaml's `child_pos` and `num_children`): 50,000 items took minutes, a million hours.
Run in a process bounded in memory and time (the time is the guard, never asserted).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from .plans import R, plan, write
from .test_read import estate


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _crossfence(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossfence", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


def test_an_overlay_of_100000_broken_clouds_ends_with_located_problems(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", plan(estate()))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("clouds: [" + ",".join(["{}"] * 100_000) + "]\n", encoding="utf-8")
    done = _crossfence("validate", "-q", path, "--overlay", overlay)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "overlay.yaml:1:" in done.stderr
    assert "more problems not listed" in done.stderr


def test_100000_resources_of_one_name_are_named_in_bounded_time(tmp_path: Path) -> None:
    """Names are made unique with a suffix (`n`, `n-2`, `n-3`...), each in one step, not a
    search from `-2` up (20,000 took 35 s, 100,000 about fifteen minutes). The networks have no
    region: the run ends on that, located, once every name is made."""
    resources = [
        R(f'google_compute_network.n["{i}"]', {"name": "n", "auto_create_subnetworks": False})
        for i in range(100_000)
    ]
    path = write(tmp_path / "plan.json", plan(resources))
    done = _crossfence("validate", path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert 'google_compute_network.n["0"].region: missing required field' in done.stderr
