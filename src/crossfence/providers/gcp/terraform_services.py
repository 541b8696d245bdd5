"""The `google` provider's firewall policies, Cloud DNS, keys, buckets, organisation policies and VPC Service Controls read into the blueprint."""

from __future__ import annotations

import ipaddress
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.values import UNKNOWN, at, blocks, one

__all__ = ["FIREWALL_POLICIES", "MAPPINGS", "finish_dns", "finish_policies", "rfc1918"]

DOCS = "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/"
_POLICY_TYPES = (
    "google_compute_network_firewall_policy",
    "google_compute_region_network_firewall_policy",
    "google_compute_firewall_policy",
)
_RFC1918 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def rfc1918(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return any(ip in network for network in _RFC1918)


# --- firewall policies ------------------------------------------------------------------------------
def _policy(resource: Resource, b: Builder) -> None:
    from .terraform import region_of

    kind = {
        "google_compute_network_firewall_policy": "network",
        "google_compute_region_network_firewall_policy": "regional",
        "google_compute_firewall_policy": "hierarchical",
    }[resource.type]
    name = b.text(resource, "short_name") or b.text(resource, "name")
    policy: dict[str, Any] = {
        "name": b.name(resource, name, "firewall_policies"),
        "cloud": b.cloud(resource),
        "kind": kind,
    }
    if kind == "regional":
        region = region_of(resource)
        if region:
            policy["region"] = region
    b.add("firewall_policies", policy, resource, {"networks": "(associations)", "rules": "(rules)"})


def _policy_of(b: Builder, resource: Resource) -> dict[str, Any] | None:
    found = b.ref(resource, ("firewall_policy",), _POLICY_TYPES)
    return b.object_of(found, "firewall_policies")


def _policy_rule(resource: Resource, b: Builder) -> None:
    from .terraform import gcp_ports

    policy = _policy_of(b, resource)
    if policy is None:
        return
    match = one(resource.values, "match")
    action = str(at(resource.values, "action") or "")
    # values known after apply: read so that the rule allows least (see `_policy_unknowns`)
    unknown: list[tuple[str, tuple[str | int, ...]]] = []
    if at(resource.values, "match") is UNKNOWN:
        unknown.append(("source_ranges", ("match",)))
    ports: list[str] = []
    for index, l4 in blocks(match, "layer4_configs"):
        protocol, l4_ports = l4.get("ip_protocol"), l4.get("ports")
        if protocol is UNKNOWN:
            unknown.append(("ports", ("match", 0, "layer4_configs", index, "ip_protocol")))
            ports.append("all")
        elif l4_ports is UNKNOWN or (isinstance(l4_ports, list) and UNKNOWN in l4_ports):
            unknown.append(("ports", ("match", 0, "layer4_configs", index, "ports")))
            ports += gcp_ports(protocol, None)
        else:
            ports += gcp_ports(protocol, l4_ports)
    if match.get("layer4_configs") is UNKNOWN:
        unknown.append(("ports", ("match", 0, "layer4_configs")))
        ports.append("all")
    if action not in ("allow", "deny", "goto_next"):
        b.warn(
            resource,
            "action",
            f"is {action!r}, which crossfence does not model: the rule is left out",
        )
        return
    rule: dict[str, Any] = {
        "priority": at(resource.values, "priority"),
        "direction": str(at(resource.values, "direction") or "INGRESS").lower(),
        "action": action,
    }
    if ports:
        rule["ports"] = ports
    for source, field in (
        ("src_ip_ranges", "source_ranges"),
        ("dest_ip_ranges", "destination_ranges"),
    ):
        ranges = match.get(source) if type(match) is dict else None
        if _has_unknown(ranges):
            unknown.append((field, ("match", 0, source)))
        known = [r for r in ranges if isinstance(r, str)] if isinstance(ranges, list) else []
        if known:
            rule[field] = known
    accounts = at(resource.values, "target_service_accounts")
    if _has_unknown(accounts):
        unknown.append(("target_service_accounts", ("target_service_accounts",)))
    known = [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []
    if known:
        rule["target_service_accounts"] = known
    for key in ("description", "disabled"):
        value = at(resource.values, key)
        if value is UNKNOWN:
            unknown.append(("disabled", ("disabled",)))
        elif value not in (None, "", False):
            rule[key] = value
    _policy_unknowns(resource, b, rule, unknown)
    b.child(
        policy,
        "rules",
        rule,
        resource,
        {
            "ports": "match.layer4_configs",
            "source_ranges": "match.src_ip_ranges",
            "destination_ranges": "match.dest_ip_ranges",
        },
    )


def _has_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, list) and UNKNOWN in value)


