"""Terraform files as they are found: every format version, modules, keys with quotes, state files, encodings, refusals.

Format: https://developer.hashicorp.com/terraform/internals/json-format ("Reject any input which
reports an unsupported major version"); raw state format version 4 is what Terraform 0.12 and
later write (https://developer.hashicorp.com/terraform/language/state).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import crossfence
from crossfence.errors import BlueprintError
from crossfence.terraform.read import read_text
from crossfence.terraform.values import SENSITIVE, UNKNOWN

from .plans import R, plan, raw_state, show_state, write

NET = "https://www.googleapis.com/compute/v1/projects/p1/global/networks/hub"
SUBNET = "https://www.googleapis.com/compute/v1/projects/p1/regions/europe-west1/subnetworks/hub-a"


def estate(module: str = "", key: str = '["web"]') -> list[R]:
    """A network, its subnet, a VM and a firewall rule, in `module` (resources keyed by for_each)."""
    prefix = f"{module}." if module else ""
    return [
        R(
            f"{prefix}google_compute_network.hub",
            {
                "name": "hub",
                "project": "p1",
                "auto_create_subnetworks": False,
                "routing_mode": "REGIONAL",
                "self_link": NET,
                "id": "projects/p1/global/networks/hub",
            },
        ),
        R(
            f"{prefix}google_compute_subnetwork.a",
            {
                "name": "hub-a",
                "project": "p1",
                "region": "europe-west1",
                "ip_cidr_range": "10.0.0.0/24",
                "network": NET,
                "self_link": SUBNET,
                "secondary_ip_range": [],
                "private_ip_google_access": False,
            },
        ),
        R(
            f"{prefix}google_compute_instance.vm{key}",
            {
                "name": "web",
                "project": "p1",
                "zone": "europe-west1-b",
                "tags": ["web"],
                "network_interface": [
                    {
                        "network": NET,
                        "subnetwork": SUBNET,
                        "network_ip": "10.0.0.10",
                        "access_config": [],
                    }
                ],
                "service_account": [],
                "can_ip_forward": False,
            },
        ),
        R(
            f'{prefix}google_compute_firewall.allow["ssh"]',
            {
                "name": "allow-ssh",
                "project": "p1",
                "network": NET,
                "direction": "INGRESS",
                "priority": 1000,
                "allow": [{"protocol": "tcp", "ports": ["22"]}],
                "deny": [],
                "source_ranges": ["35.235.240.0/20"],
                "destination_ranges": [],
                "source_tags": None,
                "target_tags": ["web"],
                "description": "",
                "disabled": False,
                "log_config": [],
            },
        ),
    ]


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.1", "1.2"])
def test_every_format_version_reads(tmp_path: Path, version: str) -> None:
    """Plans from Terraform 0.12 (format 0.1) to 1.x read alike."""
    path = write(tmp_path / "plan.json", plan(estate(), format_version=version))
    blueprint = crossfence.load(path)
    assert [w.name for w in blueprint.workloads] == ["web"]
    assert blueprint.networks[0].firewall_rules[0].ports == ("tcp/22",)


def test_major_version_two_is_refused(tmp_path: Path) -> None:
    """ "Reject any input which reports an unsupported major version" (the JSON format page)."""
    path = write(tmp_path / "plan.json", plan(estate(), format_version="2.0"))
    with pytest.raises(BlueprintError) as error:
        crossfence.load(path)
    assert "format_version '2.0'" in str(error.value)


def test_nested_modules_and_keys_with_quotes(tmp_path: Path) -> None:
    """Resources two module levels down, for_each keys with quotes in their address."""
    module = 'module.region["eu"].module.app'
    path = write(tmp_path / "plan.json", plan(estate(module, '["front \\"a\\""]')))
    blueprint = crossfence.load(path)
    web = blueprint.workloads[0]
    assert web.defined_at is not None
    assert (
        web.defined_at.address
        == 'module.region["eu"].module.app.google_compute_instance.vm["front \\"a\\""]'
    )
    assert web.defined_at.file.endswith("plan.json")
    assert (
        web.defined_at.line == 1 and web.defined_at.column > 100
    )  # one compact line: the column says


def test_count_index(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", plan(estate(key="[0]")))
    assert crossfence.load(path).workloads[0].defined_at.address == "google_compute_instance.vm[0]"  # type: ignore[union-attr]


def test_show_state_and_raw_state_read_alike(tmp_path: Path) -> None:
    """`terraform show -json` of state (`values`) and the raw state file (version 4) give the
    same estate; a `.backup` is read by content like any other name."""
    shown = crossfence.load(write(tmp_path / "state.json", show_state(estate("module.hub"))))
    raw = crossfence.load(
        write(tmp_path / "terraform.tfstate.backup", raw_state(estate("module.hub")), pretty=True)
    )
    assert shown.model_dump() == raw.model_dump()
    rule = raw.networks[0].firewall_rules[0]
    assert (
        rule.defined_at is not None
        and rule.defined_at.address == 'module.hub.google_compute_firewall.allow["ssh"]'
    )
    assert rule.defined_at.line > 1  # an indented state file: its line


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_windows_encodings(tmp_path: Path, encoding: str) -> None:
    """Windows PowerShell's `>` writes UTF-16 with a byte-order mark; some tools UTF-8 with one."""
    data = plan(estate())
    text = json.dumps(data, separators=(",", ":"))
    bom = {"utf-16-be": b"\xfe\xff", "utf-16": b"", "utf-8-sig": b""}[encoding]
    (tmp_path / "plan.json").write_bytes(bom + text.encode(encoding))
    assert [w.name for w in crossfence.load(tmp_path / "plan.json").workloads] == ["web"]


