"""Golden tests: every seeded-mistake variant of SCENARIO.md gives exactly the finding it seeds."""

from __future__ import annotations

import pytest

from crossfence import build_topology, load, reach
from crossfence.checks import Finding, Report, run_checks

from .conftest import EXAMPLE

# variant -> (check id, the objects involved, in order), SCENARIO.md "What crossfence must say"
SEEDED: dict[str, tuple[str, list[str]]] = {
    "peering-no-export": (
        "network.peering-custom-routes-not-exported",
        ["hub-to-prod", "prod-to-hub"],
    ),
    "default-advertisement": (
        "network.spoke-ranges-not-advertised",
        ["hub-router", "prod-to-hub", "spoke-prod/prod-nodes", "spoke-prod/gke-prod-pods"],
    ),
    "single-tunnel": ("network.vpn-single-tunnel", ["hub-vpn", "tunnel-0"]),
    "edge-open": ("zerotrust.iap-bypass", ["scw-edge", "public-lb"]),
    "db-in-gcp": ("sovereignty.personal-data-outside-jurisdiction", ["customer-db", "gcp"]),
    "no-private-api-route": (
        "dlp.private-api-not-routed",
        ["hub-router", "restricted-googleapis", "dlp-inspection", "customer-db-snapshots"],
    ),
    "backup-plaintext": (
        "backup.plaintext-at-source",
        ["customer-db-snapshots", "customer-db", "dr-backups"],
    ),
    "overlapping-cidr": (
        "network.overlapping-address-space",
        ["spoke-prod/prod-nodes", "scw-vpc/pn-apps"],
    ),
    "mtls-permissive": ("mesh.mtls-not-strict", ["shop"]),
    "deployer-any-sa": ("identity.vault-role-any-service-account", ["scw-deployer", "deployer"]),
    "no-peer-ip-restriction": ("network.vpn-peer-ip-unrestricted", ["gcp", "hub-vpn"]),
    "eastwest-blocked": (
        "mesh.policy-contradicted-by-network",
        ["shop/frontend-to-customer-api", "frontend", "customer-api"],
    ),
    "dns-range-not-advertised": (
        "network.dns-forwarding-range-not-advertised",
        ["hub-router", "scw-internal", "scw-dns"],
    ),
    # the network drops what the mesh allows: the global policy's finding, the intent under it
    "managed-db-other-network": (
        "mesh.policy-contradicted-by-network",
        ["shop/customer-api-to-db", "customer-api", "customer-db"],
    ),
    "vm-public-ip-open": ("zerotrust.internet-to-personal-data", ["customer-db"]),
}


def _seeded() -> list[str]:
    return sorted(SEEDED)


# the intents each mistake breaks: reported inside the seeded finding, not beside it
BROKEN_INTENTS: dict[str, set[str]] = {
    "peering-no-export": {"frontend-calls-customer-api"},
    "default-advertisement": {
        "frontend-calls-customer-api",
        "dlp-over-vpn",
        "backup-over-vpn",
        "dns-forwarding",
    },
    "edge-open": {"internet-cannot-bypass-iap"},
    "no-private-api-route": {"dlp-over-vpn", "backup-over-vpn"},
    "overlapping-cidr": {"frontend-calls-customer-api"},
    "eastwest-blocked": {"frontend-calls-customer-api"},
    "dns-range-not-advertised": {"dns-forwarding"},
    "managed-db-other-network": {"customer-api-reaches-db"},
}


def _report(name: str) -> Report:
    return run_checks(load(EXAMPLE / "variants" / name))


@pytest.mark.parametrize("name", _seeded())
def test_variant_gives_exactly_its_seeded_finding(name: str) -> None:
    report = _report(name)
    check_id, objects = SEEDED[name]
    assert [(f.check.id, [o.name for o in f.objects]) for f in report.findings] == [
        (check_id, objects)
    ], [f"{f.check.id}: {f.message}" for f in report.findings]
    finding = report.findings[0]
    # every object involved is located in the variant's own files
    assert all(o.file and o.line and f"variants/{name}/" in o.file for o in finding.objects)


@pytest.mark.parametrize("name", _seeded())
def test_broken_intents_are_explained_by_the_seeded_finding(name: str) -> None:
    finding = _report(name).findings[0]
    intents = {
        e.objects[0].name for e in _all_explained(finding) if e.check.id == "intents.not-met"
    }
    assert intents == BROKEN_INTENTS.get(name, set())


def _all_explained(finding: Finding) -> list[Finding]:
    found = list(finding.explains)
    for inner in list(found):
        found += _all_explained(inner)
    return found


def test_flow_findings_carry_their_trace() -> None:
    finding = _report("edge-open").findings[0]
    [flow] = finding.flows
    assert (flow.source, flow.destination, flow.allowed) == ("internet", "scw-edge", True)
    assert any("allow-any" in str(step.source) for hop in flow.hops for step in hop.steps)


def test_a_managed_database_in_another_private_network_is_not_routed() -> None:
    """`reach customer-api → customer-db` names the database as the reason: Scaleway Managed
    Databases do not support VPC routing (https://www.scaleway.com/en/docs/vpc/faq/)."""
    folder = EXAMPLE / "variants" / "managed-db-other-network"
    result = reach(build_topology(load(folder)), "customer-api", "customer-db", "tcp/5432")
    assert (result.allowed, result.disposition) == (False, "NO_ROUTE")
    [drop] = [s for hop in result.hops for s in hop.steps if s.action == "DROP"]
    assert drop.detail.startswith("customer-db is reached only within its own segment pn-data")
    assert drop.source is not None and drop.source.rule == "managed database"
    assert drop.source.file is not None
    assert drop.source.file.endswith("variants/managed-db-other-network/workloads.yaml")
    lines = (folder / "workloads.yaml").read_text(encoding="utf-8").splitlines()
    assert drop.source.line == lines.index("  - name: customer-db") + 1
    # beside it on pn-data, the database is reached
    assert reach(build_topology(load(folder)), "backup", "customer-db", "tcp/5432").allowed


def test_the_internet_reaches_the_open_instance_by_name() -> None:
    topology = build_topology(load(EXAMPLE / "variants" / "vm-public-ip-open"))
    assert reach(topology, "internet", "customer-db", "tcp/5432").allowed


def test_the_open_instance_is_reached_at_its_flexible_ip_through_its_security_group() -> None:
    """The internet to 51.15.8.10, where customer-db-sg (which filters the public interface)
    accepts 5432 from anywhere; the base example has no such address."""
    topology = build_topology(load(EXAMPLE / "variants" / "vm-public-ip-open"))
    result = reach(topology, "internet", "51.15.8.10", "tcp/5432")
    assert result.allowed
    steps = [s for hop in result.hops for s in hop.steps if s.action == "APPLY_INGRESS_FILTER"]
    assert [s.source.resource for s in steps if s.source] == ["security-group/customer-db-sg"]
    base = build_topology(load(EXAMPLE))
    assert not reach(base, "internet", "51.15.8.10", "tcp/5432").allowed


def test_every_seeded_variant_is_covered() -> None:
    assert sorted(SEEDED) == sorted(
        p.name for p in (EXAMPLE / "variants").iterdir() if p.is_dir() and p.name != "__pycache__"
    )
