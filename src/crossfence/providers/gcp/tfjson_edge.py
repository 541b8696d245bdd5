"""The GCP external HTTPS load balancer as Terraform JSON: forwarding rule, HTTPS proxy, URL map, backend service with IAP and Cloud Armor, internet NEG; and Cloud Storage buckets.

Resource and attribute names are `hashicorp/google`'s; the chain is Google's global external
Application Load Balancer with an internet NEG backend
(https://cloud.google.com/load-balancing/docs/https/setup-global-ext-https-external-backend).
The load balancer's address and the TLS certificate are Google's or the user's: the certificate
is a variable, the address an output of the reserved global address. Not offered by
`crossfence compile` yet.
"""

from __future__ import annotations

from typing import Any

from ...model import Key, LoadBalancer
from .tfjson_base import Writer, label, ref

__all__ = ["buckets", "load_balancers"]

ARMOR_RANGES_PER_RULE = 10
"""A Cloud Armor basic match (`versioned_expr = SRC_IPS_V1`) takes at most 10 ranges
(https://cloud.google.com/armor/docs/security-policy-overview#ip-address-lists)."""


def load_balancers(writer: Writer) -> None:
    for lb in writer.blueprint.load_balancers:
        if lb.cloud in writer.clouds and lb.kind == "gcp_external_https":
            _load_balancer(writer, lb)


def _neg(writer: Writer, lb: LoadBalancer, index: int) -> str | None:
    """An internet NEG with one endpoint: the target's public address and port."""
    backend = lb.backends[index]
    path = f"load_balancers[{lb.name}].backends[{index}]"
    target_lb = writer.blueprint.get("load_balancers", backend.target)
    target_workload = writer.blueprint.get("workloads", backend.target)
    address = (
        target_lb.address
        if target_lb is not None
        else target_workload.public_address
        if target_workload is not None
        else None
    )
    if backend.kind != "internet_neg" or address is None:
        writer.problem(
            lb,
            path,
            f"backend '{backend.target}' of '{lb.name}' is not an internet NEG to a public "
            "address: instance groups and serverless backends are not compiled (expected an "
            "internet_neg to a load balancer or a workload with a public_address)",
        )
        return None
    name = f"{lb.name}-{backend.target}-neg"
    writer.add(
        "google_compute_global_network_endpoint_group",
        label(name),
        {
            "name": writer.name(lb, "network endpoint group", name, path),
            "network_endpoint_type": "INTERNET_IP_PORT",
            "default_port": backend.port,
        },
    )
    writer.add(
        "google_compute_global_network_endpoint",
        label(name),
        {
            "global_network_endpoint_group": ref(
                "google_compute_global_network_endpoint_group", name, "name"
            ),
            "ip_address": address,
            "port": backend.port,
        },
    )
    return ref("google_compute_global_network_endpoint_group", name, "id")


def _armor(writer: Writer, lb: LoadBalancer) -> str | None:
    policy = lb.security_policy
    if policy is None:
        return None
    rules: list[dict[str, Any]] = []
    ranges = list(policy.denied_ranges)
    for index in range(0, len(ranges), ARMOR_RANGES_PER_RULE):
        rules.append(
            {
                "action": "deny(403)",
                "priority": 1000 + index // ARMOR_RANGES_PER_RULE,
                "match": [
                    {
                        "versioned_expr": "SRC_IPS_V1",
                        "config": [
                            {"src_ip_ranges": ranges[index : index + ARMOR_RANGES_PER_RULE]}
                        ],
                    }
                ],
            }
        )
    # the default rule, priority 2147483647, matches every source
    rules.append(
        {
            "action": "allow" if policy.default_action == "allow" else "deny(403)",
            "priority": 2147483647,
            "match": [{"versioned_expr": "SRC_IPS_V1", "config": [{"src_ip_ranges": ["*"]}]}],
        }
    )
    writer.add(
        "google_compute_security_policy",
        label(policy.name),
        {
            "name": writer.name(
                lb, "security policy", policy.name, f"load_balancers[{lb.name}].security_policy"
            ),
            "rule": rules,
        },
    )
    return ref("google_compute_security_policy", policy.name, "id")