def _policy_unknowns(
    resource: Resource,
    b: Builder,
    rule: dict[str, Any],
    unknown: list[tuple[str, tuple[str | int, ...]]],
) -> None:
    """A firewall policy rule with a value known only after apply, read so that it allows least,
    as a VPC rule is (`terraform._firewall_unknowns`): the model reads an empty `source_ranges`,
    `destination_ranges` or `target_service_accounts` as *any* and empty `ports` as every port
    (`FirewallPolicyRule`), so leaving an unknown entry out could widen the rule. A `deny` rule drops
    the known entries of a list with an unknown one (it denies from any source, to any
    destination, on every instance) and widens unknown ports to the protocol's; an `allow` or
    `goto_next` rule keeps them and is read as disabled when nothing known is left of the list
    (or its ports, protocol or `disabled` are unknown). Every value is recorded: a policy's
    concerns every endpoint (`crossfence.estate.unknown_endpoints`)."""
    if not unknown:
        return
    deny = rule["action"] == "deny"
    disable = False
    for field, _ in unknown:
        if field in ("ports", "disabled"):
            disable = disable or not deny
        elif deny:
            rule.pop(field, None)
        elif not rule.get(field):
            disable = True
    if disable:
        rule["disabled"] = True
    for field, attribute in unknown:
        stand_in = "disabled: true" if disable else "[]" if deny else None
        if field == "ports" and deny:
            stand_in = ", ".join(rule.get("ports", ["all"]))
        if field == "disabled" and deny:
            stand_in = "false"
        b.unknown(rule, (field,), resource, attribute, stand_in)


def _association(resource: Resource, b: Builder) -> None:
    policy = _policy_of(b, resource)
    if policy is None:
        return
    policy["_associated"] = True
    if policy["kind"] == "hierarchical":
        return
    network = b.object_of(
        b.ref(resource, ("attachment_target",), ("google_compute_network",)), "networks"
    )
    if network is not None and network["name"] not in policy.setdefault("networks", []):
        policy["networks"].append(network["name"])


def finish_policies(b: Builder) -> None:
    """A policy associated with nothing applies to nothing: it is left out, with a warning."""
    kept = []
    for policy in b.sections.get("firewall_policies", []):
        origin = b.origins.get(id(policy))
        if policy.pop("_associated", False) or origin is None:
            kept.append(policy)
            continue
        b.warn(
            origin.resource,
            "",
            "is associated with no network, folder or organisation: it applies to nothing",
        )
    if "firewall_policies" in b.sections:
        b.sections["firewall_policies"] = kept


_RULE_UNMODELLED = (
    Unmodelled("match.src_secure_tags", "secure tags select sources"),
    Unmodelled("target_secure_tags", "secure tags select targets"),
    Unmodelled("match.src_fqdns", "FQDN objects"),
    Unmodelled("match.dest_fqdns", "FQDN objects"),
    Unmodelled("match.src_region_codes", "geolocation objects"),
    Unmodelled("match.dest_region_codes", "geolocation objects"),
    Unmodelled("match.src_threat_intelligences", "threat intelligence lists"),
    Unmodelled("match.dest_threat_intelligences", "threat intelligence lists"),
    Unmodelled("match.src_address_groups", "address groups"),
    Unmodelled("match.dest_address_groups", "address groups"),
    Unmodelled("target_resources", "a hierarchical rule for some networks only"),
    Unmodelled("tls_inspect", "TLS inspection", False),
)


