"""Findings, intents and diffs on values a Terraform plan knows only after apply: `unknown`, naming the address, never the stand-in's answer as a certainty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import crossfence
from crossfence.checks import run_checks
from crossfence.cli import app
from crossfence.report.schemas import output_schema

from .plans import R, plan, write
from .test_read import estate

runner = CliRunner()

WEB_IP = 'google_compute_instance.vm["web"].network_interface[0].network_ip'
RANGES = 'google_compute_firewall.allow["ssh"].source_ranges'
RULE = 'google_compute_firewall.allow["ssh"]'

INTENTS = """intents:
  - name: iap-ssh
    source: 35.235.240.7
    destination: web
    port: tcp/22
    expect: {expect}
"""


def _overlay(tmp_path: Path, expect: str = "allowed") -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(INTENTS.format(expect=expect))
    return path


def _web_address_unknown(resources: list[R]) -> list[R]:
    """`network_ip` not written: GCP allocates it from the subnet at apply; the plan marks it in
    `after_unknown` (https://developer.hashicorp.com/terraform/internals/json-format,
    https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance#network_ip)."""
    web = resources[2]
    web.values["network_interface"][0].pop("network_ip")
    web.unknown = {"network_interface": [{"network_ip": True}]}
    web.action = ["create"]
    return resources


def _rule_unknown(resources: list[R], **unknown: object) -> list[R]:
    """The firewall rule's arguments in `unknown` known only after apply (an address of a
    resource the same plan creates): `after_unknown` true for the whole list, or a list of
    booleans (known entries stay in `values`)."""
    rule = resources[3]
    for argument, mark in unknown.items():
        if mark is True:
            rule.values.pop(argument, None)
    rule.unknown = dict(unknown)
    rule.action = ["create"]
    return resources


def _public(resources: list[R]) -> list[R]:
    """`web` with a static external address (`access_config.nat_ip`): the internet reaches it
    where the firewall allows."""
    resources[2].values["network_interface"][0]["access_config"] = [{"nat_ip": "34.1.2.3"}]
    return resources


def _plan(tmp_path: Path, resources: list[R], name: str = "plan.json") -> Path:
    return write(tmp_path / name, plan(resources))


# --- intents --------------------------------------------------------------------------------


@pytest.mark.parametrize("expect", ["allowed", "denied"])
def test_an_intent_on_an_address_known_after_apply_is_unknown(tmp_path: Path, expect: str) -> None:
    """With the stand-in address the flow is allowed; the intent is neither met nor not met: an
    `intents.unknown` finding names the address, whatever the intent expects (met silently, or
    not met, would be a guess)."""
    path = _plan(tmp_path, _web_address_unknown(estate()))
    blueprint = crossfence.load(path, [_overlay(tmp_path, expect)])
    report = run_checks(blueprint)
    found = [f for f in report.findings if f.check.id.startswith("intents.")]
    assert [f.check.id for f in found] == ["intents.unknown"]
    assert [u.address for u in found[0].unknowns] == [WEB_IP]
    assert "unknown until apply (with the stand-ins it is allowed" in found[0].message
    assert found[0].depends_on == f"depends on 1 value known after apply: {WEB_IP}"


def test_an_intent_with_everything_known_is_decided(tmp_path: Path) -> None:
    path = _plan(tmp_path, estate())
    met = run_checks(crossfence.load(path, [_overlay(tmp_path, "allowed")]))
    assert [f for f in met.findings if f.check.id.startswith("intents.")] == []
    broken = run_checks(crossfence.load(path, [_overlay(tmp_path, "denied")]))
    found = [f for f in broken.findings if f.check.id.startswith("intents.")]
    assert [(f.check.id, f.unknowns) for f in found] == [("intents.not-met", ())]


def test_check_reports_an_unknown_intent_in_every_format(tmp_path: Path) -> None:
    """Text says `unknown:` and names the address; JSON (valid against `crossfence schema
    check`) carries `unknowns`; SARIF adds it to the message and `properties.unknowns`;
    Markdown to the finding's cell; JUnit to the failure's text. The finding counts for `--fail-on` (exit 1)."""
    path = _plan(tmp_path, _web_address_unknown(estate()))
    args = ["check", str(path), "--overlay", str(_overlay(tmp_path))]
    text = runner.invoke(app, args)
    assert text.exit_code == 1, text.output
    assert "unknown: depends on 1 value known after apply: " in text.stdout
    assert WEB_IP in text.stdout

    result = runner.invoke(app, [*args, "--format", "json"])
    document = json.loads(result.stdout)
    Draft202012Validator(output_schema("check")).validate(document)
    (finding,) = [f for f in document["findings"] if f["check"] == "intents.unknown"]
    assert [u["address"] for u in finding["unknowns"]] == [WEB_IP]
    assert finding["unknowns"][0]["stand_in"] == "10.0.0.254"

    sarif = json.loads(runner.invoke(app, [*args, "--format", "sarif"]).stdout)
    (result_,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "intents.unknown"]
    assert result_["message"]["text"].endswith(
        f"Unknown: it depends on 1 value known after apply: {WEB_IP}."
    )
    assert [u["address"] for u in result_["properties"]["unknowns"]] == [WEB_IP]

    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "— **unknown**: depends on 1 value known after apply: " in markdown

    junit = runner.invoke(app, [*args, "--format", "junit"]).stdout
    assert "unknown: depends on 1 value known after apply: " in junit


# --- a firewall rule whose lists are known after apply ----------------------------------------


def _rule(tmp_path: Path, **unknown: object) -> tuple[Path, crossfence.Blueprint]:
    path = _plan(tmp_path, _rule_unknown(estate(), **unknown))
    return path, crossfence.load(path)


def test_an_allow_rule_whose_sources_are_unknown_allows_nothing_yet(tmp_path: Path) -> None:
    """An ingress rule with no source is 0.0.0.0/0 on GCP (hashicorp/terraform-provider-google
    #6789; https://cloud.google.com/vpc/docs/firewalls): reading the unknown `source_ranges` as
    empty would open SSH to the internet. The allow rule is read as disabled (it allows nothing),
    the value recorded with that stand-in, and every answer about the network's endpoints is
    unknown."""
    path, blueprint = _rule(tmp_path, source_ranges=True)
    rule = blueprint.networks[0].firewall_rules[0]
    assert (rule.disabled, rule.source_ranges) == (True, ())
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [(RANGES, "disabled: true")]
    args = ["reach", str(path), "--from", "203.0.113.9", "--to", "web", "--port", "tcp/22"]
    document = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert (document["verdict"], document["assumed"]) == ("unknown", "denied")


def test_an_allow_rule_keeps_its_known_sources(tmp_path: Path) -> None:
    """One entry of `source_ranges` known, one not (`after_unknown` `[false, true]`): the rule
    keeps the known one (it allows no more than it will), recorded as left out."""
    resources = estate()
    resources[3].values["source_ranges"] = ["35.235.240.0/20", None]
    _, blueprint = _rule_from(tmp_path, resources, source_ranges=[False, True])
    rule = blueprint.networks[0].firewall_rules[0]
    assert (rule.disabled, rule.source_ranges) == (False, ("35.235.240.0/20",))
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [(RANGES, None)]


def _rule_from(
    tmp_path: Path, resources: list[R], **unknown: object
) -> tuple[Path, crossfence.Blueprint]:
    path = _plan(tmp_path, _rule_unknown(resources, **unknown))
    return path, crossfence.load(path)


def test_an_allow_rule_whose_targets_are_unknown_allows_nothing_yet(tmp_path: Path) -> None:
    """ "If neither targetServiceAccounts nor targetTags are specified, the firewall rule applies
    to all instances on the specified network"
    (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls): unknown `target_tags`
    read as empty would apply the rule to every VM. Disabled instead."""
    _, blueprint = _rule(tmp_path, target_tags=True)
    rule = blueprint.networks[0].firewall_rules[0]
    assert (rule.disabled, rule.target_tags) == (True, ())
    assert [u.address for u in blueprint.unknowns] == [f"{RULE}.target_tags"]


def test_an_allow_rule_whose_ports_are_unknown_allows_nothing_yet(tmp_path: Path) -> None:
    """An `allow` block without its ports would allow every port of the protocol
    (https://cloud.google.com/compute/docs/reference/rest/v1/firewalls, `allowed[].ports`: "If
    not specified, this rule applies to connections through any port")."""
    resources = estate()
    resources[3].values["allow"] = [{"protocol": "tcp"}]
    _, blueprint = _rule_from(tmp_path, resources, allow=[{"ports": True}])
    rule = blueprint.networks[0].firewall_rules[0]
    assert rule.disabled is True
    assert [u.address for u in blueprint.unknowns] == [f"{RULE}.allow[0].ports"]


def test_a_deny_rule_whose_sources_are_unknown_denies_from_anywhere(tmp_path: Path) -> None:
    """A deny rule is read so that it denies most: every source (its known entries dropped with
    the unknown ones), recorded with the stand-in `[]`."""
    resources = estate()
    rule = resources[3]
    rule.values.update(
        allow=[], deny=[{"protocol": "tcp", "ports": ["22"]}], source_ranges=["10.9.0.0/16", None]
    )
    _, blueprint = _rule_from(tmp_path, resources, source_ranges=[False, True])
    read = blueprint.networks[0].firewall_rules[0]
    assert (read.action, read.disabled, read.source_ranges) == ("deny", False, ())
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [(RANGES, "[]")]


def test_no_finding_is_certain_on_a_rule_known_after_apply(tmp_path: Path) -> None:
    """A check's finding whose flow involves the rule's network is marked unknown."""
    path, _ = _rule(tmp_path, source_ranges=True)
    overlay = _overlay(tmp_path, "allowed")
    report = run_checks(crossfence.load(path, [overlay]))
    assert report.findings, "the intent must be reported"
    assert all(f.unknowns for f in report.findings if f.flows)
    assert [f.check.id for f in report.findings if f.check.id.startswith("intents.")] == [
        "intents.unknown"
    ]


# --- a NAT's addresses ------------------------------------------------------------------------


def _nat(resources: list[R]) -> list[R]:
    """A Cloud NAT whose `nat_ips` are the self_links of addresses the plan creates: known after
    apply (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_router_nat#nat_ips)."""
    router = R(
        "google_compute_router.hub",
        {"name": "hub-router", "project": "p1", "region": "europe-west1", "network": NET_LINK},
    )
    nat = R(
        "google_compute_router_nat.hub",
        {
            "name": "hub-nat",
            "project": "p1",
            "region": "europe-west1",
            "router": "hub-router",
            "nat_ip_allocate_option": "MANUAL_ONLY",
            "source_subnetwork_ip_ranges_to_nat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
        },
        unknown={"nat_ips": True},
        action=["create"],
    )
    return [*resources, router, nat]


NET_LINK = "https://www.googleapis.com/compute/v1/projects/p1/global/networks/hub"


def test_a_finding_from_a_network_with_nat_addresses_known_after_apply_says_so(
    tmp_path: Path,
) -> None:
    """The NAT's addresses decide what the internet sees of the network's VMs: a flow that
    leaves the network depends on them, and an intent on it is unknown."""
    path = _plan(tmp_path, _nat(estate()))
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "intents:\n  - {name: web-out, source: web, destination: 203.0.113.9, port: tcp/443,"
        " expect: denied}\n"
    )
    blueprint = crossfence.load(path, [overlay])
    assert [u.address for u in blueprint.unknowns] == ["google_compute_router_nat.hub.nat_ips"]
    report = run_checks(blueprint)
    found = [f for f in report.findings if f.check.id.startswith("intents.")]
    assert [f.check.id for f in found] == ["intents.unknown"]
    assert [u.address for u in found[0].unknowns] == ["google_compute_router_nat.hub.nat_ips"]


