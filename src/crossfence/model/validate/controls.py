"""Controls and intents: keys, buckets, perimeters, DLP paths, backups, credentials, Vault roles, intents."""

from __future__ import annotations

import ipaddress

from .base import RESERVED_ENDPOINTS, Validator, did_you_mean

__all__ = ["check"]


def check(v: Validator) -> None:
    bp = v.bp
    workload = ("workloads",)
    for key in bp.keys:
        v.ref(key, ("held_by",), key.held_by, workload, "workload")
        for i, name in enumerate(key.protects):
            v.ref(key, ("protects", i), name, ("buckets",), "bucket")
    for bucket in bp.buckets:
        v.ref(bucket, ("cloud",), bucket.cloud, ("clouds",), "cloud")
        v.ref(bucket, ("encryption_key",), bucket.encryption_key, ("keys",), "key")
        v.ref(bucket, ("reached_via",), bucket.reached_via, workload, "workload")
    for perimeter in bp.service_perimeters:
        v.ref(perimeter, ("cloud",), perimeter.cloud, ("clouds",), "cloud")
    for dlp in bp.dlp_paths:
        v.ref(dlp, ("client",), dlp.client, workload, "workload")
        v.ref(dlp, ("api",), dlp.api, workload, "workload")
        v.ref(
            dlp,
            ("service_perimeter",),
            dlp.service_perimeter,
            ("service_perimeters",),
            "service perimeter",
        )
    for backup in bp.backups:
        v.ref(backup, ("agent",), backup.agent, workload, "workload")
        v.ref(backup, ("source",), backup.source, workload, "workload")
        v.ref(backup, ("destination",), backup.destination, ("buckets",), "bucket")
        v.ref(backup, ("via",), backup.via, workload, "workload")
        v.ref(backup, ("encryption_key",), backup.encryption_key, ("keys",), "key")
    for credential in bp.credentials:
        v.ref(credential, ("cloud",), credential.cloud, ("clouds",), "cloud")
        v.ref(credential, ("vault",), credential.vault, workload, "workload")
    for role in bp.vault_roles:
        v.ref(role, ("vault",), role.vault, workload, "workload")
        for i, name in enumerate(role.credentials):
            v.ref(role, ("credentials", i), name, ("credentials",), "credential")
        for i, binding in enumerate(role.bindings):
            v.ref(role, ("bindings", i, "cluster"), binding.cluster, ("clusters",), "cluster")
    for intent in bp.intents:
        for field in ("source", "destination"):
            value = getattr(intent, field)
            if value in RESERVED_ENDPOINTS or value in v.endpoints:
                continue
            try:
                ipaddress.ip_address(value)
            except ValueError:
                options = list(v.endpoints)
                v.report.add(
                    intent,
                    (field,),
                    f"unknown endpoint '{value}' (expected a workload, a load balancer, 'internet' or an IP address{did_you_mean(value, options)})",
                    "unknown-reference",
                )