def test_empty_values_are_absent(tmp_path: Path) -> None:
    """null, [] and "" are how providers write an argument that is not set."""
    resources = estate()
    resources[3].values.update(
        {"source_tags": [], "target_service_accounts": None, "description": ""}
    )
    rule = (
        crossfence.load(write(tmp_path / "plan.json", plan(resources)))
        .networks[0]
        .firewall_rules[0]
    )
    assert (
        rule.source_tags == () and rule.target_service_accounts == () and rule.description is None
    )


def test_unknowns_and_secrets_are_marked() -> None:
    data = plan(
        [
            R(
                "google_compute_vpn_tunnel.t",
                {"name": "t", "shared_secret": "hunter2", "peer_ip": "1.2.3.4"},
                unknown={"id": True, "detailed_status": True},
                sensitive={"shared_secret": True},
                action=["create"],
            ),
            R(
                "aws_vpn_connection.c",
                {"tunnel1_preshared_key": "s3cret", "tunnel1_address": "1.1.1.1"},
            ),
        ]
    )
    resources = read_text("plan.json", json.dumps(data)).resources
    tunnel, connection = resources
    assert tunnel.values["id"] is UNKNOWN and tunnel.values["shared_secret"] is SENSITIVE
    assert tunnel.action == "create"
    # not marked sensitive by the plan, scrubbed by its name
    assert connection.values["tunnel1_preshared_key"] is SENSITIVE
    assert connection.values["tunnel1_address"] == "1.1.1.1"


def test_raw_state_sensitive_attributes() -> None:
    state = raw_state(
        [
            R(
                "google_compute_instance.vm",
                {"name": "vm", "metadata": {"startup": "x"}, "labels": {}},
            )
        ]
    )
    state["resources"][0]["instances"][0]["sensitive_attributes"] = [
        [
            {"type": "get_attr", "value": "metadata"},
            {"type": "index", "value": {"value": "startup", "type": "string"}},
        ]
    ]
    state["resources"][0]["instances"][0]["sensitive_attributes"] = [
        [{"type": "get_attr", "value": "metadata"}]
    ]
    resource = read_text("s.tfstate", json.dumps(state)).resources[0]
    assert resource.values["metadata"] is SENSITIVE


REFUSED = [
    (
        '{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","type":"version","terraform":"1.11.4","ui":"1.2"}\n'
        '{"@level":"info","@message":"google_compute_network.hub: Plan to create","type":"planned_change"}\n',
        "terraform show -json plan.tfplan",
    ),
    (
        '{"version":3,"terraform_version":"0.11.14","serial":2,"lineage":"x","modules":[{"path":["root"],"resources":{}}]}',
        "state format version 3",
    ),
    (
        '{"serial":1,"lineage":"x","meta":{"key_provider.pbkdf2.k":"e30="},"encrypted_data":"QUJD","encryption_version":"v0"}',
        "encrypted OpenTofu state",
    ),
    ('{"format_version":"1.2","planned_values":{', "not valid JSON"),
    ('{"kind":"List","items":[]}', "this JSON is not Terraform's"),
    ("", "the file is empty"),
]


@pytest.mark.parametrize(("text", "says"), REFUSED)
def test_refused_with_what_to_do(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(text)
    if text == "":
        with pytest.raises(BlueprintError) as error:
            read_text(str(path), text)
    else:
        with pytest.raises(BlueprintError) as error:
            crossfence.load(path)
    problem = error.value.problems[0]
    assert says in problem.message
    assert problem.file is not None and problem.file.endswith("input.json")


def test_binary_plan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.tfplan"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00binary")
    with pytest.raises(BlueprintError) as error:
        crossfence.load(path)
    assert "terraform show -json PLANFILE" in str(error.value)


def test_not_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2",\n "planned_values": {"root_module": }}\n')
    with pytest.raises(BlueprintError) as error:
        crossfence.load(path)
    problem = error.value.problems[0]
    assert (problem.line, problem.column) == (2, 36)  # the "}" where a value was expected
    assert problem.message.startswith("not valid JSON")