def _rule_mapping(kind: str, docs: str) -> ResourceMapping:
    return ResourceMapping(
        kind,
        "firewall_policies[].rules[]",
        _policy_rule,
        reads=(
            "firewall_policy",
            "priority",
            "direction",
            "action",
            "match.layer4_configs",
            "match.src_ip_ranges",
            "match.dest_ip_ranges",
            "target_service_accounts",
            "description",
            "disabled",
        ),
        ignored={"enable_logging": "logging", "rule_name": "a label"},
        unmodelled=_RULE_UNMODELLED,
        phase=3,
        docs=DOCS + docs,
    )


def _association_mapping(kind: str, docs: str) -> ResourceMapping:
    return ResourceMapping(
        kind,
        "firewall_policies[].networks[]",
        _association,
        reads=("firewall_policy", "attachment_target"),
        phase=3,
        docs=DOCS + docs,
    )


FIREWALL_POLICIES: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "google_compute_network_firewall_policy",
        "firewall_policies[] (kind network)",
        _policy,
        reads=("name",),
        phase=2,
        docs=DOCS + "compute_network_firewall_policy",
    ),
    _rule_mapping(
        "google_compute_network_firewall_policy_rule", "compute_network_firewall_policy_rule"
    ),
    _association_mapping(
        "google_compute_network_firewall_policy_association",
        "compute_network_firewall_policy_association",
    ),
    ResourceMapping(
        "google_compute_region_network_firewall_policy",
        "firewall_policies[] (kind regional)",
        _policy,
        reads=("name", "region"),
        phase=2,
        docs=DOCS + "compute_region_network_firewall_policy",
    ),
    _rule_mapping(
        "google_compute_region_network_firewall_policy_rule",
        "compute_region_network_firewall_policy_rule",
    ),
    _association_mapping(
        "google_compute_region_network_firewall_policy_association",
        "compute_region_network_firewall_policy_association",
    ),
    ResourceMapping(
        "google_compute_firewall_policy",
        "firewall_policies[] (kind hierarchical)",
        _policy,
        reads=("short_name",),
        ignored={"parent": "the organisation or folder: the association says where it applies"},
        phase=2,
        docs=DOCS + "compute_firewall_policy",
    ),
    _rule_mapping("google_compute_firewall_policy_rule", "compute_firewall_policy_rule"),
    _association_mapping(
        "google_compute_firewall_policy_association", "compute_firewall_policy_association"
    ),
)


# --- Cloud DNS ----------------------------------------------------------------------------------------
def _networks(b: Builder, resource: Resource, block: str) -> list[str]:
    out = []
    for index, entry in blocks(one(resource.values, block), "networks"):
        found = b.ref(
            resource,
            (block, 0, "networks", index, "network_url"),
            ("google_compute_network",),
            value=entry.get("network_url"),
        )
        network = b.object_of(found, "networks")
        if network is not None:
            out.append(network["name"])
    return out


def _zone(resource: Resource, b: Builder) -> None:
    zone: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "dns_zones"),
        "cloud": b.cloud(resource),
        "domain": b.text(resource, "dns_name"),
    }
    targets = []
    for _, target in blocks(one(resource.values, "forwarding_config"), "target_name_servers"):
        address = target.get("ipv4_address")
        if not isinstance(address, str):
            continue
        path = str(target.get("forwarding_path") or "default")
        # standard routing sends to an RFC 1918 target through the VPC, from 35.199.192.0/19, as
        # private routing does (https://cloud.google.com/dns/docs/zones/zones-overview#forwarding-targets)
        targets.append(
            {
                "address": address,
                "forwarding_path": "private"
                if path == "private" or rfc1918(address)
                else "default",
            }
        )
    if targets:
        zone["kind"] = "forwarding"
        zone["forwarding_targets"] = targets
    elif at(resource.values, "peering_config"):
        zone["kind"] = "peering"
    elif b.text(resource, "visibility") == "private":
        zone["kind"] = "private"
    else:
        zone["kind"] = "public"
    networks = _networks(b, resource, "private_visibility_config")
    if networks:
        zone["networks"] = networks
    b.add(
        "dns_zones",
        zone,
        resource,
        {
            "domain": "dns_name",
            "forwarding_targets": "forwarding_config.target_name_servers",
            "networks": "private_visibility_config.networks",
        },
    )
    b.state.setdefault("gcp-dns-targets", []).append(zone)


