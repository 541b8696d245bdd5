"""IPv6 is refused, located, by every command: crossfence analyses IPv4 estates only for now.

An IPv6 range in a blueprint (a dual-stack GCP subnet's range, a Scaleway Private Network's IPv6
range, a `::/0` firewall rule) would otherwise be left out of the analysis: an answer that
ignores part of the estate is worse than none, so `validate` refuses it with file:line and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

ESTATE = """\
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - {name: dual, cidr: 10.0.0.0/24, secondary_ranges: [{name: v6, cidr: "SUBNET6"}]}
    firewall_rules:
      - {name: any, direction: ingress, ports: [all], source_ranges: ["RULE6"]}
  - name: scw-vpc
    cloud: scw
    private_networks: [{name: pn, cidr: "PN6"}]
workloads:
  - {name: vm, kind: vm, network: vpc, subnet: dual, addresses: ["ADDR6"]}
"""
CASES = {
    "dual-stack subnet range": ("SUBNET6", "2001:db8:1::/64", "secondary_ranges[0].cidr"),
    "::/0 rule": ("RULE6", "::/0", "source_ranges[0]"),
    "Scaleway IPv6 Private Network": ("PN6", "fd00:1::/64", "private_networks[0].cidr"),
    "IPv6 workload address": ("ADDR6", "2001:db8::10", "addresses[0]"),
}
IPV4 = {"SUBNET6": "10.8.0.0/16", "RULE6": "0.0.0.0/0", "PN6": "172.16.0.0/24", "ADDR6": "10.0.0.5"}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["matrix"],
        ["check"],
        ["reach", "--from", "vm", "--to", "internet", "--port", "tcp/443"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_ipv6_located(tmp_path: Path, case: str, command: list[str]) -> None:
    marker, value, field = CASES[case]
    text = ESTATE
    for other, v4 in IPV4.items():
        text = text.replace(other, value if other == marker else v4)
    path = tmp_path / "bp.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = next(i for i, row in enumerate(text.splitlines(), 1) if value in row)
    assert f"bp.yaml:{line}:" in result.output
    assert field in result.output and "IPv6" in result.output
