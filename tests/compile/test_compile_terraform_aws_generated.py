"""The AWS round trip on generated estates (Hypothesis): a transit gateway with spokes (attachments with drawn default association and propagation, route tables with associations, propagations, static and blackhole routes), routes to it and to an appliance instance, security groups, network ACLs, an RDS database, S3 buckets with a KMS key; compiled, read back from the plan with the overlay, the same layered matrix and findings.

`benchmarks/estate_synth.py` makes Google and Scaleway estates only: these are AWS's own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossfence import load
from crossfence.compile.tfplan import round_trip_files

from .test_compile_terraform_aws import _answers
from .test_compile_terraform_aws_storage import _findings

PORTS = ("tcp/22", "tcp/443", "tcp/5432", "udp/53", "all")


def _transit_gateway(draw: st.DrawFn, spokes: int) -> list[str]:
    """The transit gateway: each spoke attached with drawn default association and propagation,
    maybe a custom route table (associations, propagations, static routes to an attachment or
    blackhole) and static routes in the default one."""
    lines = ["vpn_gateways:", "  - name: tgw", "    cloud: aws", "    network: hub"]
    lines += ["    type: aws_tgw", "    asn: 64512"]
    networks = ["hub"] + [f"spoke-{i}" for i in range(spokes)]
    flags = "transit_gateway_default_route_table_"
    attachments = [
        f"      - {{network: spoke-{i}, {flags}association: {str(draw(st.booleans())).lower()},"
        f" {flags}propagation: {str(draw(st.booleans())).lower()}}}"
        for i in range(spokes)
        if draw(st.booleans())
    ]
    if attachments:
        lines += ["    attachments:", *attachments]
    prefixes = ["10.40.0.0/16", "10.40.1.0/24"] + [f"10.{41 + i}.0.0/16" for i in range(spokes)]

    def routes() -> list[str]:
        out = []
        for prefix in draw(st.lists(st.sampled_from(prefixes), max_size=2, unique=True)):
            target = draw(st.sampled_from([None, *networks]))
            hop = "blackhole: true" if target is None else f"transit_gateway_attachment: {target}"
            out.append(f"          - {{destination_cidr_block: {prefix}, {hop}}}")
        return ["        routes:", *out] if out else []

    tables = []
    default_routes = routes()
    if default_routes:
        tables += ["      - name: main", "        default: true", *default_routes]
    if draw(st.booleans()):
        associated = draw(st.lists(st.sampled_from(networks), max_size=2, unique=True))
        propagating = draw(st.lists(st.sampled_from(networks), max_size=3, unique=True))
        tables += ["      - name: custom"]
        tables += [f"        associations: [{', '.join(associated)}]"] if associated else []
        tables += [f"        propagations: [{', '.join(propagating)}]"] if propagating else []
        tables += routes()
    return lines + (["    route_tables:", *tables] if tables else [])


@st.composite
def estates(draw: st.DrawFn) -> str:
    spokes = draw(st.integers(0, 3))
    lines = [
        "clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]",
        "networks:",
        "  - name: hub",
        "    cloud: aws",
        "    cidr_blocks: [10.40.0.0/16]",
        "    subnets:",
        "      - {name: hub-a, cidr: 10.40.1.0/24, region: eu-west-1a}",
        "      - {name: hub-b, cidr: 10.40.2.0/24, region: eu-west-1b}",
        "    route_tables:",
        "      - name: hub-rt",
        "        main: true",
    ]
    hub_routes = [
        f"          - {{name: hub-to-{i}, destination: 10.{41 + i}.0.0/16, next_hop_transit_gateway: tgw}}"
        for i in range(spokes)
        if draw(st.booleans())
    ]
    if draw(st.booleans()):
        hub_routes.append(
            "          - {name: hub-to-fw, destination: 192.168.0.0/16, next_hop_instance: vm-hub}"
        )
    if hub_routes:
        lines += ["        routes:", *hub_routes]
    if draw(st.integers(0, 3)):
        port = draw(st.sampled_from(PORTS))
        lines += [
            "    network_acls:",
            "      - name: hub-nacl",
            "        subnets: [hub-b]",
            "        ingress:",
            f"          - {{rule_number: 100, action: {draw(st.sampled_from(('allow', 'deny')))}, ports: {port}, cidr: 10.0.0.0/8}}",
            "          - {rule_number: 200, action: allow, ports: all, cidr: 0.0.0.0/0}",
            "        egress:",
            "          - {rule_number: 100, action: allow, ports: all, cidr: 0.0.0.0/0}",
        ]
    for i in range(spokes):
        lines += [
            f"  - name: spoke-{i}",
            "    cloud: aws",
            f"    cidr_blocks: [10.{41 + i}.0.0/16]",
            f"    subnets: [{{name: spoke-{i}-a, cidr: 10.{41 + i}.1.0/24, region: eu-west-1a}}]",
            "    route_tables:",
            f"      - name: spoke-{i}-rt",
            "        main: true",
            "        routes:",
            f"          - {{name: s{i}-to-hub, destination: 10.40.0.0/16, next_hop_transit_gateway: tgw}}",
        ]
    lines += ["security_groups:"]
    groups = []
    for network in ["hub"] + [f"spoke-{i}" for i in range(spokes)]:
        name = f"{network}-sg"
        groups.append((network, name))
        lines += [f"  - name: {name}", "    cloud: aws", f"    network: {network}"]
        rules = draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=2, unique=True))
        if rules:
            lines += ["    inbound_rules:"]
            lines += [f"      - {{ports: {p}, ip_ranges: [10.0.0.0/8]}}" for p in rules]
    lines += _transit_gateway(draw, spokes)
    lines += [
        "workloads:",
        "  - {name: vm-hub, kind: vm, network: hub, subnet: hub-a, addresses: [10.40.1.10],"
        " security_groups: [hub-sg], ports: [tcp/22, tcp/443]}",
    ]
    for i in range(spokes):
        lines.append(
            f"  - {{name: vm-{i}, kind: vm, network: spoke-{i}, subnet: spoke-{i}-a,"
            f" addresses: [10.{41 + i}.1.10], security_groups: [spoke-{i}-sg], ports: [tcp/22]}}"
        )
    if draw(st.integers(0, 3)):
        lines.append(
            "  - {name: db, kind: managed_database, network: hub, subnet: hub-b,"
            " addresses: [10.40.2.20], security_groups: [hub-sg], ports: [tcp/5432],"
            " personal_data: stores}"
        )
    if draw(st.booleans()):
        lines += [
            "keys:",
            "  - {name: key, kind: customer_managed, held_by: vm-hub, protects: [data]}",
            "buckets:",
            "  - {name: data, cloud: aws, location: eu-west-1, encryption_key: key}",
        ]
    return "\n".join(lines) + "\n"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_generated_aws_estates_round_trip(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "estate.yaml").write_text(text, encoding="utf-8")
        blueprint = load(Path(tmp) / "estate.yaml")
        plan, overlay = round_trip_files(blueprint, Path(tmp) / "out")
        back = load(plan, [overlay])
        assert _answers(back) == _answers(blueprint), text
        assert _findings(back) == _findings(blueprint), text