# --- diff -------------------------------------------------------------------------------------


def test_diff_does_not_call_an_unknown_flow_opened_or_closed(tmp_path: Path) -> None:
    """State: SSH open to the internet. Plan: the rule's `source_ranges` known after apply. With
    the stand-in (the rule disabled) the flow would be closed; the diff lists it as unknown
    instead, with the address, removes nothing, keeps the old finding as "may still hold", and
    exits 1 (what the plan allows is not known)."""
    state = _public(estate())
    state[3].values["source_ranges"] = ["0.0.0.0/0"]
    old = write(tmp_path / "state.json", plan(state))
    new = _plan(tmp_path, _rule_unknown(_public(estate()), source_ranges=True), "plan.json")
    args = ["diff", str(old), str(new)]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    Draft202012Validator(output_schema("diff")).validate(document)
    assert [f for f in document["flows"] if f["removed"] or f["added"]] == []
    unknown = [f for f in document["flows"] if "unknowns" in f]
    assert [(f["from"], f["to"], f["after"]) for f in unknown] == [("internet", "web", [])]
    assert unknown[0]["unknowns"] == [RANGES]
    assert [(u["address"], u["side"], u["endpoints"]) for u in document["unknowns"]] == [
        (RANGES, "new", ["web"])
    ]
    assert document["findings"]["removed"] == []

    text = runner.invoke(app, args).stdout
    assert "? unknown internet → web  depends on " in text
    assert "- denied" not in text
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert "#### Known only after apply" in markdown
    assert "Newly denied" not in markdown


