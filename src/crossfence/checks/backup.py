"""Backup checks: snapshots of personal data encrypted before they leave, under a key kept at home."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "backup.plaintext-at-source",
    "high",
    "Backup not encrypted at the source",
    "A snapshot that leaves its source unencrypted crosses networks and lands in storage that "
    "other people operate as plaintext personal data.",
    "Encrypt the snapshot on the source with a key held in the required jurisdiction and never "
    "decrypt it on the way (`encrypted_at_source: true`, `encryption_key`).",
)
def plaintext(context: Context, check: Check) -> Iterator[Finding]:
    for backup in context.blueprint.backups:
        if backup.encrypted_at_source:
            continue
        source = context.workload(backup.source)
        bucket = context.blueprint.get("buckets", backup.destination)
        objects = [ref("backup", backup)]
        if source is not None:
            objects.append(ref("workload", source))
        if bucket is not None:
            objects.append(ref("bucket", bucket))
        data = (
            f" ({source.personal_data} personal data)"
            if source and source.personal_data != "none"
            else ""
        )
        yield check.finding(
            f"backup {backup.name} ships {backup.source}{data} to {backup.destination} unencrypted",
            objects,
        )


@register(
    "backup.foreign-bucket-without-own-key",
    "high",
    "Personal-data backup in a foreign bucket without a key of your own",
    "A bucket under another jurisdiction protects its content only with a key the provider "
    "cannot use on its own: a customer-supplied or customer-managed key held at home.",
    "Protect the bucket with a customer-supplied key held in the required jurisdiction.",
)
def foreign_bucket(context: Context, check: Check) -> Iterator[Finding]:
    required = context.jurisdiction
    if required is None:
        return
    for backup in context.blueprint.backups:
        source = context.workload(backup.source)
        bucket = context.blueprint.get("buckets", backup.destination)
        if source is None or bucket is None or source.personal_data == "none":
            continue
        cloud = context.blueprint.cloud_of(bucket)
        if cloud is None or cloud.jurisdiction == required:
            continue
        key_name = backup.encryption_key or bucket.encryption_key
        key = context.blueprint.get("keys", key_name) if key_name else None
        if key is not None and key.kind != "provider_managed":
            continue
        yield check.finding(
            f"bucket {bucket.name} in {cloud.name} (jurisdiction {cloud.jurisdiction}) holds "
            f"backups of {source.name} under "
            + (f"provider-managed key {key.name}" if key else "the provider's default encryption"),
            [ref("bucket", bucket), ref("backup", backup), ref("cloud", cloud)],
        )
