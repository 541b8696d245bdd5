"""Pod workloads without addresses get a /24 of their cluster's pod range each, by workload name: reordering the file changes no address.

A harmless reorder of `workloads.yaml` used to give 10.12.0.10 to another workload (and every
trace, finding and matrix row with it).
"""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import load
from crossfence.providers.clusters import pod_addresses

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"


def _addresses(folder: Path) -> dict[str, list[str]]:
    found = pod_addresses(load(folder))
    return {name: [str(ipaddress.IPv4Address(a)) for a in found[name]] for name in sorted(found)}


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "estate"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("variants"))
    return folder


def _rewrite_workloads(folder: Path, change: object) -> None:
    yaml = YAML()
    path = folder / "workloads.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    change(data["workloads"])  # type: ignore[operator]
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)


def test_the_example_keeps_its_documented_addresses() -> None:
    """README's traces show frontend at 10.12.0.10 (gke-prod's pods 10.12.0.0/16)."""
    assert _addresses(EXAMPLE) == {
        "customer-api": ["100.64.0.10", "100.64.0.11"],
        "frontend": ["10.12.0.10", "10.12.0.11"],
        "gitlab-runner": ["10.12.1.10"],
    }


def test_reordering_the_workloads_changes_no_address(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _rewrite_workloads(folder, lambda items: items.reverse())
    assert _addresses(folder) == _addresses(EXAMPLE)


def test_an_own_address_keeps_its_block(tmp_path: Path) -> None:
    """A workload with its own addresses keeps them, and no other workload gets its /24 (the
    first free block went to gitlab-runner, which then had frontend's very address)."""
    folder = _copy(tmp_path)

    def give_frontend_its_own(items: list[dict[str, object]]) -> None:
        for item in items:
            if item["name"] == "frontend":
                item["addresses"] = ["10.12.0.10", "10.12.0.11"]

    _rewrite_workloads(folder, give_frontend_its_own)
    found = _addresses(folder)
    assert found["frontend"] == ["10.12.0.10", "10.12.0.11"]
    assert found["gitlab-runner"] == ["10.12.1.10"]


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_new_workloads_take_blocks_by_name(tmp_path: Path, order: str) -> None:
    folder = _copy(tmp_path)

    def add(items: list[dict[str, object]]) -> None:
        for name in ("zz-batch", "aa-cache"):
            items.append({"name": name, "kind": "pods", "cluster": "gke-prod", "namespace": "web"})
        if order == "reverse":
            items.reverse()

    _rewrite_workloads(folder, add)
    found = _addresses(folder)
    assert found["aa-cache"] == ["10.12.0.10"]
    assert found["frontend"] == ["10.12.1.10", "10.12.1.11"]
    assert found["gitlab-runner"] == ["10.12.2.10"]
    assert found["zz-batch"] == ["10.12.3.10"]