def finish_dns(b: Builder) -> None:
    """A forwarding target at a workload's address names that workload."""
    by_address = {
        a: w["name"]
        for w in b.sections.get("workloads", [])
        for a in (w.get("addresses") or [])
        if isinstance(a, str)
    }
    for zone in b.state.get("gcp-dns-targets", []):
        for target in zone.get("forwarding_targets") or []:
            if target["address"] in by_address:
                target["workload"] = by_address[target["address"]]


def _dns_policy(resource: Resource, b: Builder) -> None:
    networks: list[str] = []
    for index, entry in blocks(resource.values, "networks"):
        found = b.ref(
            resource,
            ("networks", index, "network_url"),
            ("google_compute_network",),
            value=entry.get("network_url"),
        )
        network_object = b.object_of(found, "networks")
        if network_object is not None:
            networks.append(network_object["name"])
    for position, network in enumerate(networks):
        policy = {
            "name": b.name(
                resource,
                b.text(resource, "name")
                if position == 0
                else f"{b.text(resource, 'name')}-{network}",
                "dns_server_policies",
            ),
            "network": network,
            "inbound_forwarding": at(resource.values, "enable_inbound_forwarding") is True,
        }
        b.add(
            "dns_server_policies",
            policy,
            resource,
            {"inbound_forwarding": "enable_inbound_forwarding", "network": "networks"},
        )


# --- keys, buckets, organisation policies, perimeters ------------------------------------------------
def _key(resource: Resource, b: Builder) -> None:
    b.add(
        "keys",
        {"name": b.name(resource, b.text(resource, "name"), "keys"), "kind": "customer_managed"},
        resource,
        {"kind": "purpose"},
    )


def _bucket(resource: Resource, b: Builder) -> None:
    bucket: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "buckets"),
        "cloud": b.cloud(resource),
        "location": str(b.text(resource, "location") or "").lower() or "unknown",
    }
    key = b.ref(resource, ("encryption", 0, "default_kms_key_name"), ("google_kms_crypto_key",))
    key_object = b.object_of(key, "keys")
    if key_object is not None:
        bucket["encryption_key"] = key_object["name"]
        key_object.setdefault("protects", []).append(bucket["name"])
    b.add("buckets", bucket, resource, {"encryption_key": "encryption.default_kms_key_name"})


def _org_policy(resource: Resource, b: Builder) -> None:
    if resource.type == "google_org_policy_policy":
        name = b.text(resource, "name") or ""
        constraint = name.rsplit("/policies/", 1)[-1]
        spec = one(resource.values, "spec")
        allowed: list[str] = []
        denied: list[str] = []
        enforce: bool | None = None
        for _, rule in blocks(spec, "rules"):
            values = one(rule, "values")
            allowed += [v for v in at(values, "allowed_values") or [] if isinstance(v, str)]
            denied += [v for v in at(values, "denied_values") or [] if isinstance(v, str)]
            if rule.get("enforce") in ("TRUE", True):
                enforce = True
            elif rule.get("enforce") in ("FALSE", False):
                enforce = False
        fields = {
            "allowed_values": "spec.rules.values.allowed_values",
            "denied_values": "spec.rules.values.denied_values",
        }
    else:
        constraint = str(b.text(resource, "constraint") or "").removeprefix("constraints/")
        allowed = [
            v
            for v in at(resource.values, "list_policy", "allow", "values") or []
            if isinstance(v, str)
        ]
        denied = [
            v
            for v in at(resource.values, "list_policy", "deny", "values") or []
            if isinstance(v, str)
        ]
        enforced = at(resource.values, "boolean_policy", "enforced")
        enforce = enforced if isinstance(enforced, bool) else None
        fields = {
            "allowed_values": "list_policy.allow.values",
            "denied_values": "list_policy.deny.values",
        }
    policy: dict[str, Any] = {
        "name": b.name(resource, None, "org_policies"),
        "cloud": b.cloud(resource),
        "constraint": constraint,
    }
    if allowed:
        policy["allowed_values"] = allowed
    if denied:
        policy["denied_values"] = denied
    if enforce is not None and not allowed and not denied:
        policy["policy_kind"] = "boolean"
        policy["enforce"] = enforce
    b.add("org_policies", policy, resource, {"constraint": "constraint", **fields})