def test_diff_with_everything_known_is_unchanged(tmp_path: Path) -> None:
    state = _public(estate())
    state[3].values["source_ranges"] = ["0.0.0.0/0"]
    old = write(tmp_path / "state.json", plan(state))
    new = _plan(tmp_path, _public(estate()), "plan.json")
    document = json.loads(
        runner.invoke(app, ["diff", str(old), str(new), "--format", "json"]).stdout
    )
    assert "unknowns" not in document
    assert [(f["from"], f["to"], f["removed"]) for f in document["flows"]] == [
        ("internet", "web", ["TCP/22"])
    ]


# --- a network firewall policy rule -----------------------------------------------------------


def _policy(action: str, match: dict[str, object], unknown: dict[str, object]) -> list[R]:
    """A global network firewall policy associated with `hub`, and one rule of it whose `match`
    values in `unknown` are known after apply
    (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_network_firewall_policy_rule)."""
    link = "https://www.googleapis.com/compute/v1/projects/p1/global/firewallPolicies/pol"
    return [
        R(
            "google_compute_network_firewall_policy.p",
            {
                "name": "pol",
                "project": "p1",
                "self_link": link,
                "id": "projects/p1/global/firewallPolicies/pol",
            },
        ),
        R(
            "google_compute_network_firewall_policy_rule.r",
            {
                "firewall_policy": "pol",
                "project": "p1",
                "priority": 100,
                "direction": "INGRESS",
                "action": action,
                "match": [{"layer4_configs": [{"ip_protocol": "tcp", "ports": ["22"]}], **match}],
                "target_service_accounts": [],
                "disabled": False,
            },
            unknown={"match": [unknown]},
            action=["create"],
        ),
        R(
            "google_compute_network_firewall_policy_association.a",
            {"name": "a", "firewall_policy": "pol", "attachment_target": NET_LINK, "project": "p1"},
        ),
    ]