def _load_balancer(writer: Writer, lb: LoadBalancer) -> None:
    path = f"load_balancers[{lb.name}]"
    groups = [g for g in (_neg(writer, lb, i) for i in range(len(lb.backends))) if g]
    if len(groups) != len(lb.backends) or not groups:
        if not lb.backends:
            writer.problem(lb, path, f"'{lb.name}' has no backend (expected one)")
        return
    if lb.protocol != "https":
        writer.problem(
            lb,
            f"{path}.protocol",
            f"'{lb.name}' is {lb.protocol}: only the HTTPS frontend is compiled (expected https)",
        )
        return
    protocols = {b.protocol for b in lb.backends}
    if len(protocols) != 1:
        writer.problem(
            lb,
            f"{path}.backends",
            f"the backends of '{lb.name}' speak {sorted(protocols)}: one backend service has "
            "one protocol (expected the same protocol for every backend)",
        )
        return
    service: dict[str, Any] = {
        "name": writer.name(lb, "backend service", f"{lb.name}-backend", path),
        "protocol": protocols.pop().upper(),
        "load_balancing_scheme": "EXTERNAL_MANAGED",
        "enable_cdn": lb.cdn,
        "backend": [{"group": group} for group in groups],
    }
    if lb.iap is not None:
        service["iap"] = [{"enabled": lb.iap.enabled}]
    armor = _armor(writer, lb)
    if armor is not None:
        service["security_policy"] = armor
    backend = f"{lb.name}-backend"
    writer.add("google_compute_backend_service", label(backend), service)
    writer.add(
        "google_compute_url_map",
        label(lb.name),
        {
            "name": lb.name,
            "default_service": ref("google_compute_backend_service", backend, "id"),
        },
    )
    certificate = f"{label(lb.name).replace('-', '_')}_ssl_certificate"
    writer.variables[certificate] = {
        "type": "string",
        "description": f"The self link of the TLS certificate of load balancer {lb.name}",
    }
    writer.add(
        "google_compute_target_https_proxy",
        label(lb.name),
        {
            "name": f"{lb.name}-proxy",
            "url_map": ref("google_compute_url_map", lb.name, "id"),
            "ssl_certificates": [f"${{var.{certificate}}}"],
        },
    )
    # the address is Google's to assign: reserved here, read back as an output
    writer.add("google_compute_global_address", label(lb.name), {"name": f"{lb.name}-address"})
    writer.add(
        "google_compute_global_forwarding_rule",
        label(lb.name),
        {
            "name": lb.name,
            "target": ref("google_compute_target_https_proxy", lb.name, "id"),
            "port_range": str(lb.port),
            "load_balancing_scheme": "EXTERNAL_MANAGED",
            "ip_address": ref("google_compute_global_address", lb.name, "id"),
        },
    )


def _kms_key(writer: Writer, key: Key) -> str:
    """A reference to the key's `google_kms_crypto_key` in its `google_kms_key_ring`, written
    once, when the key protects buckets of this cloud only; otherwise (its KMS is not this
    cloud's alone) a variable for the key's id, as before.
    (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/kms_crypto_key)"""
    blueprint = writer.blueprint
    protected = [blueprint.get("buckets", n) for n in key.protects]
    clouds = {b.cloud if b is not None else None for b in protected}
    if len(clouds) != 1 or not clouds <= writer.clouds:
        variable = f"{label(key.name).replace('-', '_')}_kms_key"
        writer.variables[variable] = {
            "type": "string",
            "description": f"The Cloud KMS key id of key {key.name}",
        }
        return f"${{var.{variable}}}"
    if (
        "google_kms_crypto_key" not in writer.resources
        or label(key.name) not in writer.resources["google_kms_crypto_key"]
    ):
        # the blueprint does not say where the key ring is: the user's to supply (the KMS
        # locations: https://cloud.google.com/kms/docs/locations)
        location = f"{label(key.name).replace('-', '_')}_key_ring_location"
        writer.variables[location] = {
            "type": "string",
            "description": f"The Cloud KMS location of the key ring of key {key.name} (the "
            "blueprint does not hold it)",
        }
        writer.add(
            "google_kms_key_ring",
            label(key.name),
            {
                "name": key.name,
                "location": f"${{var.{location}}}",
            },
        )
        writer.add(
            "google_kms_crypto_key",
            label(key.name),
            {
                "name": key.name,
                "key_ring": ref("google_kms_key_ring", key.name, "id"),
                "purpose": "ENCRYPT_DECRYPT",
            },
        )
    return ref("google_kms_crypto_key", key.name, "id")


def buckets(writer: Writer) -> None:
    """Cloud Storage buckets; a customer-managed key is a variable (the KMS key is not in the
    blueprint), a customer-supplied key is sent with each request and is no bucket setting
    (https://cloud.google.com/storage/docs/encryption/customer-supplied-keys)."""
    blueprint = writer.blueprint
    for bucket in blueprint.buckets:
        if bucket.cloud not in writer.clouds:
            continue
        body: dict[str, Any] = {
            "name": bucket.name,
            "location": bucket.location.upper(),
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            # versions keep what a bad write or delete replaced; they open no path
            "versioning": [{"enabled": True}],
        }
        key = blueprint.get("keys", bucket.encryption_key) if bucket.encryption_key else None
        if key is not None and key.kind == "customer_managed":
            body["encryption"] = [{"default_kms_key_name": _kms_key(writer, key)}]
        elif key is not None and key.kind == "customer_supplied":
            writer.problem(
                bucket,
                f"buckets[{bucket.name}].encryption_key",
                f"bucket '{bucket.name}': its customer-supplied key '{key.name}' is sent with "
                "each request by the clients, not set on the bucket",
                warning=True,
            )
        writer.add("google_storage_bucket", label(bucket.name), body)