def _perimeter(resource: Resource, b: Builder) -> None:
    status = one(resource.values, "status")
    services = [s for s in at(status, "restricted_services") or [] if isinstance(s, str)]
    ranges: list[str] = []
    for index, level in enumerate(at(status, "access_levels") or []):
        found = b.ref(
            resource,
            ("status", 0, "access_levels", index),
            ("google_access_context_manager_access_level",),
            value=level,
        )
        if found is None:
            continue
        for _, condition in blocks(one(found.values, "basic"), "conditions"):
            ranges += [r for r in condition.get("ip_subnetworks") or [] if isinstance(r, str)]
    perimeter: dict[str, Any] = {
        "name": b.name(
            resource,
            b.text(resource, "title") or (b.text(resource, "name") or "").rsplit("/", 1)[-1],
            "service_perimeters",
        ),
        "cloud": b.cloud(resource),
    }
    if services:
        perimeter["restricted_services"] = services
    if ranges:
        perimeter["access_ranges"] = ranges
    b.add(
        "service_perimeters",
        perimeter,
        resource,
        {
            "restricted_services": "status.restricted_services",
            "access_ranges": "status.access_levels",
        },
    )


MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "google_dns_managed_zone",
        "dns_zones[]",
        _zone,
        reads=(
            "name",
            "dns_name",
            "visibility",
            "private_visibility_config.networks",
            "forwarding_config.target_name_servers",
            "peering_config",
        ),
        ignored={"dnssec_config": "signing", "labels": "metadata"},
        phase=7,
        docs=DOCS + "dns_managed_zone",
    ),
    ResourceMapping(
        "google_dns_policy",
        "dns_server_policies[] (one per network)",
        _dns_policy,
        reads=("name", "enable_inbound_forwarding", "networks"),
        ignored={"enable_logging": "logging"},
        unmodelled=(
            Unmodelled(
                "alternative_name_server_config", "outbound forwarding to alternative name servers"
            ),
        ),
        phase=7,
        docs=DOCS + "dns_policy",
    ),
    ResourceMapping(
        "google_kms_crypto_key",
        "keys[] (kind customer_managed; `held_by` from the overlay)",
        _key,
        reads=("name",),
        ignored={"rotation_period": "key lifecycle", "key_ring": "its location"},
        phase=1,
        docs=DOCS + "kms_crypto_key",
    ),
    ResourceMapping(
        "google_storage_bucket",
        "buckets[]",
        _bucket,
        reads=("name", "location", "encryption.default_kms_key_name"),
        ignored={
            "versioning": "retention",
            "lifecycle_rule": "retention",
            "uniform_bucket_level_access": "IAM",
        },
        phase=7,
        docs=DOCS + "storage_bucket",
    ),
    ResourceMapping(
        "google_org_policy_policy",
        "org_policies[]",
        _org_policy,
        reads=("name", "spec.rules.values", "spec.rules.enforce"),
        phase=7,
        docs=DOCS + "org_policy_policy",
    ),
    ResourceMapping(
        "google_project_organization_policy",
        "org_policies[]",
        _org_policy,
        reads=("constraint", "list_policy", "boolean_policy"),
        phase=7,
        docs=DOCS + "project_organization_policy",
    ),
    ResourceMapping(
        "google_access_context_manager_service_perimeter",
        "service_perimeters[]",
        _perimeter,
        reads=("name", "title", "status.restricted_services", "status.access_levels"),
        unmodelled=(
            Unmodelled(
                "status.ingress_policies", "ingress rules admit other identities and sources"
            ),
        ),
        phase=7,
        docs=DOCS + "access_context_manager_service_perimeter",
    ),
    companion(
        "google_access_context_manager_access_level",
        "the perimeter: its client ranges",
        ("basic.conditions.ip_subnetworks",),
        DOCS + "access_context_manager_access_level",
    ),
)
