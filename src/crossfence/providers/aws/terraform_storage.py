"""The `aws` provider's S3 buckets and KMS keys read into the blueprint: a bucket encrypted with a KMS key is protected by that customer-managed key.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket,
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_server_side_encryption_configuration
and https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key. Who
holds a key (`held_by`) is no KMS argument: an overlay says it.
"""

from __future__ import annotations

from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping
from ...terraform.read import Resource
from ...terraform.values import at, blocks

__all__ = ["MAPPINGS", "SILENT"]

DOCS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/"


def _key(resource: Resource, b: Builder) -> None:
    from .terraform import _tag_name

    b.add(
        "keys",
        {
            "name": b.name(resource, _tag_name(resource) or b.text(resource, "id"), "keys"),
            "kind": "customer_managed",
        },
        resource,
        {"kind": "key_usage"},
    )


def _bucket(resource: Resource, b: Builder) -> None:
    from .terraform import _tag_name

    name = b.text(resource, "bucket") or _tag_name(resource)
    region = at(resource.values, "region")
    bucket: dict[str, Any] = {
        "name": b.name(resource, name, "buckets"),
        "cloud": b.cloud(resource),
        "location": region if isinstance(region, str) and region else "unknown",
    }
    b.add("buckets", bucket, resource, {"location": "region"})
    # the bucket's own (computed) copy of its encryption, as a state lists it
    _encrypt(b, resource, resource, bucket, ("server_side_encryption_configuration", 0))


def _encrypt(
    b: Builder,
    resource: Resource,
    holder: Resource,
    bucket: dict[str, Any],
    prefix: tuple[str | int, ...],
) -> None:
    """The bucket's key: the KMS key of its default encryption rule, once."""
    values = at(holder.values, *prefix) if prefix else holder.values
    if not isinstance(values, dict):
        return
    for index, rule in blocks(values, "rule"):
        default = at(rule, "apply_server_side_encryption_by_default", 0)
        if not isinstance(default, dict) or not str(default.get("sse_algorithm", "")).startswith(
            "aws:kms"
        ):
            continue
        key = b.object_of(
            b.ref(
                resource,
                (
                    *prefix,
                    "rule",
                    index,
                    "apply_server_side_encryption_by_default",
                    0,
                    "kms_master_key_id",
                ),
                ("aws_kms_key",),
                value=default.get("kms_master_key_id"),
            ),
            "keys",
        )
        if key is None or bucket.get("encryption_key") == key["name"]:
            continue
        bucket["encryption_key"] = key["name"]
        if bucket["name"] not in key.setdefault("protects", []):
            key["protects"].append(bucket["name"])


def _encryption(resource: Resource, b: Builder) -> None:
    found = b.ref(resource, ("bucket",), ("aws_s3_bucket",))
    bucket = b.object_of(found, "buckets")
    if bucket is not None:
        _encrypt(b, resource, resource, bucket, ())


MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "aws_kms_key",
        "keys[] (kind customer_managed; `held_by` from the overlay)",
        _key,
        reads=("tags.Name",),
        ignored={
            "enable_key_rotation": "key lifecycle",
            "deletion_window_in_days": "key lifecycle",
            "policy": "IAM",
        },
        phase=1,
        docs=DOCS + "kms_key",
    ),
    ResourceMapping(
        "aws_s3_bucket",
        "buckets[]",
        _bucket,
        reads=("bucket", "region", "server_side_encryption_configuration"),
        ignored={"policy": "IAM", "acl": "access control", "force_destroy": "lifecycle"},
        phase=7,
        docs=DOCS + "s3_bucket",
    ),
    ResourceMapping(
        "aws_s3_bucket_server_side_encryption_configuration",
        "buckets[].encryption_key, keys[].protects[]",
        _encryption,
        reads=(
            "bucket",
            "rule.apply_server_side_encryption_by_default.sse_algorithm",
            "rule.apply_server_side_encryption_by_default.kms_master_key_id",
        ),
        ignored={"rule.bucket_key_enabled": "how S3 calls KMS, not which key"},
        phase=8,
        docs=DOCS + "s3_bucket_server_side_encryption_configuration",
    ),
)

SILENT = {
    "aws_s3_bucket_public_access_block": "access control of the bucket (ACLs and policies), not the network",
    "aws_s3_bucket_versioning": "retention",
    "aws_kms_alias": "a name for a key",
}
