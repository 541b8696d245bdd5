"""The exposure check sees a personal-data VM open on its external IP, on any port.

https://cloud.google.com/firewall/docs/understand-network-contexts: traffic to a VM's external
IPv4 address reaches its network interface, where the firewall decides; an ingress rule from
0.0.0.0/0 therefore opens the VM to the internet without any identity-aware proxy — the exposure
`zerotrust.internet-to-personal-data` exists to report.
"""

from __future__ import annotations

from pathlib import Path

from crossfence import load
from crossfence.checks import run_checks

ESTATE = """
personal_data_jurisdiction: US
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{{name: data, cidr: 10.0.0.0/24}}]
    firewall_rules: {rules}
workloads:
  - name: records
    kind: vm
    network: vpc
    subnet: data
    addresses: [10.0.0.10]
    public_address: {public}
    personal_data: stores
    ports: [{{port: 5432}}]
"""
SSH_FROM_ANYWHERE = (
    '[{name: ssh, direction: ingress, ports: ["tcp/22"], source_ranges: ["0.0.0.0/0"]}]'
)


def findings(tmp_path: Path, rules: str, public: str = "34.1.2.3") -> list[tuple[str, str]]:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(rules=rules, public=public))
    report = run_checks(load(tmp_path / "bp.yaml"))
    return [(f.check.id, f.message) for f in report.findings if f.check.id.startswith("zerotrust")]


def test_an_external_ip_open_on_an_undeclared_port_is_exposure(tmp_path: Path) -> None:
    [(check, message)] = findings(tmp_path, SSH_FROM_ANYWHERE)
    assert check == "zerotrust.internet-to-personal-data"
    assert "records tcp/22" in message and "TCP/22" in message


def test_a_closed_external_ip_is_not(tmp_path: Path) -> None:
    assert findings(tmp_path, "[]") == []


def test_without_an_external_ip_the_same_rule_exposes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(rules=SSH_FROM_ANYWHERE, public="null"))
    report = run_checks(load(tmp_path / "bp.yaml"))
    assert not [f for f in report.findings if f.check.id.startswith("zerotrust")]
