"""A global namespace's policies select what docs/blueprint.md says when a field is left empty.

docs/blueprint.md (GlobalPolicy): `sources` empty means "any workload of the global namespace",
`ports`, `methods`, `paths` empty mean any. A global policy compiles to an Istio
AuthorizationPolicy rule in every member cluster; Istio's `source.namespaces` is proven by the
mTLS identity ("principals and namespaces need mTLS",
https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source), so a
namespace outside the global namespace, or a plaintext client, never matches.
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, load
from crossfence.engine.layers import layered_reach
from crossfence.errors import BlueprintError

BLUEPRINT = """\
clouds:
  - {name: scw, provider: scaleway, jurisdiction: FR, region: fr-par}
networks:
  - name: vpc
    cloud: scw
    private_networks: [{name: apps, cidr: 172.16.0.0/24}]
clusters:
  - name: k
    cloud: scw
    kind: kapsule
    network: vpc
    subnet: apps
    pod_range: 100.64.0.0/16
    namespaces:
      - {name: shop, istio_injection: true}
      - {name: other, istio_injection: true}
    mesh: {mtls_mode: STRICT}
workloads:
  - {name: member, kind: pods, cluster: k, namespace: shop, service_account: member, labels: {app: member}}
  - {name: outsider, kind: pods, cluster: k, namespace: other, service_account: outsider, labels: {app: outsider}}
  - {name: vm, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.9]}
  - name: api
    kind: pods
    cluster: k
    namespace: shop
    service_account: api
    labels: {app: api}
    ports: [{port: 8443, name: tcp-api}]
global_namespaces:
  - name: shop
    trust_domain: example.eu
    mtls_mode: STRICT
    members: [{cluster: k, namespace: shop}]
    default_action: deny
    policies:
      - POLICY
"""


def ask(tmp_path: Path, policy: str, source: str) -> str:
    (tmp_path / "bp.yaml").write_text(BLUEPRINT.replace("POLICY", policy))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    return layered_reach(topology, source, "api", "tcp/8443").disposition


def test_no_sources_means_the_members_of_the_global_namespace(tmp_path: Path) -> None:
    policy = "{name: any-member, destination: api}"
    assert ask(tmp_path, policy, "member") == "DELIVERED"
    # another namespace of the same cluster is not a member
    assert ask(tmp_path, policy, "outsider") == "DENIED_MESH_AUTHORIZATION"


def test_a_source_without_a_mesh_identity_matches_no_rule(tmp_path: Path) -> None:
    """A VM named as a source has no principal: the ALLOW policy allows nothing for it."""
    policy = "{name: from-vm, sources: [vm], destination: api}"
    assert ask(tmp_path, policy, "vm") == "DENIED_MTLS"
    assert ask(tmp_path, policy, "member") == "DENIED_MESH_AUTHORIZATION"


def test_port_ranges_are_the_ports_they_name(tmp_path: Path) -> None:
    inside = '{name: range, destination: api, ports: ["tcp/8000-8500"]}'
    outside = '{name: range, destination: api, ports: ["tcp/9000-9100"]}'
    assert ask(tmp_path, inside, "member") == "DELIVERED"
    assert ask(tmp_path, outside, "member") == "DENIED_MESH_AUTHORIZATION"


def test_a_global_policy_names_tcp_ports(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(
        BLUEPRINT.replace("POLICY", '{name: dns, destination: api, ports: ["udp/53"]}')
    )
    try:
        load(tmp_path / "bp.yaml")
    except BlueprintError as error:
        [problem] = error.problems
        assert problem.path == "global_namespaces[0].policies[0].ports[0]"
        assert "carry TCP only" in problem.message
    else:
        raise AssertionError("udp/53 in a global policy was accepted")
