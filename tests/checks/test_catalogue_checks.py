"""Each check on its own: one edit of the reference example fires it (and only it); the example does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crossfence import load
from crossfence.checks import REGISTRY, Report, run_checks
from crossfence.model import Blueprint

from .conftest import Edit, only

TUNNEL_1_IKE = (
    "    local: {gateway: hub-vpn, interface: 1}\n"
    "    peer: {gateway: scw-vpn, interface: 1}\n"
    "    ike: {encryption: [AES-GCM-16-256], integrity: [], dh_groups: [20]}\n"
)
SUPPRESSIONS = "  - check: network.personal-data-store-shares-private-network\n"
NO_SUPPRESSION = (
    "intents.yaml",
    SUPPRESSIONS,
    "  - check: network.vpn-weak-crypto   # the accepted finding is no longer accepted\n",
)

# check id -> (edits of the example that seed it, objects of the one finding)
POSITIVE: dict[str, tuple[list[Edit], list[str]]] = {
    "network.vpn-weak-crypto": (
        [
            (
                "vpn.yaml",
                TUNNEL_1_IKE,
                TUNNEL_1_IKE.replace(
                    "{encryption: [AES-GCM-16-256], integrity: [], dh_groups: [20]}",
                    "{encryption: [3DES], integrity: [HMAC-MD5-96], dh_groups: [2]}",
                ),
            )
        ],
        ["tunnel-1"],
    ),
    "keys.key-outside-jurisdiction": (
        [("controls.yaml", "    held_by: hsm ", "    held_by: vault ")],
        ["csek-dr", "vault", "gcp"],
    ),
    "backup.foreign-bucket-without-own-key": (
        [
            (
                "controls.yaml",
                "    encryption_key: csek-dr\n    reached_via",
                "    reached_via",
            ),
            (
                "controls.yaml",
                "    encrypted_at_source: true\n    encryption_key: csek-dr\n",
                "    encrypted_at_source: true\n",
            ),
        ],
        ["dr-backups", "customer-db-snapshots", "gcp"],
    ),
    "identity.deploy-and-runtime-credentials-shared": (
        [("controls.yaml", "    credentials: [deployer]\n", "    credentials: [deployer, user]\n")],
        ["scw-deployer"],
    ),
    "dlp.inspection-stored": (
        [("controls.yaml", "    inspection: in_memory\n", "    inspection: stored\n")],
        ["dlp-inspection"],
    ),
    "dlp.no-service-perimeter": (
        [("controls.yaml", "    service_perimeter: dlp-perimeter\n", "")],
        ["dlp-inspection"],
    ),
    "network.spoke-ranges-not-advertised": (
        [
            (
                "gcp-network.yaml",
                "      - range: 10.12.0.0/16\n        description: prod spoke GKE pods\n",
                "",
            )
        ],
        ["hub-router", "prod-to-hub", "spoke-prod/gke-prod-pods"],
    ),
    "network.vpn-peer-ip-unrestricted": (
        [
            (
                "estate.yaml",
                '    allowed_values: ["51.159.0.1", "51.159.0.2"]\n',
                '    denied_values: ["192.0.2.1"]\n',
            )
        ],
        ["gcp", "hub-vpn", "restrict-vpn-peer-ips"],
    ),
    "network.personal-data-store-shares-private-network": (
        [NO_SUPPRESSION],
        ["customer-db", "scw-vpc/pn-data", "scw-dns"],
    ),
    "zerotrust.iap-bypass": (
        [
            (
                "scaleway-network.yaml",
                '"34.96.0.0/20", "34.127.192.0/18"]',
                '"34.96.0.0/20", "34.127.192.0/18", "198.51.100.0/24"]',
            )
        ],
        ["scw-edge", "public-lb"],
    ),
    "zerotrust.iap-token-not-verified": (
        [
            (
                "workloads.yaml",
                "    iap_audience: /projects/123456789/global/backendServices/987654321\n",
                "",
            )
        ],
        ["customer-api", "public-lb"],
    ),
    "intents.not-met": (
        [
            (
                "intents.yaml",
                "    port: tcp/8200\n    expect: allowed\n",
                "    port: tcp/8200\n    expect: denied\n",
            )
        ],
        ["customer-api-reads-vault"],
    ),
}


@pytest.mark.parametrize("check_id", sorted(POSITIVE))
def test_one_edit_fires_the_check(
    check_id: str, edited: Callable[..., Blueprint], base_report: Report
) -> None:
    edits, objects = POSITIVE[check_id]
    assert check_id in REGISTRY
    blueprint = edited(*edits)
    report = run_checks(blueprint)
    assert only(report, check_id) == objects
    # and the unedited example does not have it (suppressed findings aside)
    assert check_id not in {f.check.id for f in base_report.findings}


def test_weak_crypto_names_every_weakness(edited: Callable[..., Blueprint]) -> None:
    edits, _ = POSITIVE["network.vpn-weak-crypto"]
    [finding] = run_checks(edited(*edits)).findings
    for weakness in ("IKE 3DES", "IKE HMAC-MD5-96", "IKE DH group 2"):
        assert weakness in finding.message


def test_ikev1_is_weak(edited: Callable[..., Blueprint]) -> None:
    report = run_checks(
        edited(
            (
                "vpn.yaml",
                "  - name: tunnel-0\n    ike_version: 2\n",
                "  - name: tunnel-0\n    ike_version: 1\n",
            )
        )
    )
    assert only(report, "network.vpn-weak-crypto") == ["tunnel-0"]
    assert "IKEv1" in report.findings[0].message


def test_a_broken_intent_alone_is_a_finding_with_its_trace(
    edited: Callable[..., Blueprint],
) -> None:
    edits, _ = POSITIVE["intents.not-met"]
    [finding] = run_checks(edited(*edits)).findings
    assert "expects customer-api → vault tcp/8200 denied, but it is allowed" in finding.message
    [flow] = finding.flows
    assert flow.allowed and flow.disposition == "DELIVERED"


def test_one_service_account_with_deploy_and_runtime_roles(
    edited: Callable[..., Blueprint],
) -> None:
    line = "      - {cluster: kapsule-eu, namespace: shop, service_account: customer-api}\n"
    report = run_checks(
        edited(
            (
                "controls.yaml",
                line,
                line
                + "      - {cluster: gke-prod, namespace: ci, service_account: gitlab-runner}\n",
            )
        )
    )
    assert only(report, "identity.deploy-and-runtime-credentials-shared") == [
        "scw-deployer",
        "scw-user",
    ]


def test_sovereignty_is_silent_without_a_required_jurisdiction(
    edited: Callable[..., Blueprint],
) -> None:
    report = run_checks(
        edited(
            ("estate.yaml", "personal_data_jurisdiction: EU\n", ""),
            ("controls.yaml", "    held_by: hsm ", "    held_by: vault "),
        )
    )
    assert report.findings == []


def test_processors_beside_the_store_need_its_data(edited: Callable[..., Blueprint]) -> None:
    """hsm, backup and dlp-client handle personal data: only scw-dns needs no access."""
    report = run_checks(
        edited(
            NO_SUPPRESSION,
            (
                "workloads.yaml",
                '    ports: ["udp/53", "tcp/53"]\n',
                '    personal_data: processes\n    ports: ["udp/53", "tcp/53"]\n',
            ),
        )
    )
    assert report.findings == []


def test_suppression_with_objects_applies_to_those_objects_only(
    edited: Callable[..., Blueprint],
) -> None:
    report = run_checks(
        edited(("intents.yaml", "    objects: [scw-dns]\n", "    objects: [hsm]\n"))
    )
    assert only(report, "network.personal-data-store-shares-private-network")
    assert report.suppressed == []


def test_personal_data_behind_an_open_edge_without_iap(edited: Callable[..., Blueprint]) -> None:
    """No IAP load balancer in front, and scw-edge open to the internet: customer-api is exposed."""
    report = run_checks(_open_edge(edited))
    assert [f.check.id for f in report.findings] == [
        "zerotrust.internet-to-personal-data",
        "intents.not-met",  # the intent names scw-edge, the finding customer-api behind it
    ]
    [flow] = report.findings[0].flows
    assert flow.allowed and not flow.conditions and flow.destination == "customer-api"


def _open_edge(edited: Callable[..., Blueprint]) -> Blueprint:
    blueprint = edited(
        (
            "scaleway-network.yaml",
            'ip_ranges: ["130.211.0.0/22", "35.191.0.0/16", "34.96.0.0/20", "34.127.192.0/18"]',
            'ip_ranges: ["0.0.0.0/0"]',
        )
    )
    edge = blueprint.origin
    assert edge is not None
    (edge / "edge.yaml").write_text("load_balancers: []\n", encoding="utf-8")
    return load(edge)


def test_a_non_google_range_in_the_edge_acl_is_a_bypass(edited: Callable[..., Blueprint]) -> None:
    """203.0.113.7 (the intent's client) is still refused; a client of 198.51.100.0/24 is not."""
    edits, _ = POSITIVE["zerotrust.iap-bypass"]
    [finding] = run_checks(edited(*edits)).findings
    [flow] = finding.flows
    assert (flow.source, flow.allowed) == ("198.51.100.1", True)
    assert finding.message.startswith("198.51.100.1 reaches scw-edge:443 directly")


def test_peer_ip_policy_that_leaves_out_a_peer(edited: Callable[..., Blueprint]) -> None:
    report = run_checks(
        edited(
            (
                "estate.yaml",
                '    allowed_values: ["51.159.0.1", "51.159.0.2"]\n',
                '    allowed_values: ["51.159.0.1"]\n',
            )
        )
    )
    assert only(report, "network.vpn-peer-ip-unrestricted") == [
        "gcp",
        "hub-vpn",
        "restrict-vpn-peer-ips",
    ]
    assert "51.159.0.2: their tunnels cannot be established" in report.findings[0].message


def test_iap_token_for_another_audience(edited: Callable[..., Blueprint]) -> None:
    report = run_checks(
        edited(("workloads.yaml", "backendServices/987654321\n", "backendServices/111\n"))
    )
    assert only(report, "zerotrust.iap-token-not-verified") == ["customer-api", "public-lb"]
    assert (
        "audience /projects/123456789/global/backendServices/111, not" in report.findings[0].message
    )
