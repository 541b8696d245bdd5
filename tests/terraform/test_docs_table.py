"""docs/terraform.md holds the table of every resource type read, as the mappings say it."""

from __future__ import annotations

import re
from pathlib import Path

from crossfence.providers.registry import terraform_mappings
from crossfence.terraform.mapping import markdown_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "terraform.md"


def write_table() -> None:
    """Regenerate the table: `python -c 'from tests.terraform.test_docs_table import write_table; write_table()'`."""
    text = DOC.read_text()
    table = markdown_table(terraform_mappings())
    DOC.write_text(
        re.sub(
            r"<!-- table -->.*<!-- /table -->",
            lambda _: f"<!-- table -->\n{table}\n<!-- /table -->",
            text,
            flags=re.S,
        )
    )


def test_table_is_in_sync() -> None:
    text = DOC.read_text()
    found = re.search(r"<!-- table -->\n(.*)\n<!-- /table -->", text, re.S)
    assert found is not None, "docs/terraform.md lost its <!-- table --> markers"
    assert found.group(1) == markdown_table(terraform_mappings()), (
        "docs/terraform.md is out of date: run "
        "python -c 'from tests.terraform.test_docs_table import write_table; write_table()'"
    )


def test_every_type_the_issue_lists_is_read() -> None:
    types = {r.type for m in terraform_mappings() for r in m.resources}
    wanted = {
        "google_compute_network",
        "google_compute_subnetwork",
        "google_compute_network_peering",
        "google_compute_route",
        "google_compute_firewall",
        "google_compute_network_firewall_policy",
        "google_compute_network_firewall_policy_rule",
        "google_compute_network_firewall_policy_association",
        "google_compute_firewall_policy",
        "google_compute_firewall_policy_rule",
        "google_compute_firewall_policy_association",
        "google_compute_router",
        "google_compute_router_interface",
        "google_compute_router_peer",
        "google_compute_router_nat",
        "google_compute_ha_vpn_gateway",
        "google_compute_external_vpn_gateway",
        "google_compute_vpn_tunnel",
        "google_compute_instance",
        "google_compute_instance_template",
        "google_compute_instance_group_manager",
        "google_container_cluster",
        "google_compute_global_forwarding_rule",
        "google_compute_target_https_proxy",
        "google_compute_url_map",
        "google_compute_backend_service",
        "google_compute_global_network_endpoint_group",
        "google_compute_security_policy",
        "google_dns_managed_zone",
        "google_dns_policy",
        "google_kms_crypto_key",
        "google_storage_bucket",
        "google_org_policy_policy",
        "google_project_organization_policy",
        "google_access_context_manager_service_perimeter",
    }
    assert wanted <= types, sorted(wanted - types)