def test_a_policy_allow_rule_whose_sources_are_unknown_allows_nothing_yet(tmp_path: Path) -> None:
    """A policy rule without `src_ip_ranges` is read as any source: unknown ranges on an allow
    rule read as disabled, recorded, and reach about the network's endpoints is unknown."""
    resources = [*estate(), *_policy("allow", {}, {"src_ip_ranges": True})]
    path = _plan(tmp_path, resources)
    blueprint = crossfence.load(path)
    rule = blueprint.firewall_policies[0].rules[0]
    assert (rule.disabled, rule.source_ranges) == (True, ())
    assert [(u.address, u.stand_in) for u in blueprint.unknowns] == [
        ("google_compute_network_firewall_policy_rule.r.match[0].src_ip_ranges", "disabled: true")
    ]
    args = ["reach", str(path), "--from", "35.235.240.7", "--to", "web", "--port", "tcp/22"]
    document = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert document["verdict"] == "unknown"


def test_a_policy_deny_rule_with_an_unknown_source_denies_from_anywhere(tmp_path: Path) -> None:
    resources = [
        *estate(),
        *_policy(
            "deny", {"src_ip_ranges": ["10.9.0.0/16", None]}, {"src_ip_ranges": [False, True]}
        ),
    ]
    blueprint = crossfence.load(_plan(tmp_path, resources))
    rule = blueprint.firewall_policies[0].rules[0]
    assert (rule.action, rule.disabled, rule.source_ranges) == ("deny", False, ())
    assert [u.stand_in for u in blueprint.unknowns] == ["[]"]


def test_a_check_finding_on_an_ephemeral_address_is_marked_unknown(tmp_path: Path) -> None:
    """`web` holds personal data and gets an ephemeral external address (`access_config` without
    `nat_ip`: allocated at apply,
    https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance#nat_ip),
    the firewall opens SSH to 0.0.0.0/0: the finding that the internet reaches it stands with
    the stand-in address, and says it depends on the address."""
    resources = estate()
    resources[2].values["network_interface"][0]["access_config"] = [{"network_tier": "PREMIUM"}]
    resources[2].unknown = {"network_interface": [{"access_config": [{"nat_ip": True}]}]}
    resources[2].action = ["create"]
    resources[3].values["source_ranges"] = ["0.0.0.0/0"]
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("workloads:\n  - {name: web, personal_data: stores}\n")
    report = run_checks(crossfence.load(_plan(tmp_path, resources), [overlay]))
    found = [f for f in report.findings if f.check.id == "zerotrust.internet-to-personal-data"]
    assert len(found) == 1, [f.check.id for f in report.findings]
    assert [u.address for u in found[0].unknowns] == [
        'google_compute_instance.vm["web"].network_interface[0].access_config[0].nat_ip'
    ]
