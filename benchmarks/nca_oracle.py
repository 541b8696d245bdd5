"""network-config-analyzer (NCA) as a differential oracle: run it, read its pod-to-pod connectivity.

`run_nca(nca, folder)` runs `nca --connectivity DIR --resource_list DIR --output_format
txt_no_fw_rules` and returns `{(from, to): ServiceSet}` for pod pairs (NCA prints one line per
pair and connection item, `ns/pod[Pod] => ns/pod[Pod] : {protocols:TCP,dst_ports:80,8000-8100}`
or `All connections`). Address ranges are left out: NCA prints them as `a.b.c.d-e.f.g.h` ranges
cut differently from crossfence's CIDR endpoints. Used by the oracle tests
(`tests/providers/kubernetes/test_k8s_nca_oracle.py`, which load this file by path) and by
`k8s_vs_nca.py`; a test oracle, so it lives here rather than in the installed package.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from crossfence.algebra.packets import ServiceSet

__all__ = ["parse_connectivity", "pod_pairs", "run_nca"]

_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")
_ITEM = re.compile(r"\{protocols:(?P<protocols>[A-Z, ]+)(?:,dst_ports:(?P<ports>[0-9, \-]+))?\}")
_POD = re.compile(r"^(?P<name>[^\[]+)\[(?P<kind>[^\]]+)\]$")


def _services(text: str) -> ServiceSet:
    if text.strip() == "All connections":
        return ServiceSet.all()
    services = ServiceSet.none()
    matched = False
    for item in _ITEM.finditer(text):
        matched = True
        for protocol in (p.strip() for p in item["protocols"].split(",")):
            if item["ports"] is None:
                services |= ServiceSet.protocol(protocol)
                continue
            for span in item["ports"].split(","):
                first, _, last = span.strip().partition("-")
                services |= ServiceSet.ports(protocol, int(first), int(last or first))
    if not matched:
        raise ValueError(f"unrecognised NCA connection {text!r}")
    return services


def parse_connectivity(text: str) -> dict[tuple[str, str], ServiceSet]:
    """Pod-to-pod pairs of NCA's `txt_no_fw_rules` output (`ns/pod`, without the `[Pod]`)."""
    pairs: dict[tuple[str, str], ServiceSet] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        src, dst = _POD.match(match["src"]), _POD.match(match["dst"])
        if src is None or dst is None:
            continue  # an address range
        key = (src["name"], dst["name"])
        pairs[key] = pairs.get(key, ServiceSet.none()) | _services(match["conn"])
    return pairs


def run_nca(
    nca: str | Path, folder: Path, timeout: float = 3600
) -> dict[tuple[str, str], ServiceSet]:
    """Run NCA's connectivity query on a manifest folder; pod pairs that allow something."""
    result = subprocess.run(
        [
            str(nca),
            "--connectivity",
            str(folder),
            "--resource_list",
            str(folder),
            "--output_format",
            "txt_no_fw_rules",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode not in (0, 1) and "=>" not in result.stdout:
        raise RuntimeError(f"nca failed ({result.returncode}): {result.stderr[-2000:]}")
    return {
        pair: services for pair, services in parse_connectivity(result.stdout).items() if services
    }


def pod_pairs(json_connectivity: dict[str, object]) -> dict[tuple[str, str], ServiceSet]:
    """crossfence's `Connectivity.to_json()` restricted to pod pairs, as ServiceSets."""
    pods = {e for e in json_connectivity["endpoints"] if isinstance(e, str) and not e[0].isdigit()}  # type: ignore[attr-defined]
    pairs = {}
    for connection in json_connectivity["connections"]:  # type: ignore[attr-defined]
        if connection["from"] in pods and connection["to"] in pods:
            pairs[connection["from"], connection["to"]] = ServiceSet.from_strings(
                connection["allowed"]
            )
    return pairs
